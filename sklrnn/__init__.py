"""Recurrent neural networks as scikit-learn estimators, for every kind of sequence."""

import importlib

from ._moved import install as _install_moved_modules

__version__ = "0.1.0"

__all__ = [
    "RNNClassifier",
    "RNNRegressor",
    "SegRNNForecaster",
    "SeriesForecaster",
    "__version__",
]

# The estimators load on first use (PEP 562), so that the plain torch modules in sklrnn.nn can be
# imported without scikit-learn.
_ESTIMATORS = {
    "RNNClassifier": ".recurrent",
    "RNNRegressor": ".recurrent",
    "SegRNNForecaster": ".forecasting",
    "SeriesForecaster": ".forecasting",
}

_install_moved_modules()


def __getattr__(name):
    if name in _ESTIMATORS:
        return getattr(importlib.import_module(_ESTIMATORS[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
