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
import json
import os
import time
from pathlib import Path

import numpy as np
import torch
from ltsf import PRESETS

from sklrnn import SegRNNForecaster
from sklrnn._quantiles import pinball
from sklrnn.backtest import backtest
from sklrnn.datasets import load_ett
from sklrnn.series import SeriesForecaster

L, H = 720, 96
LEVELS = (0.025, 0.1, 0.5, 0.9, 0.975)
CPU_PRESET = PRESETS["cpu"]  # the LTSF benchmark's CPU settings


def ett_frame():
    import pandas as pd

    ett = load_ett("ETTh1", lookback=L)
    index = pd.DatetimeIndex(ett.dates, freq="h")
    frame = pd.DataFrame(ett.data[: ett.borders[3]], columns=ett.feature_names)
    frame.index = index[: ett.borders[3]]
    return frame, ett.borders


def interval_metrics(result) -> dict:
    y, q = result.y_true, result.quantiles  # [n, H, C], [n, H, C, 5]
    out = {"mse": result.mse, "mae": result.mae, "pinball": pinball(y, q, result.levels)}
    for coverage, (lo, hi) in {"80": (1, 3), "95": (0, 4)}.items():
        inside = (y >= q[..., lo]) & (y <= q[..., hi])
        out[f"coverage_{coverage}"] = float(inside.mean())
        out[f"width_{coverage}"] = float(np.mean(q[..., hi] - q[..., lo]))
    return out


def fit_timed(model, *args, **kwargs):
    start, cpu = time.perf_counter(), time.process_time()
    model.fit(*args, **kwargs)
    return time.perf_counter() - start, time.process_time() - cpu


def part_intervals(frame, borders, seed, max_epochs, rolling=720) -> list[dict]:
    fit_rows, test_end = borders[2], borders[3]
    val_fraction = (borders[2] - borders[1]) / borders[2]
    net = SegRNNForecaster(**CPU_PRESET, random_state=seed).set_params(max_epochs=max_epochs)
    rows = []
    for name, method in [("pinball", "pinball"), ("point + residual quantiles", "residual")]:
        model = SeriesForecaster(
            net,
            lookback=L,
            horizon=H,
            quantiles=LEVELS,
            method=method,
            validation_fraction=val_fraction,
            scale=False,
        )
        seconds, cpu = fit_timed(model, frame.iloc[:fit_rows])
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
            rows.append(
                {
                    "model": label,
                    "fit_seconds": seconds,
                    "fit_cpu_seconds": cpu,
                    "epochs": m.estimator_.n_iter_,
                    "test_windows": len(result.origins),
                    **interval_metrics(result),
                }
            )
            print_rows(rows[-1:])
    return rows


def part_covariates(frame, borders, seed, max_epochs, only=None) -> list[dict]:
    fit_rows, test_end = borders[2], borders[3]
    val_fraction = (borders[2] - borders[1]) / borders[2]
    net = SegRNNForecaster(**CPU_PRESET, random_state=seed).set_params(max_epochs=max_epochs)
    ot, loads = frame[["OT"]], frame.drop(columns="OT")
    rows = []
    variants = [
        ("OT alone", None, None),
        ("OT + 6 loads as past covariates (MS)", loads, None),
        ("OT + calendar (hour, day of week)", None, ["hour", "dayofweek"]),
        ("all 7 channels forecast, OT scored (channel-independent MS)", "targets", None),
    ]
    for k, (label, past, calendar) in enumerate(variants):
        if only is not None and k not in only:
            continue
        if isinstance(past, str):  # the loads as more targets of the same network
            model = SeriesForecaster(
                net,
                lookback=L,
                horizon=H,
                method="residual",
                validation_fraction=val_fraction,
                scale=False,
            )
            seconds, cpu = fit_timed(model, frame.iloc[:fit_rows])
            result = backtest(model, frame.iloc[:test_end], start=fit_rows, step=1)
            err = result.y_pred[..., -1] - result.y_true[..., -1]  # OT is the last column
            rows.append(
                {
                    "model": label,
                    "fit_seconds": seconds,
                    "fit_cpu_seconds": cpu,
                    "epochs": model.estimator_.n_iter_,
                    "test_windows": len(result.origins),
                    "mse": float(np.mean(err**2)),
                    "mae": float(np.mean(np.abs(err))),
                }
            )
            print_rows(rows[-1:])
            continue
        model = SeriesForecaster(
            net,
            lookback=L,
            horizon=H,
            method="residual",
            calendar=calendar,
            validation_fraction=val_fraction,
            scale=False,
        )
        fit_past = None if past is None else past.iloc[:fit_rows]
        seconds, cpu = fit_timed(model, ot.iloc[:fit_rows], past_covariates=fit_past)
        test_past = None if past is None else past.iloc[:test_end]
        result = backtest(
            model, ot.iloc[:test_end], past_covariates=test_past, start=fit_rows, step=1
        )
        rows.append(
            {
                "model": label,
                "fit_seconds": seconds,
                "fit_cpu_seconds": cpu,
                "epochs": model.estimator_.n_iter_,
                "test_windows": len(result.origins),
                "mse": result.mse,
                "mae": result.mae,
            }
        )
        print_rows(rows[-1:])
    return rows


def print_rows(rows) -> None:
    for r in rows:
        text = " | ".join(
            f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in r.items()
        )
        print(text, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", nargs="+", default=["intervals", "covariates"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-epochs", type=int, default=10)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--rolling", type=int, default=720, help="windows of rolling calibration")
    parser.add_argument("--only", type=int, nargs="+", default=None, help="covariate variants")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "intervals.json"))
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    frame, borders = ett_frame()
    payload = {
        "lookback": L,
        "horizon": H,
        "levels": LEVELS,
        "preset": CPU_PRESET,
        "seed": args.seed,
        "load_average_before": os.getloadavg(),
    }
    for part in args.part:
        if part == "intervals":
            payload[part] = part_intervals(
                frame, borders, args.seed, args.max_epochs, rolling=args.rolling
            )
        else:
            payload[part] = part_covariates(
                frame, borders, args.seed, args.max_epochs, only=args.only
            )
    payload["load_average_after"] = os.getloadavg()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(payload, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
