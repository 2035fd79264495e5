"""Data set loaders (``load_*``/``fetch_*`` pattern) and small generators."""

from ._fetch import fetch_file, get_data_home
from .ett import load_ett
from .fsdd import load_fsdd
from .moving_digits import make_moving_digits
from .splice import load_splice

__all__ = [
    "fetch_file",
    "get_data_home",
    "load_ett",
    "load_fsdd",
    "load_splice",
    "make_moving_digits",
]
