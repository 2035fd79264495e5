"""Inspection of fitted sequence models: which channels and which time steps matter."""

from ._permutation import permutation_importance
from ._plot import plot_permutation_importance

__all__ = ["permutation_importance", "plot_permutation_importance"]
