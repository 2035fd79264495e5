"""The documentation's code runs: every ``>>>`` example of docs/*.rst and docs/guide/*.rst.

A page is one doctest, unless it is cut into groups by comment lines such as::

    .. sklrnn-doctest: speech requires=fsdd/recordings slow

Each group (and the text before the first such line) then runs on its own, with fresh globals;
``requires=`` names a path in the data home without which the group is skipped, and ``slow``
leaves the group to ``make test-all``.
"""

from __future__ import annotations

import doctest
import io
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
PAGES = sorted([*DOCS.glob("*.rst"), *DOCS.glob("guide/*.rst")])
MARKER = re.compile(r"^\.\. sklrnn-doctest:[ \t]*(\S+)([^\n]*)$", re.MULTILINE)
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def split_groups(text: str) -> list[dict]:
    """Cut a page into its doctest groups: name, options, code text and first line number."""
    groups = []
    starts = [(0, "page", "")] + [(m.end(), m.group(1), m.group(2)) for m in MARKER.finditer(text)]
    ends = [m.start() for m in MARKER.finditer(text)] + [len(text)]
    for (start, name, options), end in zip(starts, ends):
        words = options.split()
        groups.append(
            {
                "name": name,
                "text": text[start:end],
                "lineno": text.count("\n", 0, start),
                "requires": [w.split("=", 1)[1] for w in words if w.startswith("requires=")],
                "slow": "slow" in words,
            }
        )
    return groups


def _cases():
    for page in PAGES:
        for group in split_groups(page.read_text(encoding="utf-8")):
            if ">>>" not in group["text"]:
                continue
            marks = [pytest.mark.slow] if group["slow"] else []
            case_id = f"{page.relative_to(DOCS)}::{group['name']}"
            yield pytest.param(page, group, id=case_id, marks=marks)


def test_marker_splits_a_page_into_groups_with_options():
    text = "intro\n>>> 1\n1\n.. sklrnn-doctest: speech requires=fsdd/recordings slow\n>>> 2\n2\n"
    page, speech = split_groups(text)
    assert (page["name"], page["requires"], page["slow"]) == ("page", [], False)
    assert (speech["name"], speech["requires"], speech["slow"]) == (
        "speech",
        ["fsdd/recordings"],
        True,
    )
    assert ">>> 2" in speech["text"] and ">>> 2" not in page["text"]
    assert speech["lineno"] == 3


def test_a_failing_example_fails_its_group():
    group = split_groups(">>> 1 + 1\n3\n")[0]
    test = doctest.DocTestParser().get_doctest(group["text"], {}, "bad", "bad.rst", 0)
    result = doctest.DocTestRunner(optionflags=FLAGS).run(test, out=io.StringIO().write)
    assert result.failed == 1


@pytest.mark.parametrize(("page", "group"), list(_cases()))
def test_documentation_code_runs(page, group, require_data):
    for path in group["requires"]:
        require_data(path)
    name = f"{page.relative_to(DOCS)}::{group['name']}"
    test = doctest.DocTestParser().get_doctest(
        group["text"], {"__name__": "__doc__"}, name, str(page), group["lineno"]
    )
    report = io.StringIO()
    result = doctest.DocTestRunner(optionflags=FLAGS).run(test, out=report.write)
    if result.failed:
        pytest.fail(report.getvalue(), pytrace=False)
    assert result.attempted > 0
