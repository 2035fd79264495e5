"""scikit-learn transformers that turn raw sequences into model input, one modality a file."""

from .audio import MFCC
from .channels import ChannelsFirstConverter, from_channels_first, to_channels_first
from .dna import KmerEncoder
from .images import ImageSequenceCNN
from .normalize import SequenceNormalizer
from .perturb import WaveformPerturber
from .sequences import SequencePadder, SequenceScaler
from .windows import LagWindows, make_windows

__all__ = [
    "ChannelsFirstConverter",
    "ImageSequenceCNN",
    "KmerEncoder",
    "LagWindows",
    "MFCC",
    "SequenceNormalizer",
    "SequencePadder",
    "SequenceScaler",
    "WaveformPerturber",
    "from_channels_first",
    "make_windows",
    "to_channels_first",
]
