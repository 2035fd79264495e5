"""Forecasting: SegRNN on look-back windows, whole series with intervals and covariates,
rolling-origin backtests, and an sktime adapter."""

import importlib

from .backtest import backtest, plot_backtest
from .segrnn import SegRNNForecaster
from .series import SeriesForecaster

__all__ = [
    "SegRNNForecaster",
    "SegRNNSktimeForecaster",
    "SeriesForecaster",
    "backtest",
    "plot_backtest",
]


def __getattr__(name):
    # the sktime adapter loads on first use: sktime is an optional extra
    if name == "SegRNNSktimeForecaster":
        return importlib.import_module(".sktime", __name__).SegRNNSktimeForecaster
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
