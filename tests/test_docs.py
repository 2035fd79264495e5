"""The documentation's code runs: every ``>>>`` example of docs/*.rst and docs/guide/*.rst.

A page is one doctest, unless it is cut into groups by comment lines such as::

    .. sklrnn-doctest: speech requires=fsdd/recordings imports=librosa slow

Each group (and the text before the first such line) then runs on its own, with fresh globals;
``requires=`` names a path in the data home without which the group is skipped, ``imports=``
the modules of an optional extra (comma-separated) without which it is skipped, and ``slow``
leaves the group to ``make test-all``.
"""

from __future__ import annotations

import doctest
import importlib
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
                "imports": [
                    module
                    for w in words
                    if w.startswith("imports=")
                    for module in w.split("=", 1)[1].split(",")
                ],
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
    text = (
        "intro\n>>> 1\n1\n"
        ".. sklrnn-doctest: speech requires=fsdd/recordings imports=librosa,soundfile slow\n"
        ">>> 2\n2\n"
    )
    page, speech = split_groups(text)
    assert (page["name"], page["requires"], page["slow"]) == ("page", [], False)
    assert (page["imports"], speech["imports"]) == ([], ["librosa", "soundfile"])
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
    for module in group["imports"]:
        pytest.importorskip(module, reason=f"{module} (an optional extra) is not installed")
    name = f"{page.relative_to(DOCS)}::{group['name']}"
    test = doctest.DocTestParser().get_doctest(
        group["text"], {"__name__": "__doc__"}, name, str(page), group["lineno"]
    )
    report = io.StringIO()
    result = doctest.DocTestRunner(optionflags=FLAGS).run(test, out=report.write)
    if result.failed:
        pytest.fail(report.getvalue(), pytrace=False)
    assert result.attempted > 0


# The API reference documents every public name


def _api_reference() -> set[str]:
    """The dotted names that docs/api.rst (and any page) lists in an autosummary table."""
    documented = set()
    for page in PAGES:
        module = None
        in_table = False
        for line in page.read_text(encoding="utf-8").splitlines():
            if line.startswith(".. currentmodule::"):
                module = line.split("::", 1)[1].strip()
            elif line.startswith(".. autosummary::"):
                in_table = True
            elif in_table and line.startswith("   ") and not line.strip().startswith(":"):
                name = line.strip()
                documented.add(name if name.startswith("sklrnn.") else f"{module}.{name}")
            elif in_table and line.strip() and not line.startswith(" "):
                in_table = False
    return documented


def _public_api():
    import importlib.util

    spec = importlib.util.spec_from_file_location("public_api", DOCS / "public_api.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _missing_pages(api, documented_names: set[str]) -> list[str]:
    """The public names whose object no name of ``documented_names`` resolves to."""
    documented = {id(api.resolve(name)) for name in documented_names}
    return [
        f"{module}.{name}"
        for module in api.PUBLIC_MODULES
        for name in api.public_names(module)
        if id(getattr(importlib.import_module(module), name)) not in documented
    ]


def test_every_public_name_has_an_api_page():
    api = _public_api()
    listed = _api_reference()
    assert [name for name in listed if api.resolve(name) is None] == []
    missing = _missing_pages(api, listed)
    assert not missing, f"public names without an API page (add them to docs/api.rst): {missing}"


def test_a_public_name_without_a_page_is_reported():
    api = _public_api()
    listed = _api_reference()
    assert {"sklrnn.recurrent.RNNClassifier", "sklrnn.export.to_onnx"} <= listed
    without = listed - {"sklrnn.features.make_windows", "sklrnn.recurrent.RNNClassifier"}
    # RNNClassifier is also public as sklrnn.RNNClassifier: reported under both names
    assert set(_missing_pages(api, without)) == {
        "sklrnn.features.make_windows",
        "sklrnn.recurrent.RNNClassifier",
        "sklrnn.RNNClassifier",
    }


# Every extra the documentation names exists


EXTRA = re.compile(
    r"sklrnn\[([a-z,\- ]+)\]|\"\.\[([a-z,\- ]+)\]\"|``([a-z]+)`` extra|extra ``([a-z]+)``"
)


def _extras_named_in_docs() -> set[str]:
    texts = [page.read_text(encoding="utf-8") for page in PAGES]
    texts.append((DOCS.parent / "README.md").read_text(encoding="utf-8"))
    names = set()
    for text in texts:
        for match in EXTRA.finditer(text):
            group = next(g for g in match.groups() if g)
            names.update(part.strip() for part in group.split(",") if part.strip())
    return names


def test_every_extra_named_in_the_docs_exists():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    pyproject = tomllib.loads((DOCS.parent / "pyproject.toml").read_text(encoding="utf-8"))
    extras = set(pyproject["project"]["optional-dependencies"])
    named = _extras_named_in_docs()
    assert {"audio", "sktime", "onnx", "bench"} <= named  # the install page's table is read
    assert named <= extras, f"extras named in the docs but not in pyproject.toml: {named - extras}"
    install = (DOCS / "install.rst").read_text(encoding="utf-8")
    table = set(re.findall(r"^   \* - ``([a-z]+)``$", install, flags=re.MULTILINE))
    assert table == extras, f"the install page's extras table differs: {table ^ extras}"
