"""Data set loaders (``load_*``/``fetch_*`` pattern) and small generators."""

from ._fetch import fetch_file, get_data_home

__all__ = ["fetch_file", "get_data_home"]
