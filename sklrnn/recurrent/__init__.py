"""Recurrent sequence classifiers and regressors: RNN, LSTM and GRU, with convolutional fronts,
embeddings for token ids and a per-frame CNN for image sequences."""

from .classifier import RNNClassifier
from .regressor import RNNRegressor

__all__ = ["RNNClassifier", "RNNRegressor"]
