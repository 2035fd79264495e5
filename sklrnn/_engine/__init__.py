"""The training engine every sklrnn estimator goes through.

- :mod:`.base`: the one estimator base (validate, build, train, commit);
- :mod:`.params`: the one table of training parameters (constraints, docs, warm start,
  checkpoint fingerprint);
- :mod:`.sequences`: input checks, 2-D/3-D/ragged to padded float32 tensors and lengths;
- :mod:`.net`: the skorch side (batches, weighted losses, splits, augmentation), with every
  use of skorch's internals in :mod:`.skorch_compat`;
- :mod:`.training`: the training step of every fit, and :func:`~.training.fit_module` to train
  any torch module through it;
- :mod:`.budget`, :mod:`.checkpoint`, :mod:`.persist`, :mod:`.guards`, :mod:`.accelerate`,
  :mod:`.progress`.

Nothing outside this package re-implements a part of it.
"""

import importlib


def __getattr__(name):
    # sklrnn 0.1.0 had the skorch side in a module ``sklrnn._engine``; its pickles name classes
    # such as ``sklrnn._engine.SequenceNet``
    if not name.startswith("__"):
        net = importlib.import_module(".net", __name__)
        if hasattr(net, name):
            return getattr(net, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
