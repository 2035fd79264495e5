"""The one wording of a missing optional dependency."""

from __future__ import annotations


def missing_dependency(what: str, packages: tuple[str, ...], extra: str) -> ImportError:
    """The ImportError to raise when ``what`` needs ``packages``, those of sklrnn's ``extra``.

    sklrnn is installed from its clone, not from PyPI, so the message names the packages
    themselves and the extra to reinstall the clone with.

    Examples
    --------
    >>> print(missing_dependency("plot_backtest", ("matplotlib",), "plot"))
    plot_backtest needs matplotlib: `pip install matplotlib`, or `pip install -e ".[plot]"` in the sklrnn clone.
    """  # noqa: E501
    return ImportError(
        f"{what} needs {' and '.join(packages)}: `pip install {' '.join(packages)}`, or "
        f'`pip install -e ".[{extra}]"` in the sklrnn clone.'
    )
