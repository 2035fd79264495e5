import subprocess
import sys

import sklrnn


def test_public_names():
    assert sorted(sklrnn.__all__) == sorted(dir(sklrnn))
    for name in ("RNNClassifier", "RNNRegressor", "SegRNNForecaster"):
        assert getattr(sklrnn, name).__name__ == name


def test_torch_modules_import_without_scikit_learn():
    code = "import sys, sklrnn.nn; sys.exit('sklearn' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
