"""Forecast accuracy, interval coverage and speed: Shelfwise against statsforecast's models.

Runs every model on the same real series in one run and prints a Markdown table per data set:
MASE (test MAE scaled by the in-sample naive MAE of the series, averaged over series),
95% interval coverage where a model gives intervals, and series per second (one core).

    python benchmarks/forecast.py --data ../shared/data

Needs statsforecast, which caps pandas below 3: run it from the benchmark environment
(`pip install -r benchmarks/requirements.txt` in its own venv, plus this project with --no-deps).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("NIXTLA_ID_AS_COL", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from statsforecast import StatsForecast  # noqa: E402
from statsforecast.models import (  # noqa: E402
    ADIDA,
    IMAPA,
    TSB,
    AutoETS,
    CrostonSBA,
    HistoricAverage,
    Naive,
    SeasonalNaive,
)

from engine.forecasting import forecast, forecast_values  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def load_m5(data: Path):
    """M5 item-store daily units (280 series), the official 28-day hold-out."""
    folder = data / "m5_tiny"
    train = pd.read_csv(folder / "tiny_m5_sales_train_d1_d1913.csv")
    test = pd.read_csv(folder / "tiny_m5_sales_test_d1914_d1941.csv")
    test.index = test["item_id"] + "_" + test["store_id"]
    days = [c for c in train.columns if c.startswith("d_")]
    wide = train.set_index("id")[days].to_numpy(float)
    actual = test.loc[train["id"], [c for c in test.columns if c.startswith("d_")]].to_numpy(float)
    return train["id"].to_numpy(), wide, actual, "2011-01-29", "D", 7


def load_carparts(data: Path):
    """Car parts monthly (complete series), the last 12 months held out."""
    wide = pd.read_csv(data / "carparts" / "carparts_wide.csv").drop(columns="month")
    wide = wide.loc[:, wide.notna().all()]
    values = wide.to_numpy(float).T
    return wide.columns.to_numpy(), values[:, :-12], values[:, -12:], "1998-01-01", "MS", 12


def load_breadbasket(data: Path):
    """Bread Basket bakery: daily units per item, the last 28 days held out."""
    lines = pd.read_csv(data / "breadbasket" / "BreadBasket_DMS.csv")
    lines = lines[lines["Item"] != "NONE"]
    lines["ds"] = pd.to_datetime(lines["Date"], format="%d-%m-%Y")
    days = pd.date_range(lines["ds"].min(), lines["ds"].max(), freq="D")
    wide = lines.groupby(["Item", "ds"]).size().unstack(fill_value=0).reindex(
        columns=days, fill_value=0)
    values = wide.to_numpy(float)
    return wide.index.to_numpy(), values[:, :-28], values[:, -28:], str(days[0].date()), "D", 7


def usable(train: np.ndarray) -> np.ndarray:
    """Series with a sale before the hold-out and a non-zero naive error (MASE defined)."""
    keep = []
    for row in train:
        active = row[np.argmax(row > 0):] if (row > 0).any() else row[:0]
        keep.append(active.size > 2 and np.abs(np.diff(active)).mean() > 0)
    return np.array(keep)


def long_table(ids, train, start, freq) -> pd.DataFrame:
    """Long unique_id/ds/y table, each series starting at its first sale (not yet listed before)."""
    dates = pd.date_range(start, periods=train.shape[1], freq=freq)
    frames = []
    for uid, row in zip(ids, train, strict=True):
        first = int(np.argmax(row > 0))
        frames.append(pd.DataFrame({"unique_id": uid, "ds": dates[first:], "y": row[first:]}))
    return pd.concat(frames, ignore_index=True)


def mase(train_long: pd.DataFrame, actual: np.ndarray, predicted: np.ndarray) -> float:
    scale = train_long.groupby("unique_id", sort=False)["y"].apply(
        lambda y: np.abs(np.diff(y.to_numpy())).mean()).to_numpy()
    return float(np.mean(np.abs(actual - predicted).mean(axis=1) / scale))


def coverage(actual, lo, hi) -> float:
    return float(np.mean((actual >= lo) & (actual <= hi)))


def run_dataset(name, loader, data: Path) -> list[dict]:
    ids, train, actual, start, freq, m = loader(data)
    keep = usable(train)
    ids, train, actual = ids[keep], train[keep], actual[keep]
    h = actual.shape[1]
    sales = long_table(ids, train, start, freq)
    order = pd.Index(ids)
    last_value = sales.groupby("unique_id", sort=False)["y"].last().loc[order].to_numpy()
    rows = []

    began = time.perf_counter()
    ours = forecast(sales, h, freq=freq, season_length=m, level=[95])
    seconds = time.perf_counter() - began
    ours = ours.set_index("unique_id").loc[order]
    pred = ours["forecast"].to_numpy().reshape(-1, h)
    lo, hi = ours["lo_95"].to_numpy().reshape(-1, h), ours["hi_95"].to_numpy().reshape(-1, h)
    rows.append({"model": "Shelfwise (auto)", "MASE": mase(sales, actual, pred),
                 "coverage 95%": coverage(actual, lo, hi), "series/s": len(ids) / seconds})

    peers = [SeasonalNaive(m), Naive(), HistoricAverage(), CrostonSBA(), TSB(0.1, 0.1),
             ADIDA(), IMAPA(), AutoETS(season_length=m)]
    for model in peers:
        with_level = isinstance(model, SeasonalNaive | Naive | HistoricAverage | AutoETS)
        began = time.perf_counter()
        out = StatsForecast(models=[model], freq=freq, n_jobs=1, fallback_model=Naive()).forecast(
            df=sales, h=h, level=[95] if with_level else None)
        seconds = time.perf_counter() - began
        out = out.set_index("unique_id").loc[order]
        alias = str(model)
        pred = np.maximum(out[alias].to_numpy().reshape(-1, h), 0)
        missing = np.isnan(pred)  # e.g. SeasonalNaive on less than a season: use the last value
        pred[missing] = np.broadcast_to(last_value[:, None], pred.shape)[missing]
        row = {"model": alias, "MASE": mase(sales, actual, pred), "coverage 95%": np.nan,
               "series/s": len(ids) / seconds}
        if with_level:
            row["coverage 95%"] = coverage(actual, out[f"{alias}-lo-95"].to_numpy().reshape(-1, h),
                                           out[f"{alias}-hi-95"].to_numpy().reshape(-1, h))
        rows.append(row)
    print(f"\n### {name}: {len(ids)} series, horizon {h}, season {m}\n", flush=True)
    print(pd.DataFrame(rows).to_markdown(index=False, floatfmt=".3f"), flush=True)
    return rows


def excel_latency(repeats: int = 30) -> float:
    """Median milliseconds of one warm 104-week FORECAST_DEMAND-sized call."""
    rng = np.random.default_rng(0)
    weeks = rng.poisson(30 * (1 + 0.4 * np.sin(2 * np.pi * np.arange(104) / 52))).astype(float)
    forecast_values(weeks, 12)
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        forecast_values(weeks, 12)
        times.append(time.perf_counter() - began)
    return 1000 * float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data",
                        help="folder holding m5_tiny/, carparts/ and breadbasket/")
    parser.add_argument("--only", choices=["m5", "carparts", "breadbasket"], action="append")
    args = parser.parse_args()
    loaders = {"m5": ("M5 item-store daily", load_m5),
               "carparts": ("Car parts monthly", load_carparts),
               "breadbasket": ("Bread Basket daily items", load_breadbasket)}
    for key in args.only or list(loaders):
        run_dataset(*loaders[key], args.data)
    print(f"\nFORECAST_DEMAND, 104 weeks, horizon 12, warm: {excel_latency():.1f} ms (median)")


if __name__ == "__main__":
    main()
