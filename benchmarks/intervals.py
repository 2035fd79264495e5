"""Prediction intervals and covariates of SeriesForecaster on the ETTh1 protocol.

Part ``intervals``: all 7 channels, look-back 720, horizon 96 (the LTSF protocol: train rows
[0, 8640), validation [8640, 11520) for early stopping and calibration, test origins 11520 to
14304, i.e. the 2,785 test windows; data scaled by the train rows). Three forecasters:

- ``point + residual quantiles``: point SegRNN (the ``cpu`` preset of ``ltsf.py``) and, as
  quantile ``a`` of step ``h`` and channel ``c``, the forecast plus the ``a``-quantile of its
  validation errors there (``method="residual"``) -- the baseline;
- ``pinball``: the same network emitting the quantiles (0.025, 0.1, 0.5, 0.9, 0.975), trained
  with the pinball loss, uncalibrated;
- ``pinball + conformal``: the same fitted network, each quantile shifted by its split-conformal
  correction on the validation windows (``calibrate=True``);
- ``... + rolling conformal``: the corrections measured again before every test origin on the
  last ``--rolling`` windows whose truth is known by then (``backtest(recalibrate=...)``),
  which follows the change of error level between the validation and test periods.

Reported on the test windows: empirical coverage of the 80 % and 95 % intervals and their mean
width (averaged over windows, steps and channels), the mean pinball loss over the five levels,
and the MSE / MAE of the median (point) forecast.

Part ``covariates``: forecasting OT alone against OT with the six load channels as past
covariates (the "MS" setting), with hour-of-day / day-of-week calendar covariates, and with the
loads as more target channels of the same channel-independent network (how SegRNN's own scripts
run "MS"); the same network and split, point forecasts, test MSE / MAE of OT.

    python benchmarks/intervals.py --part intervals covariates
"""

from __future__ import annotations

import argparse
import copy

import numpy as np
import torch
from _harness import timed, write_results
from ltsf import PRESETS

from sklrnn import SegRNNForecaster
from sklrnn.datasets import load_ett
from sklrnn.forecasting import SeriesForecaster, backtest
from sklrnn.forecasting.quantiles import pinball

L, H = 720, 96
LEVELS = (0.025, 0.1, 0.5, 0.9, 0.975)
CPU_PRESET = PRESETS["cpu"]  # the LTSF benchmark's CPU settings


def ett_frame():
    """ETTh1 up to the end of the protocol's test rows, indexed by time, and the borders."""
    ett = load_ett("ETTh1", lookback=L, as_frame=True)
    return ett.frame.iloc[: ett.borders[3]], ett.borders


def interval_metrics(result) -> dict:
    y, q = result.y_true, result.quantiles  # [n, H, C], [n, H, C, 5]
    out = {"mse": result.mse, "mae": result.mae, "pinball": pinball(y, q, result.levels)}
    for coverage, (lo, hi) in {"80": (1, 3), "95": (0, 4)}.items():
        inside = (y >= q[..., lo]) & (y <= q[..., hi])
        out[f"coverage_{coverage}"] = float(inside.mean())
        out[f"width_{coverage}"] = float(np.mean(q[..., hi] - q[..., lo]))
    return out


def forecaster(net, method, borders, calendar=None) -> SeriesForecaster:
    """A SeriesForecaster on the protocol's split: the validation block is the protocol's."""
    return SeriesForecaster(
        net,
        lookback=L,
        horizon=H,
        quantiles=LEVELS,
        method=method,
        calendar=calendar,
        validation_fraction=(borders[2] - borders[1]) / borders[2],
        scale=False,
    )


def fitted(model, *args, **kwargs):
    """``model`` fitted on ``args``, and the timing of the fit."""
    with timed() as timing:
        model.fit(*args, **kwargs)
    return model, timing


def row(label, model, timing, result, **metrics) -> dict:
    """One result row, printed as it is made (the parts take many minutes)."""
    out = {
        "model": label,
        "fit_seconds": timing.seconds,
        "fit_cpu_seconds": timing.cpu_seconds,
        "epochs": model.estimator_.n_iter_,
        "test_windows": len(result.origins),
        **metrics,
    }
    print(
        " | ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in out.items())
    )
    return out


def part_intervals(frame, borders, seed, max_epochs, rolling=720) -> list[dict]:
    fit_rows, test_end = borders[2], borders[3]
    net = SegRNNForecaster(**CPU_PRESET, random_state=seed).set_params(max_epochs=max_epochs)
    rows = []
    for name, method in [("pinball", "pinball"), ("point + residual quantiles", "residual")]:
        model, timing = fitted(forecaster(net, method, borders), frame.iloc[:fit_rows])
        variants = [(name, model, None), (f"{name} + rolling conformal", model, rolling)]
        if method == "pinball":
            raw = copy.deepcopy(model)
            raw.quantile_offsets_ = np.zeros_like(model.quantile_offsets_)
            variants = [
                ("pinball", raw, None),
                ("pinball + conformal", model, None),
                ("pinball + rolling conformal", model, rolling),
            ]
        for label, m, recalibrate in variants:
            result = backtest(
                m, frame.iloc[:test_end], start=fit_rows, step=1, recalibrate=recalibrate
            )
            rows.append(row(label, m, timing, result, **interval_metrics(result)))
    return rows


def part_covariates(frame, borders, seed, max_epochs, only=None) -> list[dict]:
    fit_rows, test_end = borders[2], borders[3]
    net = SegRNNForecaster(**CPU_PRESET, random_state=seed).set_params(max_epochs=max_epochs)
    ot, loads = frame[["OT"]], frame.drop(columns="OT")
    variants = [
        ("OT alone", ot, None, None),
        ("OT + 6 loads as past covariates (MS)", ot, loads, None),
        ("OT + calendar (hour, day of week)", ot, None, ["hour", "dayofweek"]),
        # the loads as more targets of the same channel-independent network, OT scored
        ("all 7 channels forecast, OT scored (channel-independent MS)", frame, None, None),
    ]
    rows = []
    for k, (label, target, past, calendar) in enumerate(variants):
        if only is not None and k not in only:
            continue
        head = lambda part: None if part is None else part.iloc[:fit_rows]  # noqa: E731
        until_test = lambda part: None if part is None else part.iloc[:test_end]  # noqa: E731
        model, timing = fitted(
            forecaster(net, "residual", borders, calendar), head(target), past_covariates=head(past)
        )
        result = backtest(
            model, until_test(target), past_covariates=until_test(past), start=fit_rows, step=1
        )
        err = result.y_pred[..., -1] - result.y_true[..., -1]  # OT is the last column
        mse, mae = float(np.mean(err**2)), float(np.mean(np.abs(err)))
        rows.append(row(label, model, timing, result, mse=mse, mae=mae))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", nargs="+", default=["intervals", "covariates"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-epochs", type=int, default=10)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--rolling", type=int, default=720, help="windows of rolling calibration")
    parser.add_argument("--only", type=int, nargs="+", default=None, help="covariate variants")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    frame, borders = ett_frame()
    config = {"lookback": L, "horizon": H, "levels": LEVELS, "preset": CPU_PRESET}
    config |= {"seed": args.seed, "max_epochs": args.max_epochs, "rolling": args.rolling}
    rows = []
    for part in args.part:
        run = part_intervals if part == "intervals" else part_covariates
        extra = {"rolling": args.rolling} if part == "intervals" else {"only": args.only}
        new = run(frame, borders, args.seed, args.max_epochs, **extra)
        rows += [{"part": part, **r} for r in new]
    write_results("intervals", config, rows, args.out)


if __name__ == "__main__":
    main()
