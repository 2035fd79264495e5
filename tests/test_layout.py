"""The package layout: subpackages import in one direction, moved modules still import, and
files written by sklrnn 0.1.0 still load."""

import ast
import importlib
import pickle
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone

import sklrnn
from sklrnn._moved import MOVED, NEW_HOME

PACKAGE = Path(sklrnn.__file__).parent
DATA = Path(__file__).parent / "data"


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(absolute module, imported names) of every import in the file at ``path``."""
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    package = parts[:-1] if parts[-1] != "__init__" else parts[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            found.append((module, [alias.name for alias in node.names]))
    return found


def _area(module: str) -> str:
    """The subpackage (or top-level module) a module of sklrnn belongs to."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(Path(p).relative_to(PACKAGE)))
def test_imports_point_down_the_layers(path):
    rel = path.relative_to(PACKAGE)
    area = rel.parts[0] if len(rel.parts) > 1 else ""
    for module, names in _imports(path):
        top = module.split(".")[0]
        inside = top == "sklrnn"
        if area == "nn":  # plain torch modules, usable without scikit-learn
            allowed = top in {"torch", "numpy"} or top in sys.stdlib_module_names
            assert allowed or module.startswith("sklrnn.nn"), f"{rel} imports {module}"
        if area == "features":  # featurizers import no estimator
            assert not module.startswith(("sklrnn.recurrent", "sklrnn.forecasting")), (
                f"{rel} imports {module}"
            )
            assert module != "sklrnn._engine.base", f"{rel} imports the estimator base"
        if area in {"_engine", "utils", "nn"}:  # the engine knows no estimator above it
            assert not module.startswith(
                ("sklrnn.recurrent", "sklrnn.forecasting", "sklrnn.features", "sklrnn.inspection")
            ), f"{rel} imports {module}"
        if inside and _area(module) != area:  # no private name crosses a subpackage
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            assert not private, f"{rel} imports the private names {private} from {module}"


def test_the_estimators_live_in_their_subpackages():
    from sklrnn.forecasting import SegRNNForecaster, SeriesForecaster
    from sklrnn.recurrent import RNNClassifier, RNNRegressor

    assert sklrnn.RNNClassifier is RNNClassifier and sklrnn.RNNRegressor is RNNRegressor
    assert sklrnn.SegRNNForecaster is SegRNNForecaster
    assert sklrnn.SeriesForecaster is SeriesForecaster
    assert RNNClassifier.__module__ == "sklrnn.recurrent.classifier"
    assert SeriesForecaster.__module__ == "sklrnn.forecasting.series"


@pytest.mark.parametrize("old", sorted(NEW_HOME))
def test_an_old_public_path_imports_with_a_warning_naming_the_new_one(old):
    new = importlib.import_module(MOVED[old])
    with pytest.warns(FutureWarning, match=f"{old} moved to {NEW_HOME[old]}"):
        module = _fresh_import(old)
    assert module is new


def _fresh_import(name: str):
    sys.modules.pop(name, None)
    return importlib.import_module(name)


@pytest.mark.parametrize("old", sorted(set(MOVED) - set(NEW_HOME)))
def test_an_old_private_path_resolves_silently(old):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        module = _fresh_import(old)
    assert module is importlib.import_module(MOVED[old])


def test_importing_an_old_path_leaves_the_new_module_its_own_spec():
    new = importlib.import_module("sklrnn.forecasting.segrnn")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        _fresh_import("sklrnn.forecaster")
    assert new.__spec__.name == "sklrnn.forecasting.segrnn"  # importlib.reload relies on it
    assert new.__spec__.origin.endswith("segrnn.py")


def test_a_pickle_written_by_0_1_0_loads_and_predicts_the_same():
    expected = np.load(DATA / "v010_expected.npz")
    with (DATA / "v010_models.pkl").open("rb") as f, warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # it names sklrnn.classifier, ...
        models = pickle.load(f)
    X = expected["X"]
    np.testing.assert_allclose(models["clf"].predict_proba(X[:5]), expected["clf_proba"], rtol=1e-5)
    np.testing.assert_allclose(models["reg"].predict(X[:5]), expected["reg"], rtol=1e-5)
    # the same network; the point forecast of method="residual" is now the median of the
    # quantiles: the 0.1.0 forecast plus the median validation error
    sf = models["sf"]
    median_error = sf.quantile_offsets_[:, 0, list(sf.levels_).index(0.5)] * sf._stats[0][0][1]
    np.testing.assert_allclose(sf.predict(), expected["sf"] + median_error, rtol=1e-5)
    assert type(models["clf"]) is sklrnn.RNNClassifier


def test_a_file_saved_by_0_1_0_loads():
    expected = np.load(DATA / "v010_expected.npz")
    clf = sklrnn.RNNClassifier.load(DATA / "v010_classifier.sklrnn")
    np.testing.assert_allclose(
        clf.predict_proba(expected["X"][:5]), expected["clf_proba"], rtol=1e-5
    )


def test_an_estimator_of_0_1_0_has_the_parameters_added_since_as_it_was_fitted():
    with (DATA / "v010_models.pkl").open("rb") as f, warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        models = pickle.load(f)
    saved = sklrnn.RNNClassifier.load(DATA / "v010_classifier.sklrnn")
    for model in (models["clf"], models["reg"], saved):
        params = model.get_params()
        assert (params["segment_length"], params["standardize"]) == (1, None)
        assert params["branch_dropout"] == 0.0 and params["conv_dilation"] == 1
        assert params.get("mixup", 0.0) == 0.0  # the regressor has no mixup
        clone(model)  # a clone trains what the old estimator trained
