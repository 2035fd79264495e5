import subprocess
import sys

import sklrnn


def test_public_names():
    assert sorted(sklrnn.__all__) == sorted(dir(sklrnn))
    for name in ("RNNClassifier", "RNNRegressor", "SegRNNForecaster", "SeriesForecaster"):
        assert getattr(sklrnn, name).__name__ == name


def test_torch_modules_import_nothing_else_of_sklrnn_nor_scikit_learn():
    code = (
        "import sys, sklrnn.nn; "
        "print(' '.join(m for m in sys.modules if m.split('.')[0] in "
        "('sklrnn', 'sklearn', 'scipy', 'skorch') and not m.startswith('sklrnn.nn')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # the package itself, whose estimators load lazily, and its table of moved modules (stdlib)
    assert sorted(out.stdout.split()) == ["sklrnn", "sklrnn._moved"]
