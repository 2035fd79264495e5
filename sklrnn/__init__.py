"""Recurrent neural networks as scikit-learn estimators, for every kind of sequence."""

__version__ = "0.1.0"

__all__ = ["RNNClassifier", "RNNRegressor", "SegRNNForecaster", "__version__"]


def __getattr__(name):
    # Import the estimators lazily so that ``import sklrnn`` stays cheap.
    if name == "RNNClassifier":
        from .classifier import RNNClassifier

        return RNNClassifier
    if name == "RNNRegressor":
        from .regressor import RNNRegressor

        return RNNRegressor
    if name == "SegRNNForecaster":
        from .forecaster import SegRNNForecaster

        return SegRNNForecaster
    raise AttributeError(f"module 'sklrnn' has no attribute {name!r}")
