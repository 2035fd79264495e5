# Made these fixtures with sklrnn 0.1.0 (commit c9258bc): a pickle and a save() file that
# later versions must still load (tests/test_persistence.py).
import pickle, numpy as np, warnings
from sklrnn import RNNClassifier, RNNRegressor, SegRNNForecaster
from sklrnn.series import SeriesForecaster
rng = np.random.RandomState(0)
X = rng.normal(size=(40, 10, 2)).astype("float32"); y = (X[:, :, 0].mean(1) > 0).astype(int)
clf = RNNClassifier(hidden_size=4, conv_channels=None, max_epochs=2, random_state=0).fit(X, y)
reg = RNNRegressor(hidden_size=4, max_epochs=2, random_state=0).fit(X, X[:, -1, 0])
t = np.arange(200); s = np.sin(t / 5.0)
sf = SeriesForecaster(SegRNNForecaster(seg_len=6, hidden_size=8, max_epochs=2, random_state=0), lookback=24, horizon=6).fit(s)
with open("tests/data/v010_models.pkl", "wb") as f:
    pickle.dump({"clf": clf, "reg": reg, "sf": sf}, f)
clf.save("tests/data/v010_classifier.sklrnn")
np.savez("tests/data/v010_expected.npz", X=X, clf_proba=clf.predict_proba(X[:5]), reg=reg.predict(X[:5]), series=s, sf=sf.predict())
print("ok")
