"""The public names of sklrnn, read from the package: what the API reference must document.

Used by ``conf.py`` (to link references that use another import path of a documented object)
and by ``tests/test_docs.py`` (which fails when a public name has no page).
"""

from __future__ import annotations

import importlib
import inspect

#: The public modules, in the order of the API reference; an object importable from several of
#: them is documented under the first (the top-level ``sklrnn`` re-exports, so it comes last).
PUBLIC_MODULES = [
    "sklrnn.recurrent",
    "sklrnn.forecasting",
    "sklrnn.features",
    "sklrnn.augment",
    "sklrnn.inspection",
    "sklrnn.export",
    "sklrnn.datasets",
    "sklrnn.nn",
    "sklrnn.exceptions",
    "sklrnn",
]

#: Documented public objects that live outside their module's ``__all__``.
EXTRA = ["sklrnn.nn.segrnn_covariates.CovariateSegRNN"]


def public_names(module_name: str) -> list[str]:
    """``__all__`` of the module; without one, the classes and functions it defines whose names
    do not begin with an underscore."""
    module = importlib.import_module(module_name)
    if hasattr(module, "__all__"):
        return [name for name in module.__all__ if not name.startswith("__")]
    return sorted(
        name
        for name, obj in vars(module).items()
        if not name.startswith("_")
        and (inspect.isclass(obj) or inspect.isfunction(obj))
        and obj.__module__ == module_name
    )


def resolve(full_name: str):
    """The object at a dotted path such as ``sklrnn.nn.segrnn.SegRNN`` (None if there is none).

    Attributes win over submodules of the same name, as for ``from package import name``:
    ``sklrnn.forecasting.backtest`` is the function, not its module.
    """
    parts = full_name.split(".")
    try:
        obj = importlib.import_module(parts[0])
    except ImportError:
        return None
    for i, part in enumerate(parts[1:], start=1):
        if hasattr(obj, part):
            obj = getattr(obj, part)
            continue
        try:
            obj = importlib.import_module(".".join(parts[: i + 1]))
        except ImportError:
            return None
    return obj


def canonical_names() -> dict[int, str]:
    """``id(object)`` -> the dotted name under which the API reference documents it."""
    names: dict[int, str] = {}
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in public_names(module_name):
            names.setdefault(id(getattr(module, name)), f"{module_name}.{name}")
    for full_name in EXTRA:
        names.setdefault(id(resolve(full_name)), full_name)
    return names
