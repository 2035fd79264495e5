"""The sktime adapter: fh, intervals, update, evaluate, grid search, pipelines, sktime's checks."""

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("sktime", reason="the sktime extra is not installed")

from sktime.forecasting.base import ForecastingHorizon  # noqa: E402
from sktime.forecasting.compose import TransformedTargetForecaster  # noqa: E402
from sktime.forecasting.model_evaluation import evaluate  # noqa: E402
from sktime.forecasting.model_selection import ForecastingGridSearchCV  # noqa: E402
from sktime.split import ExpandingWindowSplitter  # noqa: E402
from sktime.transformations.series.detrend import Detrender  # noqa: E402

from sklrnn import SegRNNForecaster  # noqa: E402
from sklrnn.forecasting.sktime import SegRNNSktimeForecaster  # noqa: E402


def tiny(**params):
    net = SegRNNForecaster(seg_len=4, hidden_size=8, max_epochs=2, random_state=0)
    return SegRNNSktimeForecaster(net, lookback=12, validation_fraction=0.25, **params)


def monthly(n=120, columns=("a",)):
    index = pd.period_range("2000-01", periods=n, freq="M")
    t = np.arange(n)[:, None]
    values = 10 + np.sin(2 * np.pi * t / 12 + np.arange(len(columns))) + 0.01 * t
    return pd.DataFrame(values, index=index, columns=list(columns))


def test_relative_and_absolute_horizons_give_the_same_forecast():
    y = monthly()
    model = tiny().fit(y, fh=[1, 2, 3, 6])
    relative = model.predict()
    absolute = ForecastingHorizon(
        pd.PeriodIndex([y.index[-1] + k for k in (1, 2, 3, 6)]), is_relative=False
    )
    pd.testing.assert_frame_equal(tiny().fit(y, fh=absolute).predict(), relative)
    assert list(relative.index.astype(str)) == ["2010-01", "2010-02", "2010-03", "2010-06"]
    assert model.forecaster_.horizon == 6


def test_quantiles_and_intervals_in_sktime_layout():
    y = monthly(columns=("a", "b"))
    model = tiny().fit(y, fh=[1, 2, 3])
    quantiles = model.predict_quantiles(alpha=[0.1, 0.5, 0.9])
    assert list(quantiles.columns) == [(v, a) for v in "ab" for a in (0.1, 0.5, 0.9)]
    assert (quantiles[("a", 0.1)] <= quantiles[("a", 0.9)]).all()
    intervals = model.predict_interval(coverage=[0.8, 0.95])
    assert intervals.shape == (3, 8)
    assert (intervals[("b", 0.95, "lower")] <= intervals[("b", 0.8, "lower")]).all()


def test_update_moves_the_cutoff_and_refits_only_when_asked():
    y = monthly()
    model = tiny().fit(y.iloc[:100], fh=[1, 2])
    network = model.forecaster_
    model.update(y.iloc[100:110], update_params=False)
    assert model.cutoff[0] == y.index[109] and model.forecaster_ is network
    assert model.predict().index[0] == y.index[110]
    model.update(y.iloc[110:], update_params=True)
    assert model.forecaster_ is not network
    assert model.forecaster_.n_train_windows_ > network.n_train_windows_


@pytest.mark.parametrize("exogenous", ["future", "past"])
def test_exogenous_data_is_used_in_its_role(exogenous):
    y = monthly()
    X = pd.DataFrame(
        {"x": np.arange(len(y) + 3.0)},
        index=pd.period_range("2000-01", periods=len(y) + 3, freq="M"),
    )
    model = tiny(exogenous=exogenous).fit(y, X=X.iloc[: len(y)], fh=[1, 2, 3])
    assert model.forecaster_.n_future_covariates_ == (exogenous == "future")
    assert model.forecaster_.n_past_covariates_ == (exogenous == "past")
    pred = model.predict(X=X.iloc[len(y) :])
    assert pred.shape == (3, 1) and np.isfinite(pred.to_numpy()).all()


def test_evaluate_grid_search_and_pipeline_run_on_the_adapter():
    y = monthly()
    cv = ExpandingWindowSplitter(initial_window=96, step_length=12, fh=[1, 2, 3])
    results = evaluate(tiny(), cv, y, scoring=None, strategy="refit")
    assert len(results) == 2 and np.isfinite(results.iloc[:, 0]).all()

    search = ForecastingGridSearchCV(
        tiny(), cv=cv, param_grid={"estimator__hidden_size": [4, 8]}, backend=None
    ).fit(y, fh=[1, 2, 3])
    assert search.best_params_["estimator__hidden_size"] in (4, 8)
    assert search.predict().shape == (3, 1)

    pipe = TransformedTargetForecaster([("detrend", Detrender()), ("segrnn", tiny())])
    assert pipe.fit(y, fh=[1, 2]).predict().shape == (2, 1)


def test_in_sample_horizons_are_refused():
    model = tiny().fit(monthly(), fh=[1, 2])
    with pytest.raises((NotImplementedError, ValueError)):
        model.predict(fh=[-1, 0])


@pytest.mark.slow
def test_sktime_check_estimator_passes():
    from sktime.utils.estimator_checks import check_estimator

    results = check_estimator(SegRNNSktimeForecaster, raise_exceptions=False, verbose=False)
    failed = {name: result for name, result in results.items() if result != "PASSED"}
    assert len(results) > 100 and not failed, failed


def test_update_without_exogenous_data_is_refused_never_filled():
    y = monthly()
    X = pd.DataFrame(
        {"x": np.arange(len(y) + 3.0)},
        index=y.index.append(pd.period_range(y.index[-1] + 1, periods=3, freq="M")),
    )
    model = tiny(exogenous="future").fit(y.iloc[:100], X=X.iloc[:100], fh=[1, 2, 3])
    with pytest.raises(ValueError, match="pass X for the new time points"):
        model.update(y.iloc[100:110], update_params=False)
    model.update(y.iloc[100:110], X=X.iloc[100:110], update_params=False)
    assert model.predict(X=X.iloc[110:113]).index[0] == y.index[110]


def test_gaps_in_the_time_index_are_refused_at_fit_and_update():
    y = monthly()
    with pytest.raises(ValueError, match=r"not regular.*asfreq\(freq\).interpolate"):
        tiny().fit(y.drop(y.index[50:53]), fh=[1, 2])
    model = tiny().fit(y.iloc[:100], fh=[1, 2])
    with pytest.raises(ValueError, match="2008-04 is followed by 2008-08"):
        model.update(y.iloc[103:], update_params=False)
    assert model.cutoff[0] == y.index[99]  # the refused update changed nothing


def test_test_parameters_exercise_both_methods():
    methods = {p.get("method", "residual") for p in SegRNNSktimeForecaster.get_test_params()}
    assert methods == {"residual", "pinball"}
    model = SegRNNSktimeForecaster(**SegRNNSktimeForecaster.get_test_params()[1])
    quantiles = model.fit(monthly(), fh=[1, 2]).predict_quantiles(alpha=[0.1, 0.5, 0.9])
    assert (quantiles.diff(axis=1).iloc[:, 1:] >= 0).all().all()
