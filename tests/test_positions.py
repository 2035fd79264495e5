"""Position codes of RecurrentNet, and the warning for k-mer token ids read as numbers."""

import warnings

import numpy as np
import pytest
import torch
from sklearn.pipeline import make_pipeline

from sklrnn import RNNClassifier, RNNRegressor
from sklrnn.features import KmerEncoder, SequencePadder
from sklrnn.nn.recurrent import RecurrentNet, sinusoidal_positions


@pytest.mark.parametrize("kind", ["learned", "sinusoidal"])
def test_position_codes_tell_the_steps_apart(kind):
    torch.manual_seed(0)
    net = RecurrentNet(3, 2, hidden_size=4, position_encoding=kind, position_dim=6, max_len=10)
    steps = torch.zeros(2, 12, 3)
    codes = net._positions(steps)
    assert codes.shape == (2, 12, 6)
    assert torch.equal(codes[0], codes[1])
    distinct = {tuple(row.tolist()) for row in codes[0, :10]}
    assert len(distinct) == 10  # every position of the fitted length has its own code
    if kind == "learned":  # positions past max_len share the last code
        assert torch.equal(codes[0, 11], codes[0, 9])
    else:  # sinusoidal codes go on past max_len
        torch.testing.assert_close(codes[0], sinusoidal_positions(12, 6))
    assert net.rnn.input_size == 3 + 6
    # identical steps at different places now give different outputs
    out = net(torch.ones(1, 10, 3), torch.tensor([10]))
    shifted = net(
        torch.ones(1, 10, 3) * torch.arange(10.0).roll(1)[None, :, None].clamp(max=1),
        torch.tensor([10]),
    )
    assert not torch.equal(out, shifted)


def test_sinusoidal_codes_are_the_transformer_ones():
    codes = sinusoidal_positions(5, 4)
    torch.testing.assert_close(codes[:, 0], torch.sin(torch.arange(5.0)))
    torch.testing.assert_close(codes[:, 1], torch.cos(torch.arange(5.0)))
    torch.testing.assert_close(codes[:, 2], torch.sin(torch.arange(5.0) / 100))


def test_learned_positions_find_where_the_signal_is(tmp_path):
    # the class is which half of the window holds the one token 2 among tokens 1: a matter of
    # where, not of what; the network learns it and the fitted length travels with a save
    rng = np.random.RandomState(0)
    n, t = 200, 12
    X = np.ones((n, t), dtype=np.int64)
    where = rng.randint(0, t, n)
    X[np.arange(n), where] = 2
    y = (where >= t // 2).astype(int)

    def make(position_encoding):
        return RNNClassifier(
            cell="gru",
            hidden_size=8,
            embedding_dim=4,
            pooling="mean",
            conv_channels=None,
            position_encoding=position_encoding,
            learning_rate=1e-2,
            max_epochs=40,
            batch_size=32,
            random_state=0,
        ).fit(X, y)

    with_positions = make("learned")
    assert with_positions.score(X, y) > 0.95
    assert with_positions.max_timesteps_ == t
    path = tmp_path / "model.pt"
    with_positions.save(path)
    loaded = RNNClassifier.load(path)
    np.testing.assert_allclose(loaded.predict_proba(X), with_positions.predict_proba(X), atol=1e-6)


def test_bad_position_encoding_is_named():
    with pytest.raises(ValueError, match="position_encoding must be one of"):
        RNNRegressor(position_encoding="rotary").fit(np.ones((4, 3, 1)), np.ones(4))


def test_kmer_tokens_without_embedding_warn():
    seqs = ["ACGTACGTAA", "TTGACCAGTA"] * 5
    y = [0, 1] * 5
    small = dict(hidden_size=4, max_epochs=1, random_state=0)
    tokens = KmerEncoder(k=2).fit_transform(seqs)
    with pytest.warns(UserWarning, match="token ids of a KmerEncoder with embedding_dim=None"):
        RNNClassifier(**small).fit(tokens, y)
    with pytest.warns(UserWarning, match="Set embedding_dim"):
        make_pipeline(KmerEncoder(k=3), RNNClassifier(**small)).fit(seqs, y)
    ragged = KmerEncoder(k=2).fit_transform(seqs[:9] + ["ACG"])
    with pytest.warns(UserWarning, match="embedding_dim=None"):
        RNNClassifier(**small).fit(ragged, y)
    padded = SequencePadder().fit_transform(ragged)
    with pytest.warns(UserWarning, match="embedding_dim=None"):
        RNNClassifier(**small).fit(padded, y)


def test_no_warning_for_embedded_tokens_or_ordinary_integers():
    seqs = ["ACGTACGTAA", "TTGACCAGTA"] * 5
    y = [0, 1] * 5
    small = dict(hidden_size=4, max_epochs=1, random_state=0)
    tokens = KmerEncoder(k=2).fit_transform(seqs)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        RNNClassifier(embedding_dim=4, **small).fit(tokens, y)
        # integer data that did not come from an encoder, even with token-like values
        RNNClassifier(**small).fit(np.random.RandomState(0).randint(1, 17, (10, 9)), y)
        RNNClassifier(**small).fit(tokens.astype(np.float32), y)
        RNNClassifier(**small).fit(KmerEncoder(k=2, output="onehot").fit_transform(seqs), y)


def test_auto_positions_are_learned_for_token_ids_only():
    tokens = np.arange(24).reshape(6, 4) % 5
    numbers = np.ones((6, 4, 2), dtype=np.float32)
    y = np.arange(6) % 2
    tiny = dict(hidden_size=4, conv_channels=None, max_epochs=1, random_state=0)
    on_tokens = RNNClassifier(embedding_dim=4, **tiny).fit(tokens, y)
    on_numbers = RNNClassifier(**tiny).fit(numbers, y)
    assert on_tokens.position_encoding == "auto" == on_numbers.position_encoding
    assert on_tokens.net_.module_.position_encoding == "learned"
    assert on_numbers.net_.module_.position_encoding is None
