"""Module paths of sklrnn 0.1.0 that moved, kept importable for one release.

A public path (``sklrnn.series``) still imports, with a ``FutureWarning`` that names the new
one; a private path (``sklrnn._base``) resolves silently, so that pickles written by 0.1.0,
which name the classes by the module they were defined in, still load.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import warnings

#: old module -> the module that holds its contents now
MOVED = {
    "sklrnn.classifier": "sklrnn.recurrent.classifier",
    "sklrnn.regressor": "sklrnn.recurrent.regressor",
    "sklrnn.forecaster": "sklrnn.forecasting.segrnn",
    "sklrnn.series": "sklrnn.forecasting.series",
    "sklrnn.backtest": "sklrnn.forecasting.backtest",
    "sklrnn.sktime": "sklrnn.forecasting.sktime",
    "sklrnn._base": "sklrnn._engine.base",
    "sklrnn._data": "sklrnn._engine.sequences",
    "sklrnn._budget": "sklrnn._engine.budget",
    "sklrnn._checkpoint": "sklrnn._engine.checkpoint",
    "sklrnn._persist": "sklrnn._engine.persist",
    "sklrnn._reliability": "sklrnn._engine.guards",
    "sklrnn._accelerate": "sklrnn._engine.accelerate",
    "sklrnn._progress": "sklrnn._engine.progress",
    "sklrnn._param_docs": "sklrnn._engine.params",
    "sklrnn._recurrent": "sklrnn.recurrent.estimator",
    "sklrnn._series_data": "sklrnn.forecasting.series_data",
    "sklrnn._series_format": "sklrnn.forecasting.series_format",
    "sklrnn._series_predict": "sklrnn.forecasting.series_predict",
    "sklrnn._series_windows": "sklrnn.forecasting.windows",
    "sklrnn._quantiles": "sklrnn.forecasting.quantiles",
}

#: where the public names of an old public module live now, as users should import them
NEW_HOME = {
    "sklrnn.classifier": "sklrnn.recurrent",
    "sklrnn.regressor": "sklrnn.recurrent",
    "sklrnn.forecaster": "sklrnn.forecasting",
    "sklrnn.series": "sklrnn.forecasting",
    "sklrnn.backtest": "sklrnn.forecasting",
    "sklrnn.sktime": "sklrnn.forecasting",
}


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds an old module name and hands out the new module under it."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in MOVED:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        module = importlib.import_module(MOVED[spec.name])
        spec.loader_state = module.__spec__  # importlib puts the alias's spec on the module
        return module

    def exec_module(self, module):
        old, module.__spec__ = module.__spec__.name, module.__spec__.loader_state
        if old in NEW_HOME:
            warnings.warn(
                f"{old} moved to {NEW_HOME[old]} in sklrnn 0.2; import from {NEW_HOME[old]} "
                f"instead ({old} goes in the next release).",
                FutureWarning,
                stacklevel=2,
            )


def install() -> None:
    """Put the alias finder last on ``sys.meta_path`` (once): it only sees names nothing else
    finds."""
    if not any(isinstance(f, _Alias) for f in sys.meta_path):
        sys.meta_path.append(_Alias())
