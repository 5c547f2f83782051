"""Forecast accuracy, interval coverage, speed and stability: Shelfwise against statsforecast.

Every data set is laid out as a shop's sales file: each series ends on the file's last date
(its own start kept), and the last `h` periods are held out. Every model forecasts the same
series in the same run. Per data set the table gives MASE (test MAE over the series' in-sample
one-step naive MAE, averaged over series), the share of held-out actuals inside the 80% and 95%
intervals (models that give them), series per second on one core, and for Shelfwise the number
of series whose model family changes when the horizon moves by 2 either way.
`--backtests N` also cuts every data set 1..N horizons earlier (as if the file had been
exported then) and compares with the fast peers there, so that a change is not judged on one
test window alone.

    benchmarks/.venv/bin/python -u benchmarks/forecast.py --data ../shared/data --backtests 2

Needs statsforecast (its own venv: `pip install -r benchmarks/requirements.txt`, plus this
project with --no-deps). Peer forecasts are cached under `--cache` (keyed by data set, model
and series count) so that re-runs of Shelfwise alone are quick; `--fresh` recomputes them.
"""

from __future__ import annotations

import argparse
import os
import pickle
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
    AutoARIMA,
    AutoETS,
    AutoTheta,
    CrostonSBA,
    HistoricAverage,
    Naive,
    SeasonalNaive,
)

from engine.forecasting import forecast, forecast_values  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
END = {"D": "2024-06-30", "MS": "2024-06-01", "W-SUN": "2024-06-30"}


class DataSet:
    """Series (oldest first, each ending on the file's last date) and their held-out actuals."""

    def __init__(self, name, ids, histories, actual, freq, m):
        keep = [_usable(y) for y in histories]
        self.name, self.freq, self.m = name, freq, m
        self.ids = np.asarray(ids, dtype=str)[keep]
        self.histories = [y for y, k in zip(histories, keep, strict=True) if k]
        self.actual = np.asarray(actual, dtype=float)[keep]
        self.h = self.actual.shape[1]

    def sales(self) -> pd.DataFrame:
        """The long `unique_id, ds, y` sales file; every series ends on the same date."""
        end = pd.Timestamp(END[self.freq])
        longest = max(len(y) for y in self.histories)
        dates = pd.date_range(end=end, periods=longest, freq=self.freq)
        return pd.DataFrame({
            "unique_id": np.repeat(self.ids, [len(y) for y in self.histories]),
            "ds": np.concatenate([dates[longest - len(y):] for y in self.histories]),
            "y": np.concatenate(self.histories)})

    def scale(self) -> np.ndarray:
        return np.array([np.abs(np.diff(y)).mean() for y in self.histories])


def earlier(data: DataSet, origin: int) -> DataSet:
    """The same series cut `origin` horizons earlier: the h periods before the held-out ones
    (or before those) become the test, as if the file had been exported then."""
    h = data.h
    full = [np.concatenate([y, a]) for y, a in zip(data.histories, data.actual, strict=True)]
    keep = [len(y) > (origin + 1) * h + 2 for y in full]
    ids = data.ids[keep]
    full = [y for y, k in zip(full, keep, strict=True) if k]
    histories = [y[:len(y) - (origin + 1) * h] for y in full]
    actual = np.array([y[len(y) - (origin + 1) * h:len(y) - origin * h] for y in full])
    name = f"{data.name}, {origin} horizon{'s' if origin > 1 else ''} earlier"
    return DataSet(name, ids, histories, actual.reshape(len(histories), h), data.freq, data.m)


def _usable(y: np.ndarray) -> bool:
    """A sale before the hold-out and a non-zero naive error (MASE defined)."""
    return len(y) > 2 and np.abs(np.diff(y)).mean() > 0


def _from_first_sale(rows: np.ndarray) -> list[np.ndarray]:
    out = []
    for row in rows:
        row = row[~np.isnan(row)]
        sold = np.flatnonzero(row > 0)
        out.append(row[sold[0]:] if sold.size else row[-1:])
    return out


def load_m5(data: Path, rng) -> DataSet:
    """M5 item-store daily units: the last 730 days from each item's first sale, h=28."""
    folder = data / "m5_tiny"
    train = pd.read_csv(folder / "tiny_m5_sales_train_d1_d1913.csv")
    test = pd.read_csv(folder / "tiny_m5_sales_test_d1914_d1941.csv")
    test.index = test["item_id"] + "_" + test["store_id"]
    days = [c for c in train.columns if c.startswith("d_")]
    histories = [y[-730:] for y in _from_first_sale(train.set_index("id")[days].to_numpy(float))]
    actual = test.loc[train["id"], [c for c in test.columns if c.startswith("d_")]]
    return DataSet("M5 item-store daily (last 730 days)", train["id"], histories,
                   actual.to_numpy(float), "D", 7)


def _carparts_wide(data: Path) -> pd.DataFrame:
    wide = pd.read_csv(data / "carparts" / "carparts_wide.csv").drop(columns="month")
    return wide.loc[:, wide.notna().all()]


def _carparts(name, wide) -> DataSet:
    values = wide.to_numpy(float).T
    return DataSet(name, wide.columns, _from_first_sale(values[:, :-12]), values[:, -12:],
                   "MS", 12)


def load_carparts(data: Path, rng) -> DataSet:
    """Car parts monthly, every complete series, h=12."""
    return _carparts("Car parts monthly (all)", _carparts_wide(data))


def carparts_sample(seed: int):
    def load(data: Path, rng) -> DataSet:
        wide = _carparts_wide(data)
        cols = np.random.default_rng(seed).choice(wide.shape[1], 800, replace=False)
        return _carparts(f"Car parts monthly (800 sampled, seed {seed})", wide.iloc[:, cols])
    load.__doc__ = f"Car parts monthly, 800 random series (seed {seed}), h=12."
    return load


def load_m3(data: Path, rng) -> DataSet:
    """M3 monthly, all 1,428 series, h=18."""
    train = pd.read_csv(data / "m3" / "m3_monthly_train.csv")
    test = pd.read_csv(data / "m3" / "m3_monthly_test.csv").set_index("series")
    cols = [c for c in train.columns if c.startswith("y")]
    histories = [row[~np.isnan(row)] for row in train[cols].to_numpy(float)]
    actual = test.loc[train["series"], [f"h{i}" for i in range(1, 19)]].to_numpy(float)
    return DataSet("M3 monthly", train["series"], histories, actual, "MS", 12)


def load_m4_weekly(data: Path, rng) -> DataSet:
    """M4 weekly, all 359 series, h=13."""
    train = pd.read_csv(data / "m4" / "Weekly-train.csv").set_index("V1")
    test = pd.read_csv(data / "m4" / "Weekly-test.csv").set_index("V1").loc[train.index]
    histories = [row[~np.isnan(row)] for row in train.to_numpy(float)]
    return DataSet("M4 weekly", train.index, histories, test.to_numpy(float), "W-SUN", 52)


def load_breadbasket(data: Path, rng) -> DataSet:
    """Bread Basket bakery: daily units per item, h=28."""
    lines = pd.read_csv(data / "breadbasket" / "BreadBasket_DMS.csv")
    lines = lines[lines["Item"] != "NONE"]
    lines["ds"] = pd.to_datetime(lines["Date"], format="%d-%m-%Y")
    days = pd.date_range(lines["ds"].min(), lines["ds"].max(), freq="D")
    wide = lines.groupby(["Item", "ds"]).size().unstack(fill_value=0).reindex(
        columns=days, fill_value=0)
    values = wide.to_numpy(float)
    return DataSet("Bread Basket daily items", wide.index, _from_first_sale(values[:, :-28]),
                   values[:, -28:], "D", 7)


def load_hospital(data: Path, rng) -> DataSet:
    """Hospital monthly patient counts, 767 series, h=12."""
    wide = pd.read_csv(data / "hospital" / "hospital_wide.csv").drop(columns="month")
    values = wide.to_numpy(float).T
    return DataSet("Hospital monthly", wide.columns, list(values[:, :-12]), values[:, -12:],
                   "MS", 12)


def load_jewelry(data: Path, rng) -> DataSet:
    """Jewelry weekly item sales, 314 series, h=12."""
    wide = pd.read_csv(data / "jewelry" / "jewelry_wide.csv").drop(columns=["year", "week"])
    values = wide.to_numpy(float).T
    return DataSet("Jewelry weekly", wide.columns, list(values[:, :-12]), values[:, -12:],
                   "W-SUN", 52)


LOADERS = {
    "m5": load_m5, "carparts": load_carparts, "carparts_a": carparts_sample(1),
    "carparts_b": carparts_sample(2), "carparts_c": carparts_sample(3), "m3": load_m3,
    "m4weekly": load_m4_weekly, "breadbasket": load_breadbasket, "hospital": load_hospital,
    "jewelry": load_jewelry,
}
MONTHLY_ARIMA = {"m3", "hospital"}


def peers(key: str, m: int, fast_only: bool = False) -> list:
    """The statsforecast peers of a data set; `fast_only`: without AutoETS, AutoTheta and
    AutoARIMA (the backtests at earlier origins, where those would take hours)."""
    models = [AutoETS(season_length=m), AutoTheta(season_length=m), SeasonalNaive(m), Naive(),
              HistoricAverage(), CrostonSBA(), TSB(0.1, 0.1), ADIDA(), IMAPA()]
    if key in MONTHLY_ARIMA:
        models.append(AutoARIMA(season_length=m))
    if fast_only:
        models = [p for p in models if not isinstance(p, AutoETS | AutoTheta | AutoARIMA)]
    return models


def run_peer(model, data: DataSet, sales: pd.DataFrame, cache: Path, key: str, fresh: bool):
    """Forecast paths, 80/95 bounds (or None) and seconds of one statsforecast model, cached."""
    path = cache / f"{key}_{model}_{len(data.ids)}.pkl"
    if path.exists() and not fresh:
        return pickle.loads(path.read_bytes())
    with_level = not isinstance(model, CrostonSBA | TSB | ADIDA | IMAPA)
    began = time.perf_counter()
    out = StatsForecast(models=[model], freq=data.freq, n_jobs=1,
                        fallback_model=Naive()).forecast(df=sales, h=data.h,
                                                         level=[80, 95] if with_level else None)
    seconds = time.perf_counter() - began
    out = out.set_index("unique_id").loc[data.ids]
    alias = str(model)

    def grid(col):
        return out[col].to_numpy(float).reshape(-1, data.h)

    result = {"mean": grid(alias), "seconds": seconds, "bounds": None}
    if with_level:
        result["bounds"] = {lv: (grid(f"{alias}-lo-{lv}"), grid(f"{alias}-hi-{lv}"))
                            for lv in (80, 95)}
    cache.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(result))
    return result


def coverage(actual, bounds, lv) -> float:
    if bounds is None:
        return np.nan
    lo, hi = bounds[lv]
    return float(np.mean((actual >= lo) & (actual <= hi)))


def mase(data: DataSet, pred: np.ndarray) -> float:
    return float(np.mean(np.abs(data.actual - pred).mean(axis=1) / data.scale()))


def family_flips(sales: pd.DataFrame, data: DataSet, base: pd.Series) -> int:
    """Series whose model family differs between horizons h-2, h and h+2."""
    labels = [base]
    for h in (max(1, data.h - 2), data.h + 2):
        out = forecast(sales, h, freq=data.freq, season_length=data.m, level=[95])
        out.attrs = {}  # returns/partial-period notes: not needed, and concat compares them
        labels.append(out.groupby("unique_id", sort=False)["model"].first())
    frame = pd.concat(labels, axis=1)
    return int((frame.nunique(axis=1) > 1).sum())


def run_dataset(key: str, data_dir: Path, cache: Path, fresh: bool, flips: bool,
                cached_only: bool = False, origin: int = 0) -> list[dict]:
    data = LOADERS[key](data_dir, None)
    if origin:
        data, key, flips, cached_only = earlier(data, origin), f"{key}@{origin}", False, False
    sales = data.sales()
    last = np.array([y[-1] for y in data.histories])
    rows = []
    began = time.perf_counter()
    ours = forecast(sales, data.h, freq=data.freq, season_length=data.m, level=[80, 95])
    seconds = time.perf_counter() - began
    ours.attrs = {}
    ours = ours.set_index("unique_id").loc[data.ids]

    def grid(col):
        return ours[col].to_numpy(float).reshape(-1, data.h)

    bounds = {lv: (grid(f"lo_{lv}"), grid(f"hi_{lv}")) for lv in (80, 95)}
    model = ours.groupby(level=0, sort=False)["model"].first()
    rows.append({"model": "Shelfwise", "MASE": mase(data, grid("forecast")),
                 "cover 80%": coverage(data.actual, bounds, 80),
                 "cover 95%": coverage(data.actual, bounds, 95),
                 "series/s": len(data.ids) / seconds})
    if flips:
        rows[0]["family flips h±2"] = family_flips(sales, data, model)
    for peer in peers(key, data.m, fast_only=bool(origin)):
        if cached_only and not (cache / f"{key}_{peer}_{len(data.ids)}.pkl").exists():
            continue
        out = run_peer(peer, data, sales, cache, key, fresh)
        pred = np.maximum(out["mean"], 0)
        missing = np.isnan(pred)  # SeasonalNaive on less than a season: the last value
        pred[missing] = np.broadcast_to(last[:, None], pred.shape)[missing]
        rows.append({"model": str(peer), "MASE": mase(data, pred),
                     "cover 80%": coverage(data.actual, out["bounds"], 80),
                     "cover 95%": coverage(data.actual, out["bounds"], 95),
                     "series/s": len(data.ids) / out["seconds"]})
    table = pd.DataFrame(rows)
    best = table["MASE"].iloc[1:].min()
    ets = table.loc[table["model"] == "AutoETS", "series/s"].max()
    print(f"\n### {data.name}: {len(data.ids)} series, horizon {data.h}, season {data.m}\n")
    print(table.to_markdown(index=False, floatfmt=".3f"))
    speed = (f"throughput / AutoETS: {table['series/s'].iloc[0] / ets:.1f}x; " if not origin
             else "fast peers only; ")
    print(f"\nShelfwise MASE / best {'fast ' if origin else ''}peer: "
          f"{table['MASE'].iloc[0] / best:.3f}; {speed}"
          f"models: {model.value_counts().to_dict()}", flush=True)
    return rows


def yearly_season_check() -> str:
    """FORECAST_DEMAND on 104 weeks with a yearly peak: does the forecast follow it?"""
    rng = np.random.default_rng(0)
    season = 1 + 0.6 * np.exp(-0.5 * ((np.arange(104) % 52 - 47) / 2.5) ** 2)
    weeks = rng.poisson(30 * season).astype(float)
    out = forecast_values(weeks, 52)
    corr = np.corrcoef(out["forecast"], season[:52])[0, 1]
    began = time.perf_counter()
    for _ in range(10):
        forecast_values(weeks, 12)
    ms = 100 * (time.perf_counter() - began)
    return (f"FORECAST_DEMAND, 104 weeks with a Christmas peak, 52 ahead: model "
            f"'{out['model'].iloc[0]}', correlation with the true season {corr:.2f}, "
            f"peak week forecast {out['forecast'].max():.1f} vs quiet weeks "
            f"{out['forecast'].median():.1f}; {ms:.0f} ms per 12-week call")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--only", choices=list(LOADERS), action="append")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/shelfwise_forecast_peers"))
    parser.add_argument("--fresh", action="store_true", help="recompute cached peer forecasts")
    parser.add_argument("--no-flips", action="store_true", help="skip the h±2 stability runs")
    parser.add_argument("--peers-only", action="store_true", help="only fill the peer cache")
    parser.add_argument("--cached-only", action="store_true",
                        help="compare with cached peers only (quick re-runs)")
    parser.add_argument("--backtests", type=int, default=0, metavar="N",
                        help="also cut each data set 1..N horizons earlier (fast peers only)")
    args = parser.parse_args()
    for key in args.only or list(LOADERS):
        if args.peers_only:
            data = LOADERS[key](args.data, None)
            for peer in peers(key, data.m):
                out = run_peer(peer, data, data.sales(), args.cache, key, args.fresh)
                print(key, peer, f"{out['seconds']:.1f}s", flush=True)
            continue
        run_dataset(key, args.data, args.cache, args.fresh, not args.no_flips, args.cached_only)
        for origin in range(1, args.backtests + 1):
            run_dataset(key, args.data, args.cache, args.fresh, False, origin=origin)
    print("\n" + yearly_season_check())


if __name__ == "__main__":
    main()
