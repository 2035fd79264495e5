"""Image-sequence features: a per-frame CNN turns videos into sequences of feature vectors."""

from __future__ import annotations

import copy
from itertools import chain
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d

from .._engine.net import SequenceDataset
from .._engine.sequences import (
    Sequences,
    check_sequences,
    is_ragged,
    is_sequence_list,
    pad_sequences,
)
from .._engine.training import fit_module
from ..nn.frames import FrameClassifier, FrameEncoder
from ..utils._param_validation import (
    Device,
    Interval,
    IntTuple,
    ParamsValidationMixin,
    RandomState,
)
from ..utils._torch import resolve_device, torch_seeded

LAYOUTS = (
    "image sequences: an array of shape (n_samples, n_timesteps, H, W) or "
    "(n_samples, n_timesteps, C, H, W), or a list of (T_i, H, W) or (T_i, C, H, W) arrays"
)


def _check_frames(X, owner: str) -> Sequences:
    """Validate image sequences into padded ``(n, T, C, H, W)`` float32 data and lengths."""
    if is_ragged(X):
        # Sequences of different lengths: check_sequences reads each one as a batch of one.
        parts = [check_sequences([x], name=f"X[{i}]", allow_frames=True) for i, x in enumerate(X)]
        for i, part in enumerate(parts):
            _check_is_frames(part, owner, f"X[{i}]")
        shapes = {part.step_shape for part in parts}
        if len(shapes) > 1:
            raise ValueError(
                f"The sequences in X have frames of different shapes {sorted(shapes)}; "
                f"{owner} needs one frame shape (C, H, W)."
            )
        return Sequences(*pad_sequences([part.data[0] for part in parts], np.float32))
    seqs = check_sequences(X, allow_frames=True)
    _check_is_frames(seqs, owner, "X")
    return seqs


def _check_is_frames(seqs: Sequences, owner: str, name: str) -> None:
    if len(seqs.step_shape) != 3:
        shape = (len(seqs), seqs.data.shape[1], *seqs.step_shape)
        raise ValueError(
            f"{owner} expects {LAYOUTS}; got {name} with {len(shape)} dimensions, of shape "
            f"{shape}. Sequences of feature vectors go straight to an sklrnn estimator."
        )


class ImageSequenceCNN(ParamsValidationMixin, TransformerMixin, BaseEstimator):
    """Per-frame CNN features of image sequences.

    Every frame of every sequence goes through a small convolutional network (a
    :class:`~sklrnn.nn.frames.FrameEncoder`: Conv2d-BatchNorm-ReLU-MaxPool blocks, average
    pooling to a ``pool_size x pool_size`` grid, a linear layer), turning videos
    ``(n, T, [C,] H, W)`` into sequences of feature vectors ``(n, T, n_features)`` for a
    recurrent model. How the CNN is obtained:

    - ``fit(X, y)``: trained as a per-frame classifier of the sequence label. Every frame is
      labelled with its sequence's class and classified by a linear head on its features, with
      the cross-entropy loss; the head is dropped after training.
    - ``fit(X)`` (no labels): a randomly initialised CNN (seeded by ``random_state``) whose
      batch-norm statistics are set from the training frames in one pass without gradient, so
      every feature is centred and scaled on the data. A cheap label-free baseline: random
      convolutional features keep coarse shape and position, learned ones are much better.
    - ``backbone``: a user-supplied module, used as a frozen feature extractor; ``y`` and the
      training parameters are then ignored.

    Parameters
    ----------
    channels : tuple of int, default=(16, 32)
        Output channels of the convolution blocks; each block halves the frame size.
    n_features : int, default=64
        Features per frame.
    pool_size : int, default=3
        The last feature map is averaged over a ``pool_size x pool_size`` grid before the
        linear layer, so the features keep where the content is in the frame, which motion
        needs. 1 is global average pooling, as in ``RNNClassifier``'s own frame encoder: the
        features then barely change when the content moves.
    backbone : torch.nn.Module, default=None
        A module mapping frames ``[N, C, H, W]`` to features ``[N, F]``, used frozen (in eval
        mode, without gradient) instead of the CNN; it is copied at fit, never modified.
    max_epochs : int, default=10
        Passes over the training sequences when training with ``y``.
    batch_size : int, default=32
        Sequences per mini-batch, in training and in ``transform`` (a batch holds
        ``batch_size * n_timesteps`` frames).
    learning_rate : float, default=1e-3
        Learning rate of the Adam optimiser.
    device : str, default="auto"
        Torch device; ``"auto"`` uses a GPU when one is visible.
    verbose : int, default=0
        1 prints one line per training epoch; 0 prints nothing.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights and the batch order.

    Attributes
    ----------
    encoder_ : torch.nn.Module
        The fitted frame encoder (the backbone's copy with ``backbone``), in eval mode.
    classes_ : ndarray of shape (n_classes,)
        Class labels the CNN was trained on; only when trained with ``y``.
    n_features_in_ : int
        Values per frame, ``C * H * W``.
    step_shape_ : tuple of int
        Shape ``(C, H, W)`` of one frame seen at fit.
    n_features_out_ : int
        Features per frame in the output.
    loss_curve_ : list of float
        Training loss (mean per-frame cross-entropy) of each epoch; empty when the CNN was
        not trained.
    n_iter_ : int
        Epochs run (0 when the CNN was not trained).

    See Also
    --------
    sklrnn.RNNClassifier : Reads the feature sequences; it also takes image sequences
        directly and trains its own per-frame CNN end to end with the recurrent layer.
    sklrnn.features.SequenceScaler : Standardise the features over all frames.

    Notes
    -----
    Training goes through sklrnn's engine (the net builder, budget, seeding and guards that
    train ``RNNClassifier``): a batch holds whole sequences, only their valid frames are
    encoded, and the loss of a sequence is the mean cross-entropy of its frames. A sequence
    of different length is padded inside and never truncated: a list in gives a list of
    ``(T_i, n_features)`` arrays out. 4-D input ``(n, T, H, W)`` is read as one channel.

    Examples
    --------
    >>> import numpy as np
    >>> from sklrnn.features import ImageSequenceCNN
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(size=(20, 4, 8, 8)).astype("float32")
    >>> y = np.arange(20) % 2
    >>> cnn = ImageSequenceCNN(channels=(4,), n_features=6, max_epochs=2, random_state=0)
    >>> cnn.fit_transform(X, y).shape
    (20, 4, 6)
    >>> cnn.get_feature_names_out()[:3].tolist()
    ['cnn0', 'cnn1', 'cnn2']
    """

    def __init__(
        self,
        *,
        channels=(16, 32),
        n_features=64,
        pool_size=3,
        backbone=None,
        max_epochs=10,
        batch_size=32,
        learning_rate=1e-3,
        device="auto",
        verbose=0,
        random_state=None,
    ):
        self.channels = channels
        self.n_features = n_features
        self.pool_size = pool_size
        self.backbone = backbone
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.device = device
        self.verbose = verbose
        self.random_state = random_state

    _parameter_constraints = {
        "channels": [IntTuple()],
        "n_features": [Interval(Integral, 1, None)],
        "pool_size": [Interval(Integral, 1, None)],
        "backbone": [None, torch.nn.Module],
        "max_epochs": [Interval(Integral, 1, None)],
        "batch_size": [Interval(Integral, 1, None)],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "device": [Device()],
        "verbose": ["boolean", Interval(Integral, 0, None)],
        "random_state": [RandomState()],
    }

    def fit(self, X, y=None):
        """Fit the frame encoder on the frames of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, [C,] H, W) or list of array-like
            Image sequences; a list may hold sequences of different lengths.
        y : array-like of shape (n_samples,), default=None
            Class of each sequence. With ``y`` the CNN is trained to recognise it from every
            single frame; without, it keeps random weights (see the class description).
            Ignored with ``backbone``.

        Returns
        -------
        self : ImageSequenceCNN
            The fitted transformer.
        """
        self._check_params()
        seqs = _check_frames(X, type(self).__name__)
        fitted = {"n_features_out_": self.n_features, "loss_curve_": [], "n_iter_": 0}
        device = resolve_device(self.device)
        if self.backbone is not None:
            encoder = copy.deepcopy(self.backbone).to(device).eval()
            fitted["n_features_out_"] = self._backbone_width(encoder, seqs, device)
        elif y is None:
            with torch_seeded(self.random_state):
                encoder = self._frame_encoder(seqs.step_shape)
            _calibrate_batch_norm(encoder.to(device), seqs, self.batch_size, device)
        else:
            classes, y_enc = _encode_labels(y, len(seqs))
            with torch_seeded(self.random_state) as seed:
                head = FrameClassifier(
                    self._frame_encoder(seqs.step_shape), int(self.n_features), len(classes)
                )
            # the loss of the mean per-frame log-probabilities: the mean cross-entropy
            net = fit_module(
                head,
                torch.nn.NLLLoss(),
                SequenceDataset(seqs.data, seqs.lengths, y_enc),
                seed=seed,
                max_epochs=self.max_epochs,
                batch_size=self.batch_size,
                learning_rate=self.learning_rate,
                device=self.device,
                verbose=self.verbose,
                owner=type(self).__name__,
            )
            encoder = net.module_.encoder
            loss_curve = [float(v) for v in net.history[:, "train_loss"]]
            fitted |= {"classes_": classes, "loss_curve_": loss_curve, "n_iter_": len(loss_curve)}
        # set at once, once the encoder is ready: a failed fit leaves the transformer as it was
        self.__dict__.pop("classes_", None)  # from an earlier fit with y
        fitted |= {"step_shape_": tuple(seqs.step_shape), "n_features_in_": seqs.n_features}
        for name, value in (fitted | {"encoder_": encoder.eval()}).items():
            setattr(self, name, value)
        return self

    def _frame_encoder(self, frame_shape: tuple[int, ...]) -> FrameEncoder:
        channels = tuple(map(int, self.channels))
        width, pool = int(self.n_features), int(self.pool_size)
        return FrameEncoder(frame_shape[0], channels, width, pool_size=pool)

    def _backbone_width(self, backbone: torch.nn.Module, seqs: Sequences, device: str) -> int:
        frames = torch.as_tensor(seqs.data[0, :2]).to(device)  # [2, C, H, W]
        with torch.no_grad():
            out = backbone(frames)
        if not isinstance(out, torch.Tensor) or out.ndim != 2 or len(out) != len(frames):
            shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            raise ValueError(
                f"backbone must map frames [N, C, H, W] to features [N, F]; frames of shape "
                f"{tuple(frames.shape)} gave {shape}. End it with torch.nn.Flatten() if it "
                "returns [N, F, 1, 1]."
            )
        return int(out.shape[1])

    def transform(self, X):
        """Encode every frame of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, [C,] H, W) or list of array-like
            Image sequences, with the frame shape seen at fit.

        Returns
        -------
        X_features : ndarray of shape (n_samples, n_timesteps, n_features_out) or list
            float32 features of every frame; a list of ``(T_i, n_features_out_)`` arrays when
            ``X`` is a list of sequences.
        """
        check_is_fitted(self, "encoder_")
        seqs = _check_frames(X, type(self).__name__)
        if tuple(seqs.step_shape) != self.step_shape_:
            raise ValueError(
                f"X has frames of shape {tuple(seqs.step_shape)} (C, H, W), but "
                f"{type(self).__name__} was fitted on frames of shape {self.step_shape_}."
            )
        device = resolve_device(self.device)
        features = _encode(self.encoder_.to(device), seqs, self.batch_size, device)
        if is_sequence_list(X):
            return [f[:n] for f, n in zip(features, seqs.lengths)]
        return features

    def get_feature_names_out(self, input_features=None):
        """Names of the output features: ``cnn0``, ``cnn1``, ...

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Ignored (the features of a frame are not named after its pixels).

        Returns
        -------
        feature_names_out : ndarray of str objects
            ``n_features_out_`` names.
        """
        check_is_fitted(self, "encoder_")
        return np.asarray([f"cnn{i}" for i in range(self.n_features_out_)], dtype=object)

    def __getstate__(self):
        state = super().__getstate__()
        encoder = state.get("encoder_")
        if encoder is not None and any(
            t.device.type != "cpu" for t in chain(encoder.parameters(), encoder.buffers())
        ):  # a copy on the CPU, so the pickle loads on a machine without a GPU
            state = dict(state, encoder_=copy.deepcopy(encoder).cpu())
        return state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags


def _encode_labels(y, n_samples: int) -> tuple[np.ndarray, np.ndarray]:
    """The classes of ``y`` and the class index of each sequence."""
    y = column_or_1d(y, warn=True)
    check_classification_targets(y)
    if len(y) != n_samples:
        raise ValueError(f"X and y have different numbers of samples: {n_samples} and {len(y)}.")
    classes, y_enc = np.unique(y, return_inverse=True)
    if len(classes) < 2:
        raise ValueError(
            "Training the CNN needs sequences of at least 2 classes in y, but y contains only "
            f"one class: {classes[0]!r}. Fit without y for untrained features."
        )
    return classes, y_enc.astype(np.int64)


def _batches(seqs: Sequences, batch_size: int, device: str):
    """Valid frames ``[n_valid, C, H, W]`` of consecutive sequences, with their mask."""
    for start in range(0, len(seqs), batch_size):
        part = seqs.take(slice(start, start + batch_size))
        x = torch.as_tensor(part.data).to(device)  # [B, T, C, H, W]
        mask = part.mask()  # [B, T]
        yield start, mask, x[torch.as_tensor(mask).to(device)]  # -> [n_valid, C, H, W]


def _encode(encoder: torch.nn.Module, seqs: Sequences, batch_size: int, device: str):
    """Features ``(n, T, F)`` of every valid frame (zeros on padding), without gradient."""
    out = None
    with torch.no_grad():
        for start, mask, frames in _batches(seqs, batch_size, device):
            features = encoder(frames).cpu().numpy()  # [n_valid, F]
            if out is None:
                out = np.zeros((*seqs.data.shape[:2], features.shape[1]), dtype=np.float32)
            out[start : start + len(mask)][mask] = features
    return out


def _calibrate_batch_norm(
    encoder: torch.nn.Module, seqs: Sequences, batch_size: int, device: str
) -> None:
    """Set the running statistics of every batch-norm layer to their mean over the frames."""
    norms = [m for m in encoder.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    momenta = [norm.momentum for norm in norms]
    for norm in norms:
        norm.reset_running_stats()
        norm.momentum = None  # cumulative average over the batches
    encoder.train()
    with torch.no_grad():
        for _, _, frames in _batches(seqs, batch_size, device):
            encoder(frames)
    for norm, momentum in zip(norms, momenta):
        norm.momentum = momentum
    encoder.eval()
