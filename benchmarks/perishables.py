"""Perishables (issue 15): the newsvendor quantity against the published data-driven study.

Protocol of ``../shared/docs/NEWSVENDOR.md``: per series drop the first 27 days, split the
rest 75/25 in time order; cost pairs (cu, co) = (9,1), (7.5,2.5), (5,5), (2.5,7.5), (1,9);
score the coefficient of prescriptiveness 1 - cost / cost(SAA) on the test days, SAA being
the ``higher`` empirical quantile of the training demand (ddop @372eeb2).

Shelfwise plans each test day the evening before: its sales features read days up to
yesterday only (the study's lag windows include the day itself: a leak). It is fitted once
on the training days, like the study's models. References run in the same benchmark:

* SAA (the zero of the score);
* a practitioner's rule: the critical-ratio quantile of the last 8 same weekdays,
  re-planned every 14 days;
* the current (s, Q) plan of `engine.inventory` for the same items (lead time 1 day,
  leftovers thrown away each night, fill-rate target = the service level), fitted on the
  training days: its daily delivery is `order_now` from an empty shelf.

    python benchmarks/perishables.py                      # bakery + YAZ
    python benchmarks/perishables.py --datasets yaz --features calendar,lag
    python benchmarks/perishables.py --datasets m5 --features calendar,lag,special  # tiny M5
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from engine.inventory.plan import plan_reorders
from engine.perishables import NewsvendorRegressor, design
from engine.perishables.candidates import weighted_quantile
from engine.perishables.estimator import DEFAULT_CANDIDATES

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
COSTS = [(9, 1), (7.5, 2.5), (5, 5), (2.5, 7.5), (1, 9)]
DROP = 27
#: The study's calendar-only best mean CoP per service level (best_results_*.csv.zip,
#: regenerated in `summary_by_dataset_features_model_sl.csv`), and its leaky calendar+lag best.
STUDY_CALENDAR = {"bakery": {0.9: .353, 0.75: .363, 0.5: .339, 0.25: .294, 0.1: .167},
                  "yaz": {0.9: .089, 0.75: .103, 0.5: .074, 0.25: .064, 0.1: .044}}
STUDY_LEAKY = {"bakery": {0.9: .536, 0.75: .520, 0.5: .483, 0.25: .419, 0.1: .370},
               "yaz": {0.9: .306, 0.75: .298, 0.5: .238, 0.25: .182, 0.1: .167}}


def bakery(data: Path) -> list[dict]:
    raw = pd.read_csv(data / "bakery_chain" / "Bakery_dataset.csv.zip", index_col=0,
                      parse_dates=["date_short"])
    special = ["is_schoolholiday", "is_holiday", "is_holiday_next2days", "rain_mm",
               "temp_avg_celsius", "temp_max", "temp_min", "promotion_currentweek",
               "promotion_lastweek"]
    out = []
    for (shop, item), g in raw.sort_values("date_short").groupby(["shop_no", "product_no"]):
        y = g["demand"].to_numpy(float)
        if (y == 0).mean() >= 0.2:
            continue
        dates = pd.DatetimeIndex(g["date_short"])
        out.append({"id": f"s{shop}_p{item}", "y": y, "dates": dates,
                    "external": g[special].set_index(dates).astype(float)})
    return out


def yaz(data: Path) -> list[dict]:
    raw = pd.read_csv(data / "yaz_restaurant" / "yaz_daily_demand.csv", parse_dates=["date"])
    special = ["is_holiday", "is_closed", "wind", "clouds", "rain", "sunshine", "temperature"]
    dates = pd.DatetimeIndex(raw["date"])
    ext = raw[special].set_index(dates).astype(float)
    return [{"id": k, "y": raw[k].to_numpy(float), "dates": dates, "external": ext}
            for k in ["calamari", "fish", "shrimp", "chicken", "koefte", "lamb", "steak"]]


def m5(data: Path) -> list[dict]:
    """Tiny M5 (Walmart, 28 items x 10 stores): the series whose zero-demand share from the
    first sale is below 0.2 (the study's bakery filter), from that sale on. Not one of the
    study's M5 series (no published reference): a check on series the issue does not name.
    External: the four event types, the state's SNAP day, and the week's price."""
    folder = data / "m5_tiny"
    wide = pd.read_csv(folder / "tiny_m5_sales_train_d1_d1913.csv")
    cal = pd.read_csv(folder / "m5_calendar.csv", parse_dates=["date"]).set_index("d")
    prices = pd.read_csv(folder / "tiny_m5_sell_prices.csv")
    days = [c for c in wide.columns if c.startswith("d_")]
    cal = cal.loc[days]
    events = {t: ((cal["event_type_1"] == t) | (cal["event_type_2"] == t)).astype(float)
              for t in ("Sporting", "Cultural", "National", "Religious")}
    out = []
    for _, row in wide.iterrows():
        y = row[days].to_numpy(float)
        first = int(np.flatnonzero(y > 0)[0]) if (y > 0).any() else len(y)
        if len(y) - first < 200 or (y[first:] == 0).mean() >= 0.2:
            continue
        price = prices[(prices["store_id"] == row["store_id"]) &
                       (prices["item_id"] == row["item_id"])].set_index("wm_yr_wk")["sell_price"]
        ext = pd.DataFrame({**{f"event_{t.lower()}": v.to_numpy() for t, v in events.items()},
                            "snap": cal[f"snap_{row['state_id']}"].to_numpy(float),
                            "price": price.reindex(cal["wm_yr_wk"]).ffill().bfill().to_numpy()},
                           index=pd.DatetimeIndex(cal["date"]))
        out.append({"id": row["id"], "y": y[first:], "dates": ext.index[first:],
                    "external": ext.iloc[first:], "country": "US"})
    return out


def split(n_days: int) -> tuple[np.ndarray, np.ndarray]:
    """Target positions of the training and test days (sklearn's ceil for the test size)."""
    rows = np.arange(DROP, n_days)
    n_test = int(np.ceil(0.25 * len(rows)))
    return rows[:-n_test], rows[-n_test:]


def cost(y, q, cu, co) -> np.ndarray:
    d = np.asarray(q, float) - np.asarray(y, float)
    return np.where(d < 0, -cu * d, co * d)


def weekday_rule(y: np.ndarray, test: np.ndarray, ratio: float, every: int = 14) -> np.ndarray:
    """The critical-ratio quantile of the last 8 same weekdays, re-planned every `every` days."""
    q = np.empty(len(test))
    for i, t in enumerate(test):
        plan = test[0] + (t - test[0]) // every * every  # the re-plan day (sales before it known)
        last = t - 7 * np.arange(1, 40)
        last = last[(last < plan) & (last >= 0)][:8]
        q[i] = weighted_quantile(y[last], np.ones((1, len(last))), ratio)[0]
    return q


def sq_plan(series: list[dict], ratio: float) -> np.ndarray:
    """The daily delivery of the current (s, Q) plan from an empty shelf, per series."""
    sales = pd.concat([pd.DataFrame({"unique_id": s["id"], "ds": s["dates"][DROP:split(
        len(s["y"]))[0][-1] + 1], "y": s["y"][DROP:split(len(s["y"]))[0][-1] + 1]})
        for s in series])
    items = pd.DataFrame({"unique_id": [s["id"] for s in series], "on_hand": 0.0,
                          "lead_time": 1.0, "service_level": min(max(ratio, 0.5), 0.99)})
    plan = plan_reorders(sales, items, freq="D").set_index("unique_id")
    return plan.loc[[s["id"] for s in series], "order_now"].to_numpy(float)


def rows_of(s: dict, targets: np.ndarray, features: set[str], country: str) -> pd.DataFrame:
    X = design(s["y"], s["dates"], targets, targets - 1,
               external=s["external"] if "special" in features else None,
               country=country if "calendar" in features else None)
    if "lag" not in features:
        X = X[[c for c in X.columns if not c.startswith("lag_") and c != "horizon"]
              + ["lag_level"]]
    return X


def run(name: str, series: list[dict], features: set[str], candidates: tuple,
        selection: str, levels: set[float] | None = None,
        partial: Path | None = None) -> pd.DataFrame:
    records = []
    for cu, co in COSTS:
        ratio = cu / (cu + co)
        if levels and round(ratio, 2) not in levels:
            continue
        Xs, ys, gs, tests = [], [], [], []
        for s in series:
            train, test = split(len(s["y"]))
            Xs.append(rows_of(s, train, features, s.get("country", "DE")))
            ys.append(s["y"][train])
            gs += [s["id"]] * len(train)
            tests.append(test)
        start = time.perf_counter()
        model = NewsvendorRegressor(ratio, candidates=candidates, selection=selection).fit(
            pd.concat(Xs), np.concatenate(ys), gs)
        fit_s = time.perf_counter() - start
        delivery = sq_plan(series, ratio)
        for s, test, sq in zip(series, tests, delivery, strict=True):
            train, _ = split(len(s["y"]))
            y = s["y"][test]
            q = model.predict(rows_of(s, test, features, s.get("country", "DE")),
                              [s["id"]] * len(test))
            saa = np.quantile(s["y"][train], ratio, method="higher")
            rule = weekday_rule(s["y"], test, ratio)
            base = cost(y, np.full(len(y), saa), cu, co).mean()
            row = {"dataset": name, "series": s["id"], "sl": ratio,
                   "choice": model.choice_[s["id"]], "fit_seconds": fit_s,
                   "weights": " ".join(f"{k}={w:.1f}" for k, w in model.weights_.items())
                   + f" factor={model.factor_:.2f}"}
            for method, qq in (("shelfwise", q), ("saa", np.full(len(y), saa)),
                               ("weekday_rule", rule), ("sq_plan", np.full(len(y), sq))):
                c = cost(y, qq, cu, co).mean()
                row[f"cop_{method}"] = 1.0 if c == 0 or base == 0 else 1 - c / base
                row[f"waste_{method}"] = float(np.maximum(qq - y, 0).sum())
                row[f"lost_{method}"] = float(np.maximum(y - qq, 0).sum())
            records.append(row)
        print(f"{name} sl={ratio:.2f} fit {fit_s:.0f}s", flush=True)
        if partial:
            pd.DataFrame(records).to_csv(partial, index=False)
    return pd.DataFrame(records)


def timing(series: list[dict]) -> float:
    """Seconds for `plan_perishables` on 100 items (bakery series, 5 repeated) for 7 days."""
    from engine.perishables.plan import plan_perishables

    picked = (series * 2)[:100]
    sales = pd.concat([pd.DataFrame({"unique_id": f"item{i}", "ds": s["dates"], "y": s["y"]})
                       for i, s in enumerate(picked)])
    start = time.perf_counter()
    plan_perishables(sales, price=3.0, cost=1.0, days=7, country="DE")
    return time.perf_counter() - start


def summary(table: pd.DataFrame) -> pd.DataFrame:
    cols = ["cop_shelfwise", "cop_weekday_rule", "cop_sq_plan"]
    out = table.groupby(["dataset", "sl"])[cols].mean()
    for key, ref in (("study_calendar", STUDY_CALENDAR), ("study_leaky", STUDY_LEAKY)):
        out[key] = [ref.get(d, {}).get(round(s, 2), np.nan) for d, s in out.index]
    units = table.groupby(["dataset", "sl"])[[c for c in table.columns if
                                              c.startswith(("waste_", "lost_"))]].sum()
    for what in ("waste", "lost"):
        out[f"{what}_vs_saa"] = units[f"{what}_shelfwise"] / units[f"{what}_saa"] - 1
        out[f"{what}_vs_sq"] = units[f"{what}_shelfwise"] / units[f"{what}_sq_plan"] - 1
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--datasets", default="bakery,yaz")
    parser.add_argument("--features", default="calendar,lag;calendar,lag,special",
                        help="feature sets separated by ';'")
    parser.add_argument("--candidates", default=",".join(DEFAULT_CANDIDATES))
    parser.add_argument("--sl", help="service levels to run, e.g. 0.9,0.5 (default all)")
    parser.add_argument("--selection", default="blend", choices=("blend", "item", "all"))
    parser.add_argument("--out", type=Path, default=Path("/tmp/perishables_bench.csv"))
    parser.add_argument("--timing", action="store_true")
    args = parser.parse_args()
    loaders = {"bakery": bakery, "yaz": yaz, "m5": m5}
    tables = []
    for name in args.datasets.split(","):
        series = loaders[name](args.data)
        print(f"{name}: {len(series)} series", flush=True)
        if args.timing:
            print(json.dumps({"plan_100_items_7_days_seconds": round(timing(series), 1)}))
            return
        for fs in args.features.split(";"):
            levels = {float(v) for v in args.sl.split(",")} if args.sl else None
            t = run(name, series, set(fs.split(",")), tuple(args.candidates.split(",")),
                    args.selection, levels, partial=args.out.with_suffix(".partial.csv"))
            t["features"] = fs
            tables.append(t)
            pd.concat(tables).to_csv(args.out, index=False)
    table = pd.concat(tables)
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        for fs, t in table.groupby("features"):
            print(f"\nfeatures: {fs}")
            print(summary(t).round(3))
            print(t.groupby(["dataset", "choice"]).size())
            print(t.groupby(["dataset", "sl"])["weights"].first().to_string())


if __name__ == "__main__":
    main()
