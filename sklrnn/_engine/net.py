"""The skorch side of the one training engine.

skorch runs every epoch; this module only adapts it to sequences:

- :class:`SequenceDataset` keeps the padded batch as tensors and serves whole mini-batches by
  slicing, trimmed to the longest sequence in the batch (no per-sample collation);
- :class:`BatchIterator` is the iterator skorch loops over (shuffled from torch's RNG; the
  training iterator applies the estimator's ``augmentation`` to each batch);
- :class:`SequenceNet` overrides ``get_loss`` to weight each sample (sample and class weights)
  and ``infer`` to keep the weights out of the module's ``forward``, and trims skorch's
  per-batch bookkeeping (train/eval switches through :mod:`.skorch_compat`, fitted checks)
  that costs as much as a small batch (``benchmarks/overhead.py`` measures what is left);
- :class:`IndexSplit` is the validation split (stratified, shuffled or last-in-time);
- :class:`ValidationScore` records a score on the validation split from the predictions skorch
  already made for the validation loss.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cached_property

import numpy as np
import torch
from skorch.callbacks import Callback

from ..nn.optim import optimizer_options
from .skorch_compat import LeanNeuralNet, set_training

#: entries of a training batch that the loss reads and the module's forward does not
LOSS_ONLY = frozenset({"sample_weight"})


def _tensor(array) -> torch.Tensor:
    """A tensor sharing memory with ``array``; read-only arrays (e.g. memmaps) are copied."""
    if not isinstance(array, np.ndarray):
        return torch.as_tensor(array)
    return torch.from_numpy(array if array.flags.writeable else array.copy())


#: batch norm statistics are set from at most this many training samples, holding at most
#: ``POPULATION_VALUES`` input values in all (see :meth:`SequenceNet.settle_batch_norm`)
POPULATION_SAMPLES, POPULATION_VALUES = 1024, 2**20


class SequenceDataset(torch.utils.data.Dataset):
    """Padded sequences, their lengths, optional targets and sample weights, as tensors.

    The time axis of ``x`` ends with the longest sequence (as :func:`~sklrnn._engine.sequences.
    check_sequences` pads, and :meth:`subset` trims), so the whole data set is a batch as it is.
    """

    def __init__(
        self,
        x: np.ndarray,
        lengths: np.ndarray,
        y: np.ndarray | None = None,
        sample_weight: np.ndarray | None = None,
    ) -> None:
        self.x = _tensor(x)
        self.lengths = _tensor(lengths)
        self.y = None if y is None else _tensor(y)
        self.sample_weight = None if sample_weight is None else _tensor(sample_weight)

    @cached_property
    def full_length(self) -> bool:
        """Whether every sequence fills the time axis (then no batch needs trimming)."""
        return bool(len(self.lengths) == 0 or self.lengths.min() == self.x.shape[1])

    def __len__(self) -> int:
        return self.lengths.shape[0]  # (len() of a tensor runs through Python)

    def batch(
        self, indices: torch.Tensor | slice
    ) -> tuple[dict[str, torch.Tensor], torch.Tensor | None]:
        """The mini-batch at ``indices`` (a tensor or a slice, which takes views, not copies):
        ``({"x", "lengths"[, "sample_weight"]}, y)``, y None for a dataset without targets."""
        if isinstance(indices, slice) and indices.start == 0 and indices.stop >= len(self):
            # the whole data set (a prediction that fits in one batch): taken as it is
            x, lengths, weights, y = self.x, self.lengths, self.sample_weight, self.y
        else:
            x, lengths = self.x[indices], self.lengths[indices]
            if not self.full_length:
                x = x[:, : int(lengths.max())]  # trim the padding no sequence here needs
            pick = lambda t: None if t is None else t[indices]  # noqa: E731
            weights, y = pick(self.sample_weight), pick(self.y)
        features = {"x": x, "lengths": lengths}
        if weights is not None:
            features["sample_weight"] = weights
        return features, y

    def __getitem__(self, index: int):
        features, y = self.batch(torch.tensor([index]))
        return {k: v[0] for k, v in features.items()}, None if y is None else y[0]

    def subset(self, indices: np.ndarray) -> SequenceDataset:
        """The samples at ``indices``, their time axis trimmed to the longest of them."""
        idx = torch.as_tensor(indices, dtype=torch.long)
        pick = lambda t: None if t is None else t[idx]  # noqa: E731
        lengths = self.lengths[idx]
        x = self.x[idx, : int(lengths.max())] if len(idx) else self.x[idx]
        return SequenceDataset(x, lengths, pick(self.y), pick(self.sample_weight))


class BatchIterator:
    """Mini-batches of a :class:`SequenceDataset`, in order or shuffled, optionally augmented.

    The shuffle draws from ``random_state`` (a ``numpy.random.RandomState`` the net keeps from
    epoch to epoch) when given, else from torch's global generator.
    """

    def __init__(
        self,
        dataset: SequenceDataset,
        batch_size: int,
        shuffle: bool = False,
        random_state: np.random.RandomState | None = None,
        augment: Callable[[dict], dict] | None = None,
    ) -> None:
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.random_state = random_state
        self.augment = augment  # set on the training iterator only: predict never sees it

    def __len__(self) -> int:
        return -(-len(self.dataset) // self.batch_size)

    def order(self) -> torch.Tensor | None:
        """The order of the samples this pass, or None for the stored order."""
        if not self.shuffle:
            return None
        n, rng = len(self.dataset), self.random_state
        return torch.randperm(n) if rng is None else torch.from_numpy(rng.permutation(n))

    def __iter__(self) -> Iterator[tuple[dict[str, torch.Tensor], torch.Tensor | None]]:
        n = len(self.dataset)
        order = self.order()
        for start in range(0, n, self.batch_size):
            stop = start + self.batch_size
            features, y = self.dataset.batch(
                slice(start, stop) if order is None else order[start:stop]
            )
            yield (features if self.augment is None else self.augment(features)), y


class SequenceNet(LeanNeuralNet):
    """skorch's NeuralNet with per-sample weighted losses.

    The criterion is a torch loss without class weights; the net sets its ``reduction``. The loss
    of a weighted batch is the mean over samples of each sample's mean loss times its weight; an
    unweighted batch takes the criterion's own mean (the same value, as every sample has as many
    elements, on a cheaper path).
    """

    def infer(self, x, **fit_params):
        if not isinstance(x, dict):
            return super().infer(x, **fit_params)
        # Batches from SequenceDataset are dicts of tensors: move them to the device and call
        # the module, leaving the sample weights (used by get_loss) out of forward.
        inputs = {k: v.to(self.device) for k, v in x.items() if k not in LOSS_ONLY}
        return self.module_(**inputs, **fit_params)

    def predict_raw(self, dataset: SequenceDataset) -> np.ndarray:
        """The module's outputs for every sample of ``dataset``, as one numpy array.

        One forward pass per ``batch_size`` slice, in eval mode and under inference mode (no
        autograd bookkeeping), joined and turned into numpy once; no nonlinearity, the outputs
        are raw. This is every estimator's prediction path. It does not go through skorch's
        ``forward_iter``: that one builds an iterator through its parameter lookups and checks
        that the net is fitted through scikit-learn's tags on every call, which together cost
        about 5 % of a small LSTM's batch of 256 (``benchmarks/inference.py``).
        """
        set_training(self, False)
        size, n = self.batch_size, len(dataset)
        with torch.inference_mode():  # each batch's output leaves the device as it comes
            outputs = [
                self.infer(dataset.batch(slice(start, start + size))[0]).cpu()
                for start in range(0, n, size)
            ]
        return (outputs[0] if len(outputs) == 1 else torch.cat(outputs)).numpy()

    def settle_batch_norm(self, dataset: SequenceDataset, seed: int) -> None:
        """Set every batch norm's running statistics to those of the training data.

        During training each batch is normalised by its own statistics, and the running
        averages kept for evaluation average the *within*-batch variances of small batches:
        on data whose series differ in level (few series per class, many classes) they miss the
        variance between batches, and the evaluated network drifts from the trained one (on
        PigCVP it classified 52 % of its own training series right, 100 % with these
        statistics). One forward pass without gradients, the norms alone in training mode, over
        up to ``POPULATION_SAMPLES`` training samples (and ``POPULATION_VALUES`` input values)
        in a single batch (drawn with ``seed``) sets them to the statistics of that
        population, layer after layer ("precise BN", Wu and
        Johnson, "Rethinking 'batch' in BatchNorm", 2021). Weights do not change.
        """
        norms = [
            m
            for m in self.module_.modules()
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm) and m.track_running_stats
        ]
        if not norms or len(dataset) < 2:
            return
        values = max(1, dataset.x[0].numel())  # per padded sample
        n = min(len(dataset), POPULATION_SAMPLES, max(2, POPULATION_VALUES // values))
        picked = np.random.RandomState(seed).choice(len(dataset), n, replace=False)
        features, _ = dataset.batch(torch.as_tensor(np.sort(picked)))
        momenta = [m.momentum for m in norms]
        for norm in norms:
            norm.momentum = 1.0  # the running statistics become this batch's
        self._set_training(False)  # dropout stays off: only the norms see training mode
        try:
            for norm in norms:
                norm.train()
            with torch.no_grad():
                self.infer(features)
        finally:
            for norm, momentum in zip(norms, momenta):
                norm.momentum = momentum
                norm.eval()

    def get_loss(self, y_pred, y_true, X=None, training=False):
        X = X if isinstance(X, dict) else {}
        weights = X.get("sample_weight")
        if "mix_index" not in X:
            return self._weighted_loss(y_pred, y_true, weights, training)
        # mixup (sklrnn.augment.mix_batch): the module blended sample i with sample index[i],
        # and the blend is scored against both targets by their shares (Zhang et al., 2018)
        index, share = X["mix_index"], X["mix_weight"]  # [B] each
        first, second = share, 1 - share
        if weights is not None:
            first, second = first * weights, second * weights[index]
        loss = self._weighted_loss(y_pred, y_true, first, training)
        other = y_true[index.to(y_true.device)]
        loss = loss + self._weighted_loss(y_pred, other, second, training)
        # Less the least loss any prediction could reach on these blends, so that the loss is the
        # excess over it (a KL divergence) and falls to 0 on fitted data as without mixup: the
        # budget's plateau and convergence rules read it. The gradient is the same.
        different = (y_true != other).reshape(len(y_true), -1).all(1)
        return loss - _blend_entropy(first, second, different).to(loss.device)

    def _weighted_loss(self, y_pred, y_true, weights, training):
        self.criterion_.reduction = "mean" if weights is None else "none"
        loss = super().get_loss(y_pred, y_true, training=training)
        if weights is None:
            return loss
        per_sample = loss.reshape(len(loss), -1).mean(1)  # [B, ...] -> [B]
        return (per_sample * weights.to(per_sample.device)).mean()


def _blend_entropy(first: torch.Tensor, second: torch.Tensor, different: torch.Tensor):
    """The least of ``first * -log p(a) + second * -log p(b)`` over predictions ``p``, averaged
    over the batch: ``(f + s) * H(f / (f + s))`` where the two targets differ, else 0."""
    first, second = first.float(), second.float()
    total = (first + second).clamp_min(torch.finfo(torch.float32).tiny)
    least = -(torch.xlogy(first, first / total) + torch.xlogy(second, second / total))
    return torch.where(different.to(least.device), least, torch.zeros_like(least)).mean()


def build_net(
    module: torch.nn.Module,
    criterion: torch.nn.Module,
    net_class=None,
    optimizer_device=None,
    **params,
) -> SequenceNet:
    """The one way sklrnn builds a skorch net: sequence batches, raw outputs, no default split.

    ``iterator_train__augment`` transforms each training batch (never a validation or
    prediction batch).
    ``params`` are skorch ``NeuralNet`` parameters (``optimizer``, ``lr``, ``max_epochs``,
    ``batch_size``, ``callbacks``, ``train_split``, ``device``, ``verbose``, ...);
    ``net_class`` is a subclass of :class:`SequenceNet` to build instead. Adam and AdamW on
    a CPU run fused (:func:`~sklrnn.nn.optim.optimizer_options`); ``optimizer_device`` is the
    device they run on where ``device`` is None (an accelerator places the module).
    """
    params.setdefault("train_split", None)
    # skorch calls every callback on every batch: leave out those with nothing to do
    if params["train_split"] is None:
        params.setdefault("callbacks__valid_loss", None)
    if not params.get("verbose"):
        params.setdefault("callbacks__print_log", None)  # builds its table even when silent
    params.setdefault("iterator_train", BatchIterator)
    device = optimizer_device or params.get("device", "cpu")  # skorch's default
    for key, value in optimizer_options(params.get("optimizer"), device).items():
        params.setdefault(f"optimizer__{key}", value)
    return (net_class or SequenceNet)(
        module,
        criterion=criterion,
        iterator_train__shuffle=True,
        iterator_valid=BatchIterator,
        predict_nonlinearity=None,  # outputs are raw; the estimators decode them
        **params,
    )


class IndexSplit:
    """skorch ``train_split``: hold out ``fraction`` of the samples for validation.

    Parameters
    ----------
    fraction : float
        Share of the samples in the validation part.
    kind : {"stratified", "shuffle", "last"}
        ``"last"`` keeps the order: the validation part is the last samples (time series).
    seed : int
        Seed of the shuffle.
    """

    def __init__(self, fraction: float, kind: str, seed: int) -> None:
        self.fraction = fraction
        self.kind = kind
        self.seed = seed

    def indices(self, n: int, y: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        n_valid = int(np.ceil(self.fraction * n))
        if n_valid < 1 or n_valid >= n:
            raise ValueError(
                f"validation_fraction={self.fraction} leaves no samples for training or "
                f"validation with {n} samples; use more data or early_stopping=False."
            )
        if self.kind == "last":
            return np.arange(n - n_valid), np.arange(n - n_valid, n)
        from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit

        splitter_cls = StratifiedShuffleSplit if self.kind == "stratified" else ShuffleSplit
        splitter = splitter_cls(n_splits=1, test_size=n_valid, random_state=self.seed)
        try:
            return next(splitter.split(np.zeros(n), y))
        except ValueError:  # a class too small to stratify: fall back to a plain shuffle
            return next(ShuffleSplit(1, test_size=n_valid, random_state=self.seed).split(y))

    def __call__(self, dataset: SequenceDataset, y=None, **fit_params):
        labels = None if dataset.y is None else dataset.y.numpy()
        train, valid = self.indices(len(dataset), labels)
        return dataset.subset(train), dataset.subset(valid)


class ValidationScore(Callback):
    """Record ``valid_score`` each epoch, computed by ``score_fn(y_true, y_pred)`` (numpy)."""

    def __init__(self, score_fn: Callable[[np.ndarray, np.ndarray], float]) -> None:
        self.score_fn = score_fn

    def on_epoch_begin(self, net, **kwargs):
        self.y_true_, self.y_pred_ = [], []

    def on_batch_end(self, net, batch=None, training=None, y_pred=None, **kwargs):
        if not training:
            self.y_true_.append(batch[1].numpy())
            self.y_pred_.append(y_pred.detach().cpu().numpy())

    def on_epoch_end(self, net, dataset_valid=None, **kwargs):
        if self.y_pred_:
            score = self.score_fn(np.concatenate(self.y_true_), np.concatenate(self.y_pred_))
            net.history.record("valid_score", float(score))
        self.y_true_, self.y_pred_ = [], []
