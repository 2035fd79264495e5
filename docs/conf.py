"""Sphinx configuration: user guide, numpydoc API pages and a sphinx-gallery of the examples.

``make docs`` runs the gallery; ``make docs-noplot`` builds every page without running it and
treats warnings as errors. The intersphinx inventories (Python, scikit-learn, PyTorch, skorch)
are used when their sites can be reached; offline, the build leaves them out instead of warning,
and the few scikit-learn labels that inherited docstrings cite are linked directly.
"""

import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from docutils import nodes

import sklrnn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from public_api import canonical_names, resolve  # noqa: E402

project = "sklrnn"
author = "the sklrnn developers"
copyright = "the sklrnn developers, BSD-3-Clause"
release = version = sklrnn.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "sphinx_copybutton",
]
autosummary_generate = True
templates_path = ["_templates"]
numpydoc_show_class_members = False

_INVENTORIES = {
    "python": "https://docs.python.org/3",
    "sklearn": "https://scikit-learn.org/stable",
    "torch": "https://docs.pytorch.org/docs/stable",
    "skorch": "https://skorch.readthedocs.io/en/stable",
}


def _reachable(url: str, timeout: float = 3.0) -> bool:
    """Whether a TCP connection to the host of ``url`` opens within ``timeout`` seconds."""
    if os.environ.get("SKLRNN_DOCS_OFFLINE"):
        return False
    try:
        with socket.create_connection((urlsplit(url).hostname, 443), timeout=timeout):
            return True
    except OSError:
        return False


intersphinx_mapping = {name: (url, None) for name, url in _INVENTORIES.items() if _reachable(url)}

# scikit-learn user-guide labels cited by the docstrings the estimators inherit (score,
# set_*_request); linked directly when the scikit-learn inventory is not loaded.
_SKLEARN_LABELS = {
    "accuracy_score": "modules/model_evaluation.html#accuracy-score",
    "r2_score": "modules/model_evaluation.html#r2-score",
    "metadata_routing": "metadata_routing.html",
}


def _sklearn_label(app, env, node, contnode):
    """Resolve a known scikit-learn ``:ref:`` label to its page on scikit-learn.org."""
    target = node.get("reftarget")
    if node.get("reftype") != "ref" or target not in _SKLEARN_LABELS:
        return None
    uri = f"{_INVENTORIES['sklearn']}/{_SKLEARN_LABELS[target]}"
    return nodes.reference("", "", contnode, internal=False, refuri=uri)


_PY_TYPES = {"class", "func", "meth", "attr", "obj", "mod", "exc", "data"}


def _public_alias(app, env, node, contnode):
    """Link a reference that names a documented object by another import path.

    ``sklrnn.RNNClassifier`` is documented as ``sklrnn.recurrent.RNNClassifier``, and
    ``sklrnn.nn.segrnn.SegRNN`` as ``sklrnn.nn.SegRNN``: the reference goes to that page.
    """
    if node.get("refdomain") != "py" or node.get("reftype") not in _PY_TYPES:
        return None
    target = node.get("reftarget", "")
    candidates = [target]
    if node.get("py:module") and not target.startswith("sklrnn"):
        candidates.append(f"{node['py:module']}.{target}")
    canonical = None
    for name in candidates:
        obj = resolve(name) if name.startswith("sklrnn") else None
        if obj is not None and _CANONICAL.get(id(obj), name) != name:
            canonical = _CANONICAL[id(obj)]
            break
    if canonical is None and "." not in target:
        # a bare name in a See Also section: the one public object of that name
        matches = [name for name in _CANONICAL.values() if name.rsplit(".", 1)[-1] == target]
        canonical = matches[0] if len(matches) == 1 else None
    if canonical is None:
        return None
    domain = env.get_domain("py")
    return domain.resolve_xref(
        env, node["refdoc"], app.builder, node["reftype"], canonical, node, contnode
    )


_CANONICAL = canonical_names()

# Reading order of the user guide; any other page of docs/guide/ follows, alphabetically.
GUIDE_ORDER = [
    "inputs",
    "classification",
    "networks",
    "parameters",
    "forecasting",
    "featurizers",
    "inspection",
    "tuning",
    "persistence",
    "deploy",
    "reliability",
    "gpu",
]


def guide_pages(folder: Path) -> list[str]:
    """The pages of ``folder`` (``docs/guide``) in reading order, as toctree entries."""
    names = sorted(path.stem for path in folder.glob("*.rst"))
    ordered = [name for name in GUIDE_ORDER if name in names]
    return [f"guide/{name}" for name in ordered + [n for n in names if n not in ordered]]


def _user_guide_toctree(app, docname, source):
    """Fill the ``.. guide-pages`` placeholder of user_guide.rst with the toctree entries."""
    if docname == "user_guide":
        entries = "\n".join(f"   {page}" for page in guide_pages(Path(app.srcdir) / "guide"))
        source[0] = source[0].replace("   .. guide-pages", entries)


def setup(app):
    # After intersphinx (priority 500), so that its inventory wins when it is loaded.
    app.connect("missing-reference", _sklearn_label, priority=900)
    app.connect("missing-reference", _public_alias, priority=950)
    app.connect("source-read", _user_guide_toctree)


sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"showcase\.py",
    # Every build runs every example: an example whose file did not change still prints what
    # today's library computes, not the figures of an earlier build.
    "run_stale_examples": True,
    # "Examples using X" on each API page.
    "doc_module": ("sklrnn",),
    "backreferences_dir": "generated/backreferences",
    "reference_url": {"sklrnn": None},
}

# The copy button leaves out the prompts and the output of ``>>>`` and ``$`` examples.
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True


def repository_url(root: Path) -> str | None:
    """The project's repository: ``[project.urls]`` of pyproject.toml, else the clone's remote.

    ``SKLRNN_REPOSITORY_URL`` overrides both. None when neither names one (the theme then shows
    no repository link).
    """
    if os.environ.get("SKLRNN_REPOSITORY_URL"):
        return os.environ["SKLRNN_REPOSITORY_URL"]
    try:
        import tomllib  # Python 3.11+
    except ModuleNotFoundError:
        tomllib = None
    pyproject = tomllib.loads((root / "pyproject.toml").read_text()) if tomllib else {}
    urls = pyproject.get("project", {}).get("urls", {})
    for key in ("Repository", "Source", "Homepage"):
        if urls.get(key):
            return urls[key]
    try:
        remote = subprocess.run(
            ["git", "-C", str(root), "remote", "get-url", "origin"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    if remote.startswith("git@"):  # git@host:owner/name.git -> https://host/owner/name
        host, _, path = remote[len("git@") :].partition(":")
        remote = f"https://{host}/{path}"
    return remote.removesuffix(".git") if remote.startswith("https://") else None


REPOSITORY = repository_url(Path(__file__).resolve().parents[1])

html_theme = "pydata_sphinx_theme"
html_title = f"sklrnn {version}"
html_theme_options = {
    "navbar_align": "left",
    "header_links_before_dropdown": 7,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    "icon_links": [{"name": "Source repository", "url": REPOSITORY, "icon": "fa-brands fa-git-alt"}]
    if REPOSITORY
    else [],
}
# Pages without sub-pages need no section navigation: their code gets the width instead.
html_sidebars = {
    page: []
    for page in (
        "index",
        "install",
        "getting_started",
        "datasets",
        "faq",
        "glossary",
        "neighbours",
        "benchmarks",
        "changelog",
    )
}
html_static_path = ["_static"]
html_css_files = ["sklrnn.css"]
exclude_patterns = ["_build"]
