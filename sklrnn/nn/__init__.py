"""Plain torch modules, usable without scikit-learn."""

from .frames import FrameEncoder
from .recurrent import RecurrentNet
from .segrnn import SegRNN

__all__ = ["FrameEncoder", "RecurrentNet", "SegRNN"]
