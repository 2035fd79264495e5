"""Data set loaders (``load_*``/``fetch_*`` pattern) and small generators."""

from ._fetch import fetch_file, get_data_home
from .ett import load_ett

__all__ = ["fetch_file", "get_data_home", "load_ett"]
