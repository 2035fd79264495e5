"""Inspection of fitted sequence models: which channels and which time steps matter, and how
training went."""

from ._permutation import permutation_importance
from ._plot import plot_permutation_importance, plot_training_history

__all__ = ["permutation_importance", "plot_permutation_importance", "plot_training_history"]
