"""Recurrent neural networks as scikit-learn estimators, for every kind of sequence."""

from .classifier import RNNClassifier
from .forecaster import SegRNNForecaster
from .regressor import RNNRegressor

__version__ = "0.1.0"

__all__ = ["RNNClassifier", "RNNRegressor", "SegRNNForecaster", "__version__"]
