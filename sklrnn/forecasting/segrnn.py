"""SegRNNForecaster: long-term forecasting of whole horizons from look-back windows."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from skorch.callbacks import LRScheduler

from .._engine.base import BaseSequenceEstimator
from .._engine.params import TRAINING, Param, estimator_parameters, reworded
from .._engine.sequences import Sequences, as_numeric, check_sequences
from ..nn.recurrent import CELLS
from ..nn.segrnn import DECODERS, NORMALIZATIONS, SegRNN
from ..utils._param_validation import Interval, Options

_LOSSES: dict[str, type[torch.nn.Module]] = {"mse": torch.nn.MSELoss, "mae": torch.nn.L1Loss}
_LR_SCHEDULES = (None, "paper")


def paper_lr_factor(epoch: int) -> float:
    """Learning-rate factor of epoch ``epoch`` (0-based) in the official SegRNN scripts.

    Their ``type3`` schedule sets, after epoch ``k`` (1-based), the rate
    ``lr if k < 3 else lr * 0.8 ** (k - 3)``: epochs 1-4 run at ``lr``, epoch 5 at ``0.8 lr``,
    epoch 6 at ``0.64 lr``, and so on.
    """
    return 0.8 ** max(0, epoch - 3)


#: the parameters of the SegRNN network, its loss and its schedule
SEGRNN: tuple[Param, ...] = (
    Param(
        "seg_len",
        [Interval(Integral, 1, None)],
        "Segment length ``W``; at most the look-back ``L``. When it does not divide ``L`` the "
        "look-back is padded at its start with its first value; when it does not divide ``H`` "
        "the decoded steps are cropped.",
        24,
    ),
    Param(
        "hidden_size",
        [Interval(Integral, 1, None)],
        "Size of the segment embedding and of the recurrent state.",
        512,
    ),
    Param("cell", [Options(CELLS)], "Recurrent cell of encoder and decoder.", "gru"),
    Param("num_layers", [Interval(Integral, 1, None)], "Stacked recurrent layers.", 1),
    Param(
        "decoder",
        [Options(DECODERS)],
        "Parallel multi-step decoding (all output segments at once, from position embeddings) "
        "or recurrent multi-step decoding (each output segment fed back as the next input).",
        "pmf",
    ),
    Param(
        "channel_embedding",
        ["boolean"],
        'With ``"pmf"``, also give the decoder a learned embedding of the channel.',
        True,
    ),
    Param(
        "normalization",
        [Options(NORMALIZATIONS)],
        "Subtract each channel's last look-back value (and add it back to the forecast), use "
        "reversible instance normalisation, or feed the values as they are.",
        "last",
    ),
    Param("dropout", [Interval(Real, 0, 1)], "Dropout before the output projection.", 0.1),
    Param(
        "loss",
        [Options(_LOSSES)],
        "Training loss: mean squared or mean absolute error.",
        "mse",
        warm_start=True,
    ),
    Param(
        "lr_schedule",
        [Options(_LR_SCHEDULES)],
        'None keeps the learning rate constant. ``"paper"`` is the official SegRNN schedule: '
        "the rate is kept for 4 epochs, then multiplied by 0.8 after every epoch (skorch's "
        "``LRScheduler`` with ``LambdaLR``).",
        None,
        warm_start=True,
    ),
)

#: the training parameters, described for windows in time order
WINDOW_TRAINING = reworded(
    TRAINING,
    batch_size="Mini-batch size, in windows.",
    max_epochs="Maximum number of passes over the training windows.",
    early_stopping=(
        "Hold out the last ``validation_fraction`` of the windows (in the order given), or "
        "validate on the ``X_val, y_val`` passed to ``fit``, and stop when the validation "
        "loss stalls; the best weights are restored."
    ),
    validation_fraction=(
        "Share of the windows held out for early stopping: the last "
        "``ceil(validation_fraction * n_samples)`` of them."
    ),
    random_state="Seeds weights, dropout and batch order.",
)


class _SegRNNOnWindows(torch.nn.Module):
    """:class:`~sklrnn.nn.segrnn.SegRNN` fed by the engine's ``(x, lengths)`` batches.

    All windows have the same length, so ``lengths`` carries no information and is ignored.
    """

    def __init__(self, **segrnn_params) -> None:
        super().__init__()
        self.segrnn = SegRNN(**segrnn_params)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        return self.segrnn(x)  # [B, L, C] -> [B, H, C]


@estimator_parameters(SEGRNN, WINDOW_TRAINING)
class SegRNNForecaster(RegressorMixin, BaseSequenceEstimator):
    """Segment recurrent network (SegRNN) forecaster of multi-step horizons.

    Each sample is a look-back window of ``L`` past steps of a (multivariate) series; the target
    is the next ``H`` steps of every channel. Every channel is forecast on its own with shared
    weights: the look-back is cut into segments of ``seg_len`` steps, a GRU (or LSTM / RNN) reads
    the segment embeddings, and the decoder emits the horizon segment by segment (see
    :class:`~sklrnn.nn.segrnn.SegRNN`). Training runs on skorch; with ``early_stopping`` the
    validation part is the *last* windows in time order, never a random subset.

    Build windows with :func:`~sklrnn.features.make_windows`, in time order.

    Parameters
    ----------
    {parameters}

    Attributes
    ----------
    n_features_in_ : int
        Number of channels ``C`` seen at fit.
    step_shape_ : tuple of int
        Shape of one time step seen at fit, ``(C,)``.
    lookback_ : int
        Look-back length ``L`` seen at fit; windows given to ``predict`` must have it.
    horizon_ : int
        Forecast horizon ``H`` (1 when ``y`` was 1-D).
    loss_curve_ : list of float
        Training loss of each epoch.
    validation_scores_ : list of float or None
        Negative mean squared error on the validation windows at each epoch (with early
        stopping); higher is better, as scikit-learn's ``"neg_mean_squared_error"``.
    best_validation_score_ : float or None
        Best validation score (with early stopping).
    best_loss_ : float
        Lowest training loss.
    n_iter_ : int
        Epochs run.
    net_ : skorch.NeuralNet
        The fitted skorch net.

    See Also
    --------
    sklrnn.nn.segrnn.SegRNN : The torch module, usable without scikit-learn.
    sklrnn.features.make_windows : Cut a series into look-back windows and horizons.
    RNNRegressor : A point-wise recurrent network for general sequence regression.

    Notes
    -----
    The model is SegRNN by Lin, Lin, Wu, Gu and Xie (2023), "SegRNN: Segment Recurrent Neural
    Network for Long-Term Time Series Forecasting", arXiv:2308.11200. Its published ETTh1
    configuration is ``seg_len=24, hidden_size=512, cell="gru", decoder="pmf",
    channel_embedding=True, dropout=0.1, batch_size=64, learning_rate=3e-4, max_epochs=30,
    early_stopping=True, n_iter_no_change=5, lr_schedule="paper"`` (``benchmarks/ltsf.py``).

    Layouts: X is ``(n_samples, L, C)``, or ``(n_samples, L)`` for one channel (the same as
    ``(n_samples, L, 1)``). y is ``(n_samples, H, C)`` with the channels of X, or
    ``(n_samples, H)`` when X has one channel, or ``(n_samples,)``: one step ahead of one
    channel (``H = 1``). ``predict`` returns the layout of the ``y`` seen at fit. ``score`` is
    the R² over the ``H * C`` flattened outputs, averaged uniformly.

    To early-stop on a separate validation block, as the long-term forecasting protocol does,
    pass its windows to ``fit``: ``model.fit(X_train, y_train, X_val=X_val, y_val=y_val)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklrnn import SegRNNForecaster
    >>> from sklrnn.features import make_windows
    >>> series = np.sin(np.arange(300) * 2 * np.pi / 24)
    >>> X, y = make_windows(series, lookback=48, horizon=12)
    >>> X.shape, y.shape
    ((241, 48), (241, 12))
    >>> model = SegRNNForecaster(seg_len=12, hidden_size=16, max_epochs=3, random_state=0)
    >>> model.fit(X, y).predict(X[-2:]).shape
    (2, 12)
    """

    _validation_kind = "last"

    def __init__(
        self,
        *,
        seg_len=24,
        hidden_size=512,
        cell="gru",
        num_layers=1,
        decoder="pmf",
        channel_embedding=True,
        normalization="last",
        dropout=0.1,
        loss="mse",
        lr_schedule=None,
        optimizer="adam",
        learning_rate=3e-4,
        weight_decay=0.0,
        batch_size=64,
        max_epochs=30,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        tol=1e-4,
        gradient_clip=None,
        device="auto",
        callbacks=None,
        checkpoint_dir=None,
        accelerator=None,
        warm_start=False,
        verbose=0,
        random_state=None,
    ):
        self.seg_len = seg_len
        self.hidden_size = hidden_size
        self.cell = cell
        self.num_layers = num_layers
        self.decoder = decoder
        self.channel_embedding = channel_embedding
        self.normalization = normalization
        self.dropout = dropout
        self.loss = loss
        self.lr_schedule = lr_schedule
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.gradient_clip = gradient_clip
        self.device = device
        self.callbacks = callbacks
        self.checkpoint_dir = checkpoint_dir
        self.accelerator = accelerator
        self.warm_start = warm_start
        self.verbose = verbose
        self.random_state = random_state

    # ------------------------------------------------------------- checks
    def _check_X(self, X) -> Sequences:
        seqs = check_sequences(X)
        if seqs.is_ragged:
            raise ValueError(
                "SegRNNForecaster needs look-back windows of one fixed length; X holds sequences "
                f"of {len(set(seqs.lengths.tolist()))} different lengths (from "
                f"{seqs.lengths.min()} to {seqs.lengths.max()} steps). Cut the series into "
                "windows with sklrnn.features.make_windows."
            )
        if seqs.data.ndim == 2:  # univariate windows: [n, L] -> [n, L, 1]
            seqs = Sequences(seqs.data[:, :, None], seqs.lengths)
        return seqs

    def _check_step_shape(self, seqs: Sequences, fitted=None) -> None:
        fitted = self if fitted is None else fitted
        super()._check_step_shape(seqs, fitted)
        if seqs.data.shape[1] != fitted.lookback_:
            raise ValueError(
                f"X has look-back windows of {seqs.data.shape[1]} steps, but "
                f"SegRNNForecaster was fitted on windows of lookback_={fitted.lookback_} steps."
            )

    def _encode_y(self, y, fitted, *, fit: bool) -> tuple[np.ndarray, dict]:
        y = as_numeric(y, "y")
        if y.ndim not in (1, 2, 3) or y.size == 0:
            raise ValueError(
                "y must be of shape (n_samples, horizon, n_channels), (n_samples, horizon) for "
                f"one channel or (n_samples,) for one step ahead; got shape {y.shape}."
            )
        if not np.all(np.isfinite(y)):
            raise ValueError("Input y contains NaN or infinity.")
        # [n] -> [n, 1, 1]; [n, H] -> [n, H, 1]; [n, H, C] as it is
        steps = y.reshape(len(y), 1, 1) if y.ndim == 1 else y.reshape(*y.shape[:2], -1)
        encoded = np.ascontiguousarray(steps, dtype=np.float32)
        if fit:
            return encoded, {"_y_ndim": y.ndim}
        expected = (fitted.horizon_, fitted.n_features_in_)
        if y.ndim != fitted._y_ndim or encoded.shape[1:] != expected:
            raise ValueError(
                f"y of shape {y.shape} does not match the targets of the first fit (horizon "
                f"{fitted.horizon_}, {fitted.n_features_in_} channel(s), {fitted._y_ndim}-D)."
            )
        return encoded, {}

    # ------------------------------------------------------------- hooks
    def _module_attributes(self, seqs: Sequences, y: np.ndarray, fitted) -> dict:
        lookback, n_channels = seqs.data.shape[1], seqs.data.shape[2]
        if y.shape[2] != n_channels:
            layout = "(n_samples, horizon)" if fitted._y_ndim == 2 else f"of shape {y.shape}"
            raise ValueError(
                f"y {layout} has {y.shape[2]} channel(s), but X has {n_channels}: SegRNN "
                f"forecasts every input channel; pass y of shape (n_samples, horizon, "
                f"{n_channels})."
            )
        return {"lookback_": lookback, "horizon_": y.shape[1]}

    def _make_module(self, fitted) -> torch.nn.Module:
        return _SegRNNOnWindows(
            lookback=fitted.lookback_,
            horizon=fitted.horizon_,
            n_channels=fitted.n_features_in_,
            seg_len=int(self.seg_len),
            hidden_size=int(self.hidden_size),
            cell=self.cell,
            num_layers=int(self.num_layers),
            decoder=self.decoder,
            channel_embedding=bool(self.channel_embedding),
            dropout=float(self.dropout),
            normalization=self.normalization,
        )

    def _criterion(self) -> torch.nn.Module:
        return _LOSSES[self.loss]()

    _validation_score_name = "negative MSE"

    @property
    def _loss_name(self) -> str:
        return self.loss.upper()

    def _score_raw(self, y_true: np.ndarray, raw: np.ndarray) -> float:
        return -float(np.mean((np.asarray(y_true, np.float64) - raw) ** 2))

    def _extra_callbacks(self, budget) -> list:
        if self.lr_schedule == "paper":
            policy = torch.optim.lr_scheduler.LambdaLR
            return [("lr_schedule", LRScheduler(policy=policy, lr_lambda=paper_lr_factor))]
        return []

    def _decode(self, raw: np.ndarray) -> np.ndarray:
        raw = raw.astype(np.float64)  # [n, H, C]
        if self._y_ndim == 1:
            return raw.reshape(len(raw))  # [n, 1, 1] -> [n]
        if self._y_ndim == 2:
            return raw[:, :, 0]  # [n, H, 1] -> [n, H]
        return raw

    def _module_metadata(self) -> dict:
        return super()._module_metadata() | {
            "lookback_": self.lookback_,
            "horizon_": self.horizon_,
            "y_ndim": self._y_ndim,
        }

    def _restore(self, fitted: dict) -> torch.nn.Module:
        self.lookback_, self.horizon_ = fitted["lookback_"], fitted["horizon_"]
        self._y_ndim = fitted["y_ndim"]
        return self._make_module(self)

    # ------------------------------------------------------------- public
    def score(self, X, y, sample_weight=None):
        """R² of the forecasts, over the flattened ``horizon * n_channels`` outputs.

        Parameters
        ----------
        X : array-like of shape (n_samples, lookback, n_channels) or (n_samples, lookback)
            Look-back windows.
        y : array-like of shape (n_samples, horizon, n_channels), (n_samples, horizon) or \
(n_samples,)
            True continuations, in the layout seen at fit.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            R² of ``self.predict(X)``, averaged uniformly over the outputs.
        """
        y_pred = self.predict(X)
        y = as_numeric(y, "y")
        n = len(y_pred)
        return float(
            r2_score(y.reshape(len(y), -1), y_pred.reshape(n, -1), sample_weight=sample_weight)
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
