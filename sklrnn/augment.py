"""Training-time augmentation of sequence batches: time and feature masking, warping, noise,
and the pairs of mixup.

An estimator's ``augmentation`` parameter takes a list of these transforms. The training engine
applies them, in order, to every training mini-batch and to nothing else: validation batches,
``predict``, ``predict_proba`` and ``score`` see the data as it is. Random draws come from
torch's generator, which ``fit`` seeds from ``random_state``, so a seed gives the same model.

Each transform maps a padded batch ``x`` of shape ``(batch, T, n_features)`` (or ``(batch, T)``
of token ids) and the valid ``lengths`` to a new ``(x, lengths)``; steps past a sequence's length
stay padding. Masking is SpecAugment's (Park et al., 2019, "SpecAugment: A Simple Data
Augmentation Method for Automatic Speech Recognition"); speed change is the frame-level analogue
of Ko et al. (2015), "Audio augmentation for speech recognition".
"""

from __future__ import annotations

import inspect
from numbers import Integral, Real

import torch
from sklearn.base import BaseEstimator

from ._engine.sequences import FLOAT32_MAX
from .utils._param_validation import Interval, InvalidParameterError, ParamsValidationMixin

__all__ = [
    "Augmentation",
    "FeatureMask",
    "FrequencyWarp",
    "GaussianNoise",
    "SpeedChange",
    "TimeMask",
    "TimeWarp",
    "mix_batch",
]

_RATE = [Interval(Real, 0.1, 10, closed="both")]


def _uniform(n: int, low: float, high: float) -> torch.Tensor:
    return low + (high - low) * torch.rand(n, dtype=torch.float64)


class Augmentation(ParamsValidationMixin, BaseEstimator):
    """Base of the batch augmentations: ``__call__(x, lengths) -> (x, lengths)``.

    A subclass declares its parameters' rules in ``_parameter_constraints`` and sets
    ``numeric_only`` when it cannot apply to token ids.
    """

    numeric_only = False

    def _check_params(self) -> None:
        for name, value in self.get_params(deep=False).items():
            number = isinstance(value, Real) and not isinstance(value, bool)
            if number and not abs(value) <= FLOAT32_MAX:  # NaN, infinite or beyond float32
                default = inspect.signature(type(self)).parameters[name].default
                hint = "" if default is inspect.Parameter.empty else f", such as {default!r}"
                raise InvalidParameterError(
                    f"{name} must be a finite float32 number; got {value!r}. A NaN or infinite "
                    f"{name} puts NaN or infinity into every training batch (the batches are "
                    f"float32), so the loss could only diverge. Use a finite {name}{hint}."
                )
        super()._check_params()

    def check(self, token_input: bool) -> None:
        """Check the parameters (and that the transform applies to token ids when they are)."""
        try:
            self._check_params()
        except InvalidParameterError as exc:  # name the transform: it sits in a list
            raise InvalidParameterError(f"{type(self).__name__} {exc}") from None
        if token_input and self.numeric_only:
            raise ValueError(
                f"{type(self).__name__} needs numeric features; token ids have none to change."
            )

    def __call__(self, x: torch.Tensor, lengths: torch.Tensor):
        raise NotImplementedError


class TimeMask(Augmentation):
    """Set ``n_masks`` random runs of at most ``max_width`` steps of each sequence to ``value``.

    Parameters
    ----------
    max_width : int, default=10
        Longest masked run, in steps (each run's width is drawn from 0 to ``max_width``, and at
        most a fifth of the sequence).
    n_masks : int, default=1
        Runs per sequence.
    value : float, default=0.0
        What masked steps become (for token ids, the id: 0 is the padding / unknown id).

    Examples
    --------
    >>> import torch
    >>> from sklrnn.augment import TimeMask
    >>> _ = torch.manual_seed(0)
    >>> x, lengths = TimeMask(max_width=3)(torch.ones(2, 10, 1), torch.tensor([10, 10]))
    >>> x.shape, bool((x == 0).any())
    (torch.Size([2, 10, 1]), True)
    """

    def __init__(self, max_width=10, n_masks=1, value=0.0):
        self.max_width = max_width
        self.n_masks = n_masks
        self.value = value

    _parameter_constraints = {
        "max_width": [Interval(Integral, 1, None)],
        "n_masks": [Interval(Integral, 1, None)],
        "value": [Interval(Real, None, None)],
    }

    def __call__(self, x, lengths):
        steps = torch.arange(x.shape[1])[None, :]  # [1, T]
        limit = torch.minimum(torch.full_like(lengths, self.max_width), lengths // 5)
        mask = torch.zeros(x.shape[:2], dtype=torch.bool)
        for _ in range(self.n_masks):
            width = (torch.rand(len(x)) * (limit + 1)).long()  # [B] in 0..limit
            start = (torch.rand(len(x)) * (lengths - width + 1)).long()
            mask |= (steps >= start[:, None]) & (steps < (start + width)[:, None])
        mask = mask if x.dim() == 2 else mask[..., None]  # [B, T] -> [B, T, 1]
        return x.masked_fill(mask, self.value), lengths


class FeatureMask(Augmentation):
    """Set ``n_masks`` random bands of at most ``max_width`` features to zero, whole sequences.

    SpecAugment's frequency masking when the features are mel bands or cepstral coefficients.

    Parameters
    ----------
    max_width : int, default=4
        Widest masked band, in features (each band's width is drawn from 0 to ``max_width``).
    n_masks : int, default=1
        Bands per sequence.

    Examples
    --------
    >>> import torch
    >>> from sklrnn.augment import FeatureMask
    >>> _ = torch.manual_seed(1)
    >>> x, _ = FeatureMask(max_width=2)(torch.ones(1, 4, 6), torch.tensor([4]))
    >>> x[0, 0]
    tensor([1., 0., 1., 1., 1., 1.])
    """

    def __init__(self, max_width=4, n_masks=1):
        self.max_width = max_width
        self.n_masks = n_masks

    _parameter_constraints = {
        "max_width": [Interval(Integral, 1, None)],
        "n_masks": [Interval(Integral, 1, None)],
    }
    numeric_only = True

    def __call__(self, x, lengths):
        n_features = x.shape[-1]
        features = torch.arange(n_features)[None, :]  # [1, F]
        mask = torch.zeros(len(x), n_features, dtype=torch.bool)
        for _ in range(self.n_masks):
            width = torch.randint(0, min(self.max_width, n_features) + 1, (len(x),))
            start = (torch.rand(len(x)) * (n_features - width + 1)).long()
            mask |= (features >= start[:, None]) & (features < (start + width)[:, None])
        return x.masked_fill(mask[:, None, :], 0.0), lengths  # [B, F] -> [B, 1, F]


class GaussianNoise(Augmentation):
    """Add Gaussian noise of standard deviation ``std`` to the valid steps.

    Parameters
    ----------
    std : float, default=0.1
        Standard deviation of the noise, in the units of the features (after scaling, a
        fraction of one standard deviation).

    Examples
    --------
    >>> import torch
    >>> from sklrnn.augment import GaussianNoise
    >>> x, _ = GaussianNoise(std=0.5)(torch.zeros(2, 5, 3), torch.tensor([5, 2]))
    >>> bool(x[1, 2:].eq(0).all()), bool(x[0].ne(0).any())
    (True, True)
    """

    def __init__(self, std=0.1):
        self.std = std

    _parameter_constraints = {"std": [Interval(Real, 0, None)]}
    numeric_only = True

    def __call__(self, x, lengths):
        valid = torch.arange(x.shape[1])[None, :] < lengths[:, None]  # [B, T]
        noise = torch.randn_like(x) * self.std
        return x + noise * valid.unsqueeze(-1).to(x.dtype), lengths


class _RateRange(Augmentation):
    """A transform whose factor is drawn per sequence from ``[min_rate, max_rate]``."""

    _parameter_constraints = {"min_rate": _RATE, "max_rate": _RATE}

    def __init__(self, min_rate=0.9, max_rate=1.1):
        self.min_rate = min_rate
        self.max_rate = max_rate

    def _check_params(self) -> None:
        super()._check_params()
        if self.max_rate < self.min_rate:
            raise InvalidParameterError(
                f"max_rate must be >= min_rate ({self.min_rate}); got {self.max_rate}."
            )


class FrequencyWarp(_RateRange):
    """Stretch or squeeze the feature axis by a random factor: a new vocal tract length.

    Feature ``f`` of the output reads feature ``f * rate`` of the input (linear interpolation
    between neighbours; past the last feature, the last one), with ``rate`` drawn per sequence.
    Meant for features ordered by frequency, such as log-mel bands: it is vocal tract length
    perturbation (Jaitly and Hinton, 2013), which makes one voice sound like another.

    Parameters
    ----------
    min_rate : float, default=0.9
        Smallest factor (below 1 the spectrum is stretched upwards, a shorter vocal tract).
    max_rate : float, default=1.1
        Largest factor. Each sequence draws its factor uniformly from ``[min_rate, max_rate]``.

    Examples
    --------
    >>> import torch
    >>> from sklrnn.augment import FrequencyWarp
    >>> x, _ = FrequencyWarp(0.5, 0.5)(torch.arange(5.0).view(1, 1, 5), torch.tensor([1]))
    >>> x
    tensor([[[0.0000, 0.5000, 1.0000, 1.5000, 2.0000]]])
    """

    numeric_only = True

    def __call__(self, x, lengths):
        n_features = x.shape[-1]
        rate = _uniform(len(x), self.min_rate, self.max_rate).to(x.dtype)  # [B]
        pos = (torch.arange(n_features, dtype=x.dtype)[None, :] * rate[:, None]).clamp(
            max=n_features - 1
        )  # [B, F]
        low = pos.floor().long()
        high = (low + 1).clamp(max=n_features - 1)
        w = (pos - low)[:, None, :]  # [B, F] -> [B, 1, F]
        index = lambda i: i[:, None, :].expand(-1, x.shape[1], -1)  # noqa: E731 [B, F] -> [B, T, F]
        out = x.gather(2, index(low)) * (1 - w) + x.gather(2, index(high)) * w
        return out, lengths


class _Resample(Augmentation):
    """Steps of each sequence read back at warped positions (linear interpolation)."""

    def _source_positions(self, length: int) -> torch.Tensor:
        raise NotImplementedError

    def __call__(self, x, lengths):
        sources = [self._source_positions(int(n)) for n in lengths]
        new_lengths = torch.tensor([len(s) for s in sources], dtype=lengths.dtype)
        out = x.new_zeros(len(x), int(new_lengths.max()), *x.shape[2:])
        for i, (pos, n) in enumerate(zip(sources, lengths.tolist())):
            pos = pos.clamp(0, n - 1)
            if not x.is_floating_point():  # token ids: nearest step
                out[i, : len(pos)] = x[i, pos.round().long()]
                continue
            low = pos.floor().long()
            high = (low + 1).clamp(max=n - 1)
            w = (pos - low).to(x.dtype).view(-1, *([1] * (x.dim() - 2)))  # [T'] -> [T', 1..]
            out[i, : len(pos)] = x[i, low] * (1 - w) + x[i, high] * w
        return out, new_lengths


class SpeedChange(_RateRange, _Resample):
    """Play each sequence faster or slower: resample it to ``length / rate`` steps.

    Parameters
    ----------
    min_rate : float, default=0.9
        Slowest rate (a sequence becomes up to ``1 / min_rate`` times longer).
    max_rate : float, default=1.1
        Fastest rate. Each sequence draws its rate uniformly from ``[min_rate, max_rate]``.

    Examples
    --------
    >>> import torch
    >>> from sklrnn.augment import SpeedChange
    >>> x, lengths = SpeedChange(0.5, 0.5)(torch.arange(8.0).view(1, 4, 2), torch.tensor([4]))
    >>> lengths, x.shape
    (tensor([8]), torch.Size([1, 8, 2]))
    """

    def _source_positions(self, length: int) -> torch.Tensor:
        rate = float(_uniform(1, self.min_rate, self.max_rate))
        new_length = max(1, round(length / rate))
        return torch.arange(new_length, dtype=torch.float64) * (
            (length - 1) / max(new_length - 1, 1)
        )


class TimeWarp(_Resample):
    """SpecAugment's time warping: move a random inner step by up to ``max_shift`` steps.

    The step at a random point ``w`` of each sequence moves to ``w + d`` (``|d| <=
    max_shift``); the parts on either side are stretched or squeezed linearly to follow. The
    length does not change.

    Parameters
    ----------
    max_shift : int, default=5
        Largest displacement, in steps (at most a fifth of the sequence is used).

    Examples
    --------
    >>> import torch
    >>> from sklrnn.augment import TimeWarp
    >>> _ = torch.manual_seed(0)
    >>> x, lengths = TimeWarp(max_shift=2)(torch.arange(10.0).view(1, 10, 1), torch.tensor([10]))
    >>> lengths, x[0, [0, -1], 0]
    (tensor([10]), tensor([0., 9.]))
    """

    _parameter_constraints = {"max_shift": [Interval(Integral, 1, None)]}

    def __init__(self, max_shift=5):
        self.max_shift = max_shift

    def _source_positions(self, length: int) -> torch.Tensor:
        out = torch.arange(length, dtype=torch.float64)
        shift = min(self.max_shift, length // 5)
        if shift < 1:
            return out
        point = int(torch.randint(shift, length - shift, ()))
        target = point + int(torch.randint(-shift, shift + 1, ()))
        last = length - 1
        # output position t reads the source at: [0, target] -> [0, point], [target, last] ->
        # [point, last], each linearly
        left = out[: target + 1] * (point / max(target, 1))
        right = point + (out[target + 1 :] - target) * ((last - point) / max(last - target, 1))
        return torch.cat([left, right])


def check_augmentation(augmentation, token_input: bool) -> list[Augmentation]:
    """The estimator parameter ``augmentation`` as a checked list (empty for None)."""
    if augmentation is None:
        return []
    items = [augmentation] if isinstance(augmentation, Augmentation) else augmentation
    if not isinstance(items, (list, tuple)):
        raise TypeError(
            "augmentation must be None, an augmentation from sklrnn.augment or a list of them; "
            f"got {type(augmentation).__name__}."
        )
    for i, item in enumerate(items):
        if not isinstance(item, Augmentation):
            raise TypeError(
                f"augmentation[{i}] is a {type(item).__name__}; expected one of TimeMask, "
                "FeatureMask, FrequencyWarp, TimeWarp, SpeedChange, GaussianNoise from "
                "sklrnn.augment."
            )
        item.check(token_input)
    return list(items)


def mix_batch(features: dict, alpha: float) -> dict:
    """Mixup (Zhang, Cisse, Dauphin and Lopez-Paz, "mixup: Beyond empirical risk
    minimization", ICLR 2018): pair each sequence of a training batch with another of it.

    One weight ``w ~ Beta(alpha, alpha)`` per batch (``mix_weight``, repeated per sequence)
    and a shuffle (``mix_index``). The network blends sequence ``i`` with ``j = mix_index[i]``
    where it has scaled its input (:class:`~sklrnn.nn.recurrent.RecurrentNet`), ``w * s[i] +
    (1 - w) * s[j]``, so that series of very different scales blend their shapes, and the
    engine scores the blend against both targets, ``w * loss(y[i]) + (1 - w) * loss(y[j])``.
    A small ``alpha`` draws ``w`` mostly near 0 or 1: each blend is mostly one sequence with a
    trace of another.

    Examples
    --------
    >>> import torch
    >>> _ = torch.manual_seed(0)
    >>> batch = mix_batch({"x": torch.ones(4, 6, 2), "lengths": torch.tensor([6, 3, 6, 2])}, 0.2)
    >>> sorted(batch), batch["mix_index"].shape, batch["mix_weight"].shape
    (['lengths', 'mix_index', 'mix_weight', 'x'], torch.Size([4]), torch.Size([4]))
    """
    n = len(features["x"])
    weight = torch.distributions.Beta(alpha, alpha).sample()
    # one entry per sequence, as skorch counts a batch's entries
    return {**features, "mix_index": torch.randperm(n), "mix_weight": weight.expand(n)}


class Augmenter:
    """The transforms of ``augmentation`` applied in order to one training batch, then the
    pairs of mixup (:func:`mix_batch`) when ``mixup`` is above 0."""

    def __init__(self, transforms: list[Augmentation], mixup: float = 0.0) -> None:
        self.transforms = transforms
        self.mixup = mixup

    def __call__(self, features: dict) -> dict:
        x, lengths = features["x"], features["lengths"]
        for transform in self.transforms:
            x, lengths = transform(x, lengths)
        features = {**features, "x": x, "lengths": lengths}
        return mix_batch(features, self.mixup) if self.mixup > 0 else features
