"""Unit tests of the plain-torch SegRNN module (no scikit-learn estimator involved)."""

import math

import numpy as np
import pytest
import torch

from sklrnn.nn.segrnn import SegRNN


@pytest.fixture(autouse=True)
def _one_thread():
    # Tiny models: one thread is fastest, and the test machines' cores are shared.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _model(**kwargs):
    params = dict(lookback=48, horizon=24, n_channels=3, seg_len=12, hidden_size=8, dropout=0.0)
    params.update(kwargs)
    torch.manual_seed(0)
    return SegRNN(**params).eval()


@pytest.mark.parametrize("decoder", ["pmf", "rmf"])
@pytest.mark.parametrize("cell", ["gru", "lstm", "rnn"])
@pytest.mark.parametrize("normalization", ["last", "revin", None])
def test_output_shape_and_gradients(decoder, cell, normalization):
    model = _model(decoder=decoder, cell=cell, normalization=normalization, num_layers=2)
    model.train()
    x = torch.randn(5, 48, 3)
    y = model(x)
    assert y.shape == (5, 24, 3)
    assert torch.isfinite(y).all()
    y.square().mean().backward()
    used = {name for name, p in model.named_parameters() if p.grad is not None}
    assert used == {name for name, _ in model.named_parameters()}


def test_parameters_of_the_paper_configuration():
    model = SegRNN(lookback=720, horizon=96, n_channels=7)
    shapes = {name: tuple(p.shape) for name, p in model.named_parameters()}
    assert shapes["pos_emb"] == (4, 256)
    assert shapes["channel_emb"] == (7, 256)
    assert shapes["embed.0.weight"] == (512, 24)
    assert shapes["project.1.weight"] == (24, 512)
    assert isinstance(model.rnn, torch.nn.GRU)
    assert sum(p.numel() for p in model.parameters()) == 1_603_864
    assert (model.n_segments_in, model.n_segments_out) == (30, 4)


def test_decoder_embeddings():
    assert _model(channel_embedding=False).pos_emb.shape == (2, 8)
    assert _model(channel_embedding=False).channel_emb is None
    odd = _model(hidden_size=9)
    assert odd.pos_emb.shape == (2, 5)
    assert odd.channel_emb.shape == (3, 4)
    rmf = _model(decoder="rmf")
    assert rmf.pos_emb is None
    assert rmf.channel_emb is None


def _pad_start(x, length):
    """Repeat the first step of x [B, L, C] at its start up to ``length`` steps."""
    return torch.cat([x[:, :1].expand(-1, length - x.shape[1], -1), x], dim=1)


@pytest.mark.parametrize("decoder", ["pmf", "rmf"])
@pytest.mark.parametrize("normalization", ["last", None])
def test_lookback_not_divisible_is_padded_at_start_with_first_value(decoder, normalization):
    # lookback 40 with segments of 12: N = 4 segments, 8 steps of padding.
    short = _model(lookback=40, decoder=decoder, normalization=normalization)
    long = _model(lookback=48, decoder=decoder, normalization=normalization)
    long.load_state_dict(short.state_dict())  # no weight depends on the look-back length
    assert short.n_segments_in == 4
    x = torch.randn(4, 40, 3)
    with torch.no_grad():
        torch.testing.assert_close(short(x), long(_pad_start(x, 48)))
        # Zero padding would give something else: the padding is really the first value.
        zero_padded = torch.cat([torch.zeros(4, 8, 3), x], dim=1)
        assert not torch.allclose(short(x), long(zero_padded), atol=1e-4)


def test_revin_statistics_ignore_the_padding():
    short = _model(lookback=40, normalization="revin")
    long = _model(lookback=48, normalization=None)
    long.load_state_dict(short.state_dict(), strict=False)
    x = 3.0 + 2.0 * torch.randn(4, 40, 3)
    mean = x.mean(dim=1, keepdim=True)
    std = torch.sqrt(x.var(dim=1, keepdim=True, unbiased=False) + short.eps)
    with torch.no_grad():
        expected = long(_pad_start((x - mean) / std, 48)) * std + mean
        torch.testing.assert_close(short(x), expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("decoder", ["pmf", "rmf"])
def test_horizon_not_divisible_is_cropped(decoder):
    cropped = _model(horizon=30, decoder=decoder)  # M = 3 segments of 12, keep 30 steps
    full = _model(horizon=36, decoder=decoder)
    full.load_state_dict(cropped.state_dict())
    assert cropped.n_segments_out == 3
    x = torch.randn(2, 48, 3)
    with torch.no_grad():
        y = cropped(x)
        assert y.shape == (2, 30, 3)
        torch.testing.assert_close(y, full(x)[:, :30])


def test_horizon_shorter_than_a_segment():
    model = _model(horizon=5)
    assert model.n_segments_out == 1
    assert model(torch.randn(2, 48, 3)).shape == (2, 5, 3)


@pytest.mark.parametrize("decoder", ["pmf", "rmf"])
def test_channel_independence(decoder):
    x = torch.randn(4, 48, 3)
    perm = [2, 0, 1]
    model = _model(decoder=decoder, channel_embedding=False)
    with torch.no_grad():
        torch.testing.assert_close(model(x[:, :, perm]), model(x)[:, :, perm])
        # Even with channel embeddings, a channel's forecast reads only its own history.
        model = _model(decoder=decoder, channel_embedding=True)
        changed = x.clone()
        changed[:, :, 0] += torch.randn(4, 48)
        y, y_changed = model(x), model(changed)
    torch.testing.assert_close(y[:, :, 1:], y_changed[:, :, 1:])
    assert not torch.allclose(y[:, :, 0], y_changed[:, :, 0])


def test_channel_embedding_distinguishes_channels():
    model = _model(channel_embedding=True)
    x = torch.randn(4, 48, 1).expand(-1, -1, 3)  # the same history in every channel
    with torch.no_grad():
        y = model(x)
    assert not torch.allclose(y[:, :, 0], y[:, :, 1])


@pytest.mark.parametrize("decoder", ["pmf", "rmf"])
def test_last_normalization_is_shift_equivariant(decoder):
    # The model sees x - x[-1]; a constant added to a channel's look-back is added to its forecast.
    model = _model(decoder=decoder, normalization="last")
    x = torch.randn(4, 48, 3)
    shift = torch.tensor([5.0, -3.0, 100.0])
    with torch.no_grad():
        torch.testing.assert_close(model(x + shift), model(x) + shift, rtol=1e-5, atol=1e-4)
        none = _model(decoder=decoder, normalization=None)
        assert not torch.allclose(none(x + shift), none(x) + shift, atol=1e-2)


def test_revin_is_scale_and_shift_equivariant():
    model = _model(normalization="revin")
    with torch.no_grad():
        model.revin_weight.copy_(torch.tensor([0.5, 2.0, 1.5]))
        model.revin_bias.copy_(torch.tensor([0.1, -0.2, 0.3]))
    x = torch.randn(4, 48, 3)
    with torch.no_grad():
        torch.testing.assert_close(model(7.0 * x + 2.0), 7.0 * model(x) + 2.0, rtol=1e-4, atol=1e-3)
        last = _model(normalization="last")
        assert not torch.allclose(last(7.0 * x), 7.0 * last(x), atol=1e-2)


def test_lstm_state_is_used_by_the_decoder():
    # The decoder must start from the encoder's (h, c): different histories, different forecasts.
    model = _model(cell="lstm", normalization=None)
    with torch.no_grad():
        a, b = model(torch.randn(2, 48, 3)), model(torch.randn(2, 48, 3))
    assert not torch.allclose(a, b)


def test_dropout_only_in_training():
    model = _model(dropout=0.5)
    x = torch.randn(2, 48, 3)
    with torch.no_grad():
        torch.testing.assert_close(model(x), model(x))
        model.train()
        assert not torch.allclose(model(x), model(x))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"cell": "transformer"}, "cell"),
        ({"decoder": "dmf"}, "decoder"),
        ({"normalization": "minmax"}, "normalization"),
        ({"seg_len": 0}, "seg_len"),
        ({"seg_len": 49}, r"seg_len=49 is longer than the look-back windows \(lookback=48"),
        ({"hidden_size": -1}, "hidden_size"),
        ({"horizon": 0}, "horizon"),
        ({"lookback": 2.5}, "lookback"),
        ({"n_channels": 0}, "n_channels"),
        ({"num_layers": 0}, "num_layers"),
        ({"dropout": 1.0}, "dropout"),
        ({"eps": 0.0}, "eps"),
        ({"hidden_size": 1}, "hidden_size"),
    ],
)
def test_invalid_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        _model(**kwargs)


def test_wrong_input_shape():
    model = _model()
    with pytest.raises(ValueError, match=r"\(batch, 48, 3\).*\(2, 48, 4\)"):
        model(torch.randn(2, 48, 4))
    with pytest.raises(ValueError, match="shape"):
        model(torch.randn(48, 3))


@pytest.mark.parametrize("decoder", ["pmf", "rmf"])
def test_tiny_model_learns_a_sine(decoder):
    torch.manual_seed(0)
    period, lookback, horizon = 24, 48, 24
    t = np.arange(400)
    series = np.sin(2 * math.pi * t / period).astype(np.float32)
    starts = np.arange(len(t) - lookback - horizon + 1)
    X = torch.from_numpy(np.stack([series[s : s + lookback] for s in starts]))[..., None]
    y = torch.from_numpy(np.stack([series[s + lookback : s + lookback + horizon] for s in starts]))
    y = y[..., None]
    model = SegRNN(
        lookback=lookback, horizon=horizon, n_channels=1, seg_len=12, hidden_size=16,
        dropout=0.0, decoder=decoder,
    )  # fmt: skip
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(120):
        batch = torch.randint(0, len(X), (32,))
        loss = torch.nn.functional.mse_loss(model(X[batch]), y[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        mse = torch.nn.functional.mse_loss(model.eval()(X), y).item()
    assert mse < 0.01  # the series' variance is 0.5
