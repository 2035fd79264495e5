"""Warnings sklrnn raises, to filter or to catch by class."""

__all__ = ["LayoutWarning"]


class LayoutWarning(UserWarning):
    """X's shape suggests another layout than the one it is read in.

    Raised when a 3-D array looks channels first, ``(n_samples, n_channels, n_timepoints)`` as
    aeon and sktime hand it out, but is read time first: convert it with
    :func:`sklrnn.features.from_channels_first` or :class:`sklrnn.features.ChannelsFirstConverter`.
    """
