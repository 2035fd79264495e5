"""The descriptions of the estimators' parameters, each written once.

:func:`document_parameters` assembles a class's numpydoc ``Parameters`` section from them, in
the order of its constructor: the type comes from the class's ``_parameter_constraints``, the
default from the constructor's signature, the description from the first of the given dicts
that has the parameter. A parameter the dicts lack is an error at import, so a new parameter
cannot go undocumented; parameters shared by several estimators cannot drift apart.
"""

from __future__ import annotations

import inspect
import textwrap

from ..utils._param_validation import doc_type
from .budget import MAX_BATCH, MAX_EPOCHS, MIN_BATCH, MIN_EPOCHS, MIN_STEPS, MIN_VALIDATION

TRAINING = {
    "optimizer": "Optimiser.",
    "learning_rate": "Learning rate.",
    "weight_decay": 'L2 penalty (decoupled for ``"adamw"``).',
    "batch_size": (
        'Mini-batch size; ``"auto"`` is a tenth of the training samples, between '
        f"{MIN_BATCH} and {MAX_BATCH} (never more than the samples). The resolved value is in "
        "``budget_``."
    ),
    "max_epochs": (
        'Maximum number of passes over the training data; ``"auto"`` gives at least '
        f"{MIN_STEPS} optimizer steps, between {MIN_EPOCHS} and {MAX_EPOCHS} epochs."
    ),
    "early_stopping": (
        "Hold out ``validation_fraction`` of the data (stratified by class in a classifier), "
        "or validate on the ``X_val, y_val`` passed to ``fit``, and stop when the validation "
        "loss has not improved by ``tol`` for ``n_iter_no_change`` epochs; the best weights "
        'are restored. ``"auto"`` holds out data only when the validation part would have at '
        f"least {MIN_VALIDATION} samples."
    ),
    "validation_fraction": "Share of the training data held out for early stopping.",
    "n_iter_no_change": "Patience of early stopping, in epochs.",
    "tol": "Minimum improvement of the validation loss.",
    "gradient_clip": "Clip the gradient norm to this value; None does not clip.",
    "device": 'torch device; ``"auto"`` uses a GPU when one is visible.',
    "callbacks": (
        "Extra skorch callbacks, as callbacks or ``(name, callback)`` pairs (copied at fit, "
        "the parameter is never modified)."
    ),
    "checkpoint_dir": (
        "Folder where the fit saves a checkpoint after every epoch (weights, optimiser and "
        "learning-rate schedule state, history, random generator, early-stopping state). A fit "
        "that finds a checkpoint there resumes from it and trains only the epochs left: an "
        "interrupted fit started again with the same parameters and data ends with the weights "
        "an uninterrupted fit gets (on CPU, with an int ``random_state``). A checkpoint of other "
        "parameters or data raises a ValueError. None saves nothing."
    ),
    "accelerator": (
        "Train through Hugging Face accelerate (skorch's ``AccelerateMixin``) with this mixed "
        'precision (``"no"``: float32), on ``device``; started by ``accelerate launch`` or '
        "``torchrun`` in several processes, each process trains on its share of every "
        "mini-batch (data parallel) and all end with the same model. The fitted estimator "
        "predicts in float32 and pickles as usual. None trains without accelerate. Not "
        "combined with ``checkpoint_dir``."
    ),
    "warm_start": "Continue training the fitted network on the next call to ``fit``.",
    "verbose": "1 prints one line per epoch (losses, validation score, time); 0 prints nothing.",
    "random_state": "Seeds weights, dropout, batch order and the validation split.",
}

RECURRENT = {
    "cell": 'Recurrent layer: ``"rnn"`` is the Elman SimpleRNN (tanh).',
    "hidden_size": "Hidden units per direction.",
    "num_layers": "Stacked recurrent layers.",
    "bidirectional": "Also read each sequence backwards.",
    "dropout": "Dropout between recurrent layers and on the pooled vector.",
    "pooling": (
        "How the outputs over time become one vector: the true last step of each sequence "
        "(padded ones included), the mean or max over valid steps, or learned attention."
    ),
    "conv_channels": "Channels of a Conv1d front end over time (a CNN-RNN); None for none.",
    "conv_kernel_size": "Kernel size of the convolutions: one for all, or one per layer.",
    "conv_norm": (
        'None, or ``"batch"``: batch normalisation after each convolution (statistics over '
        "valid steps only), the fully convolutional network (FCN) of Wang et al. (2017)."
    ),
    "conv_mode": (
        '``"serial"``: the convolutions feed the recurrent layer (a CNN-RNN). ``"parallel"``: '
        "both read the input and the valid-step mean of the last convolution joins the pooled "
        "recurrent output (the LSTM-FCN layout of Karim et al., 2018)."
    ),
    "frame_channels": (
        "Conv2d channels of the per-frame encoder, used when X holds image sequences "
        "``(n, T, H, W)`` or ``(n, T, C, H, W)``."
    ),
    "frame_features": "Features per frame from the per-frame encoder.",
    "frame_pool_size": (
        "Side of the grid the per-frame encoder's last feature map is average-pooled to, "
        "before its linear layer. A grid keeps where things are in the frame (the layout of a "
        "shape, the position of a moving object, which motion needs), at the price of "
        "``frame_pool_size**2`` times the weights in that layer and of features that change "
        "when the content moves; 1 is global average pooling, features that barely depend on "
        "where the content is."
    ),
    "position_encoding": (
        "Append to every step a 16-value code of its position from the start of the sequence, "
        "so the network knows where in a fixed-length window each step is (a DNA window "
        'around a splice site, say): ``"learned"`` trains one vector per position up to the '
        'longest sequence seen at fit (later positions share the last), ``"sinusoidal"`` '
        "uses fixed sine and cosine codes."
    ),
    "augmentation": (
        "Transforms from :mod:`sklrnn.augment` (``TimeMask``, ``FeatureMask``, ``TimeWarp``, "
        "``SpeedChange``, ``GaussianNoise``, ...) applied in order to every training "
        "mini-batch, and never to validation batches or at predict. Draws are seeded by "
        "``random_state``."
    ),
    "embedding_dim": (
        "When set, X holds integer token ids ``(n, T)`` (or a list of 1-D arrays), embedded in "
        "this many dimensions; the vocabulary size is learned from the data and ids unseen at "
        "fit are read as id 0."
    ),
    "lr_schedule": (
        '``"cosine"`` anneals the learning rate per epoch down to 1 % of ``learning_rate`` at '
        '``max_epochs``; ``"plateau"`` halves it when the validation loss (the training loss '
        "without early stopping) stalls for ``n_iter_no_change // 2`` epochs; None keeps it."
    ),
}

SEGRNN = {
    "seg_len": (
        "Segment length ``W``; at most the look-back ``L``. When it does not divide ``L`` the "
        "look-back is padded at its start with its first value; when it does not divide ``H`` "
        "the decoded steps are cropped."
    ),
    "hidden_size": "Size of the segment embedding and of the recurrent state.",
    "cell": "Recurrent cell of encoder and decoder.",
    "num_layers": "Stacked recurrent layers.",
    "decoder": (
        "Parallel multi-step decoding (all output segments at once, from position embeddings) "
        "or recurrent multi-step decoding (each output segment fed back as the next input)."
    ),
    "channel_embedding": (
        'With ``"pmf"``, also give the decoder a learned embedding of the channel.'
    ),
    "normalization": (
        "Subtract each channel's last look-back value (and add it back to the forecast), use "
        "reversible instance normalisation, or feed the values as they are."
    ),
    "dropout": "Dropout before the output projection.",
    "loss": "Training loss: mean squared or mean absolute error.",
    "lr_schedule": (
        'None keeps the learning rate constant. ``"paper"`` is the official SegRNN schedule: '
        "the rate is kept for 4 epochs, then multiplied by 0.8 after every epoch (skorch's "
        "``LRScheduler`` with ``LambdaLR``)."
    ),
    # training parameters that mean something else on windows in time order
    "batch_size": "Mini-batch size, in windows.",
    "max_epochs": "Maximum number of passes over the training windows.",
    "early_stopping": (
        "Hold out the last ``validation_fraction`` of the windows (in the order given), or "
        "validate on the ``X_val, y_val`` passed to ``fit``, and stop when the validation "
        "loss stalls; the best weights are restored."
    ),
    "validation_fraction": (
        "Share of the windows held out for early stopping: the last "
        "``ceil(validation_fraction * n_samples)`` of them."
    ),
    "random_state": "Seeds weights, dropout and batch order.",
}

CLASSIFIER = {
    "class_weight": "Weights of the classes in the loss, multiplied with ``sample_weight``.",
}


def _default(value) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


def document_parameters(*descriptions: dict[str, str]):
    """Class decorator: fill the ``{parameters}`` line of the docstring from ``descriptions``.

    Parameters
    ----------
    *descriptions : dict of str to str
        Descriptions by parameter name; the first dict that has a parameter gives its text.

    Returns
    -------
    decorator : callable
        Returns the class with its docstring completed.

    Examples
    --------
    >>> from numbers import Integral
    >>> from sklrnn.utils._param_validation import Interval
    >>> @document_parameters({"width": "Steps per window."})
    ... class Windows:
    ...     '''Windows.
    ...
    ...     Parameters
    ...     ----------
    ...     {parameters}
    ...     '''
    ...     _parameter_constraints = {"width": [Interval(Integral, 1, None)]}
    ...     def __init__(self, width=3):
    ...         self.width = width
    >>> print(Windows.__doc__.split("----------")[1].strip())
    width : int, default=3
            Steps per window.
    """

    def decorate(cls):
        marker = next(line for line in cls.__doc__.splitlines() if line.strip() == "{parameters}")
        indent = marker[: len(marker) - len(marker.lstrip())]
        entries = []
        for name, param in inspect.signature(cls.__init__).parameters.items():
            if name == "self":
                continue
            text = next((d[name] for d in descriptions if name in d), None)
            if text is None:
                raise TypeError(f"{cls.__name__}: parameter {name!r} has no description.")
            kind = doc_type(cls._parameter_constraints[name])
            entries.append(f"{indent}{name} : {kind}, default={_default(param.default)}")
            entries.append(
                textwrap.fill(
                    text, 96, initial_indent=indent + "    ", subsequent_indent=indent + "    "
                )
            )
        cls.__doc__ = cls.__doc__.replace(marker, "\n".join(entries))
        return cls

    return decorate
