"""scikit-learn transformers that turn raw sequences into model input, one modality a file."""

from .windows import LagWindows, make_windows

__all__ = ["LagWindows", "make_windows"]
