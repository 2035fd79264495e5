"""The parameters of the recurrent network and its schedule, shared by RNNClassifier and
RNNRegressor: their constraints, documentation and defaults (see ``_engine.params``)."""

from __future__ import annotations

from numbers import Integral, Real

from .._engine.budget import MAX_RECURRENT_STEPS
from .._engine.params import Param
from ..augment import Augmentation
from ..nn.conv import CONV_NORMS, DILATION_GROWTH
from ..nn.recurrent import CELLS, CONV_MODES, POOLINGS, POSITION_ENCODINGS
from ..nn.scaling import STANDARDIZE
from ..utils._param_validation import Interval, IntTuple, Options

LR_SCHEDULES = (None, "cosine", "plateau")
POSITION_DIM = 16  # size of the position code of ``position_encoding``


#: the parameters of the recurrent network and its schedule, shared by both estimators
RECURRENT: tuple[Param, ...] = (
    Param(
        "cell",
        [Options(CELLS)],
        'Recurrent layer: ``"rnn"`` is the Elman SimpleRNN (tanh).',
        "lstm",
    ),
    Param("hidden_size", [Interval(Integral, 1, None)], "Hidden units per direction.", 64),
    Param("num_layers", [Interval(Integral, 1, None)], "Stacked recurrent layers.", 1),
    Param("bidirectional", ["boolean"], "Also read each sequence backwards.", False),
    Param(
        "dropout",
        [Interval(Real, 0, 1)],
        "Dropout between recurrent layers and on the pooled vector.",
        0.0,
    ),
    Param(
        "pooling",
        [Options(POOLINGS)],
        "How the outputs over time become one vector: the true last step of each sequence "
        "(padded ones included), the mean or max over valid steps, or learned attention.",
        "last",
    ),
    Param(
        "conv_channels",
        [None, IntTuple()],
        "Channels of a Conv1d front end over time (a CNN-RNN); None for none.",
    ),
    Param(
        "conv_kernel_size",
        [Interval(Integral, 1, None), IntTuple()],
        "Kernel size of the convolutions: one for all, or one per layer.",
    ),
    Param(
        "conv_dilation",
        [Options(("exponential",)), Interval(Integral, 1, None), IntTuple()],
        "Dilation of the convolutions: one for all, one per layer, or "
        f'``"exponential"``: convolution ``i`` (from 0) dilated by ``{DILATION_GROWTH} ** i``, '
        "so that each layer sees a span several times wider than the one before (the dilated "
        "convolutions of Yu and Koltun, 2016, and of temporal convolutional networks, Bai et "
        "al., 2018; MiniRocket's kernels, Dempster et al., 2021, span up to the whole series "
        "the same way). Three convolutions of kernel 5 then see 81 steps at the resolution the "
        "recurrent layer reads, instead of 13. On sequences too short for that, each "
        '"exponential" dilation is at most what keeps the kernel within the longest sequence '
        "seen at fit (10 steps: 1, 4 and 4).",
    ),
    Param(
        "conv_norm",
        [Options(CONV_NORMS)],
        'None, or ``"batch"``: batch normalisation after each convolution (statistics over '
        "valid steps only), the fully convolutional network (FCN) of Wang et al. (2017).",
    ),
    Param(
        "conv_mode",
        [Options(CONV_MODES)],
        '``"serial"``: the convolutions feed the recurrent layer (a CNN-RNN). ``"parallel"``: '
        "both read the input and the valid-step mean of the last convolution joins the pooled "
        "recurrent output (the LSTM-FCN layout of Karim et al., 2018).",
    ),
    Param(
        "standardize",
        [None, Options(STANDARDIZE[1:])],
        "How the network scales numeric input, inside it (so that an exported model does the "
        'same): ``"global"`` standardises every feature by the mean and standard deviation of '
        'the training data (as ``SequenceScaler`` would); ``"series"`` standardises each '
        "sequence by its own mean and standard deviation of every feature, and gives the "
        "output layer ``sign(mean) log(1 + |mean|)`` and ``log(std)`` of every feature beside "
        "the pooled features (the instance normalisation of Ulyanov et al., 2016, with the "
        "statistics kept, as RevIN, Kim et al., 2022, keeps them for forecasting), so that "
        "series whose scales differ by orders of magnitude all show their shape and the scale "
        'still counts; ``"both"`` gives the network each feature both ways (twice the '
        "features per step) and the statistics; None reads the numbers as they are. Token ids "
        "and image frames are read as they are; ``standardize_`` is what a fit used.",
    ),
    Param(
        "branch_dropout",
        [Interval(Real, 0, 1, closed="left")],
        'With ``conv_mode="parallel"``: dropout on the pooled recurrent output before it joins '
        "the convolutional branch, as LSTM-FCN (Karim et al., 2018) drops 80 % of it. Without "
        "it a small training set is memorised through the recurrent features, which generalise "
        "worse than the convolutional ones (PigCVP, 2 training series per class: 0.42 test "
        "accuracy without, 0.62 with, in run C of ``benchmarks/results/ucr.md``).",
        0.8,
    ),
    Param(
        "frame_channels",
        [IntTuple()],
        "Conv2d channels of the per-frame encoder, used when X holds image sequences "
        "``(n, T, H, W)`` or ``(n, T, C, H, W)``.",
        (16, 32),
    ),
    Param(
        "frame_features",
        [Interval(Integral, 1, None)],
        "Features per frame from the per-frame encoder.",
        64,
    ),
    Param(
        "frame_pool_size",
        [Interval(Integral, 1, None)],
        "Side of the grid the per-frame encoder's last feature map is average-pooled to, "
        "before its linear layer. A grid keeps where things are in the frame (the layout of a "
        "shape, the position of a moving object, which motion needs), at the price of "
        "``frame_pool_size**2`` times the weights in that layer and of features that change "
        "when the content moves; 1 is global average pooling, features that barely depend on "
        "where the content is.",
        3,
    ),
    Param(
        "embedding_dim",
        [None, Interval(Integral, 1, None)],
        "When set, X holds integer token ids ``(n, T)`` (or a list of 1-D arrays), embedded in "
        "this many dimensions; the vocabulary size is learned from the data and ids unseen at "
        "fit are read as id 0.",
        None,
    ),
    Param(
        "position_encoding",
        [Options(("auto", *POSITION_ENCODINGS))],
        f"Append to every step a {POSITION_DIM}-value code of its position from the start of "
        "the sequence, so the network knows where in a fixed-length window each step is (a DNA "
        'window around a splice site, say): ``"learned"`` trains one vector per position up to '
        'the longest sequence seen at fit (later positions share the last), ``"sinusoidal"`` '
        'uses fixed sine and cosine codes. ``"auto"`` is ``"learned"`` for token ids (with '
        "``embedding_dim``: windows of letters, where the place of a motif matters) and None "
        "for numeric sequences, whose convolutional branch and pooling see every step alike.",
        "auto",
    ),
    Param(
        "segment_length",
        [Options(("auto",)), Interval(Integral, 1, None)],
        "Read long sequences in segments: the recurrent layer reads one step per segment of "
        "this many steps (the segment's steps flattened, through a linear layer and a ReLU; "
        "the segments of SegRNN, Lin et al. 2023) and the convolutions max-pool the output of "
        "their first layer by the same factor, so the network walks "
        '``ceil(n_timesteps / segment_length)`` steps. ``"auto"`` keeps the recurrent '
        f"layer at most {MAX_RECURRENT_STEPS} steps long (1 for sequences up to "
        f"{MAX_RECURRENT_STEPS} steps); the resolved value is ``segment_length_``.",
        "auto",
    ),
    Param(
        "augmentation",
        [None, Augmentation, list, tuple],
        "Transforms from :mod:`sklrnn.augment` (``TimeMask``, ``FeatureMask``, ``TimeWarp``, "
        "``SpeedChange``, ``GaussianNoise``, ...) applied in order to every training "
        "mini-batch, and never to validation batches or at predict. Draws are seeded by "
        "``random_state``.",
        None,
    ),
    Param(
        "lr_schedule",
        [Options(LR_SCHEDULES)],
        '``"cosine"`` anneals the learning rate per epoch down to 1 % of ``learning_rate`` at '
        '``max_epochs``; ``"plateau"`` halves it when the validation loss (the training loss '
        "without early stopping) stalls for ``n_iter_no_change // 2`` epochs; None keeps it.",
        "cosine",
        warm_start=True,
    ),
)
