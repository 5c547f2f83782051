"""Benchmark `engine.anomalies`: anomalies injected into real daily series, against two peers.

Real daily series (as a shop has them: one row per trading day):

* Pizza revenue: a US pizza place, 2015 (`pizza_orders`: quantity x price per order date;
  358 trading days), holidays of `US`.
* Bakery shops: three shops of a German bakery chain (`bakery_chain`, shops 2, 3 and 4, the
  demand of their three products summed per day; 1,215 days each), holidays of `DE-BW`.
* Restaurant demand: Yaz, Stuttgart (`yaz_restaurant`, the seven main ingredients summed per
  day; 765 days, 5 closed days), holidays of `DE-BW`.

Each seed injects into every series, away from public holidays, zero days and the first and
last week: single-day drops (the day x U(0.2, 0.5)), single-day spikes (x U(2, 3.5)) and
week-long drops (7 consecutive days x 0.55). Single-day precision / recall / F1 count the
single-day injections as the truth; flags inside an injected week are neither hits nor false
alarms for them, every other flag is a false alarm (real closures included). A week-long drop
is caught when at least one of its days is flagged; the share of its days flagged is shown
too. Peers, same threshold (3.5), same copies, same run: a same-weekday robust z-score (the
day against the median and MAD of the same weekday in the 4 weeks either side) and an STL
robust z-score (statsmodels STL, period 7, robust, on the residuals' median and MAD).

Also reported, on the untouched series: public holidays out of line, and how many of them
each method flags (Shelfwise names them in `reason` and keeps `anomaly` false).

    benchmarks/.venv/bin/python benchmarks/anomalies.py --data ../shared/data --runs 10
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

from engine.anomalies import detect_anomalies, holiday_calendar

ROOT = Path(__file__).resolve().parent.parent
THRESHOLD = 3.5
MAD_TO_SD = 1.4826


def pizza(data: Path) -> pd.DataFrame:
    folder = data / "pizza_orders"
    lines = pd.read_csv(folder / "order_details.csv").merge(
        pd.read_csv(folder / "pizzas.csv"), on="pizza_id").merge(
        pd.read_csv(folder / "orders.csv"), on="order_id")
    revenue = (lines["quantity"] * lines["price"]).groupby(lines["date"]).sum()
    return pd.DataFrame({"ds": pd.to_datetime(revenue.index), "amount": revenue.to_numpy()})


def bakery(data: Path, shop: int) -> pd.DataFrame:
    raw = pd.read_csv(data / "bakery_chain" / "Bakery_dataset.csv.zip", index_col=0)
    per_day = raw[raw["shop_no"] == shop].groupby("date_short")["demand"].sum()
    return pd.DataFrame({"ds": pd.to_datetime(per_day.index), "amount": per_day.to_numpy()})


def yaz(data: Path) -> pd.DataFrame:
    raw = pd.read_csv(data / "yaz_restaurant" / "yaz_daily_demand.csv")
    items = ["calamari", "fish", "shrimp", "chicken", "koefte", "lamb", "steak"]
    return pd.DataFrame({"ds": pd.to_datetime(raw["date"]),
                         "amount": raw[items].sum(axis=1).astype(float)})


def inject(frame: pd.DataFrame, rng: np.random.Generator, blocked: np.ndarray, n_drops: int,
           n_spikes: int, n_weeks: int) -> tuple[pd.DataFrame, dict[int, str], list[range]]:
    """A copy with anomalies injected, {row: kind} of single days, and the injected weeks."""
    amount = frame["amount"].to_numpy(float).copy()
    n = len(amount)
    taken = blocked.copy()
    taken[:7] = taken[-7:] = True

    def free(width: int) -> range:
        for _ in range(5000):
            start = int(rng.integers(0, n - width))
            if not taken[max(0, start - 4):start + width + 4].any():
                taken[start:start + width] = True
                return range(start, start + width)
        raise RuntimeError("series too short for the injections")

    weeks = []
    for _ in range(n_weeks):
        block = free(7)
        amount[block.start:block.stop] *= 0.55
        weeks.append(block)
    singles = {}
    for kind, count, low, high in (("drop", n_drops, 0.2, 0.5), ("spike", n_spikes, 2.0, 3.5)):
        for _ in range(count):
            (i,) = free(1)
            amount[i] *= rng.uniform(low, high)
            singles[i] = kind
    return frame.assign(amount=amount.round(2)), singles, weeks


def holidays_in(frame: pd.DataFrame, country: str) -> np.ndarray:
    names = holiday_calendar(country, frame["ds"])
    return np.array([d in names for d in frame["ds"].dt.date], dtype=bool)


def same_weekday_z(frame: pd.DataFrame) -> np.ndarray:
    """|day - median of the same weekday 4 weeks either side| / (1.4826 MAD) > threshold."""
    values = pd.Series(frame["amount"].to_numpy(float), index=frame["ds"])
    flags = np.zeros(len(values), bool)
    for i, (day, value) in enumerate(values.items()):
        around = [day + pd.Timedelta(weeks=k) for k in range(-4, 5) if k]
        ref = values.reindex(around).dropna().to_numpy()
        if len(ref) < 3:
            continue
        med = np.median(ref)
        mad = MAD_TO_SD * np.median(np.abs(ref - med))
        flags[i] = abs(value - med) > THRESHOLD * max(mad, 1e-9)
    return flags


def stl_z(frame: pd.DataFrame) -> np.ndarray:
    """STL (period 7, robust) residuals' robust z-score > threshold."""
    from statsmodels.tsa.seasonal import STL

    resid = STL(frame["amount"].to_numpy(float), period=7, robust=True).fit().resid
    med = np.median(resid)
    mad = MAD_TO_SD * np.median(np.abs(resid - med))
    return np.abs(resid - med) > THRESHOLD * max(mad, 1e-9)


METHODS = {"Shelfwise": None, "same-weekday robust z": same_weekday_z, "STL robust z": stl_z}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data",
                        help="folder holding the data sets (default: ../shared/data)")
    parser.add_argument("--runs", type=int, default=10, help="random seeds")
    parser.add_argument("--first-seed", type=int, default=0)
    args = parser.parse_args()
    series = [("pizza revenue", pizza(args.data), "US")]
    series += [(f"bakery shop {s}", bakery(args.data, s), "DE-BW") for s in (2, 3, 4)]
    series += [("Yaz restaurant", yaz(args.data), "DE-BW")]

    print("Holidays on the untouched series (out of line: Shelfwise score above the threshold):\n")
    print("| series | days | public holidays | out of line | Shelfwise: anomaly false, "
          "holiday named | same-weekday z flags | STL z flags | Shelfwise flags (untouched) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, frame, country in series:
        out = detect_anomalies(frame, country=country)
        is_holiday = holidays_in(frame, country)
        out_of_line = is_holiday & (out["score"].to_numpy() > THRESHOLD)
        named = out_of_line & ~out["anomaly"].to_numpy() & out["reason"].str.contains(":")
        peers = {k: f(frame) for k, f in METHODS.items() if f is not None}
        print(f"| {name} | {len(frame):,} | {is_holiday.sum()} | {out_of_line.sum()} | "
              f"{named.sum()} | {(peers['same-weekday robust z'] & is_holiday).sum()} | "
              f"{(peers['STL robust z'] & is_holiday).sum()} | {int(out['anomaly'].sum())} |")

    tally = {m: defaultdict(float) for m in METHODS}
    by_series = {m: defaultdict(lambda: defaultdict(float)) for m in METHODS}
    seconds = 0.0
    for seed in range(args.first_seed, args.first_seed + args.runs):
        rng = np.random.default_rng(seed)
        for name, frame, country in series:
            blocked = holidays_in(frame, country) | (frame["amount"].to_numpy() <= 0)
            copy, singles, weeks = inject(frame, rng, blocked, 4, 4, 2)
            start = time.perf_counter()
            engine = detect_anomalies(copy, country=country)["anomaly"].to_numpy(bool)
            seconds += time.perf_counter() - start
            in_week = np.zeros(len(copy), bool)
            for block in weeks:
                in_week[block.start:block.stop] = True
            truth = np.zeros(len(copy), bool)
            truth[list(singles)] = True
            for method, peer in METHODS.items():
                flags = engine if peer is None else peer(copy)
                counts = {"tp": (flags & truth).sum(), "fp": (flags & ~truth & ~in_week).sum(),
                          "fn": (~flags & truth).sum(),
                          "weeks": len(weeks),
                          "weeks_caught": sum(flags[b.start:b.stop].any() for b in weeks),
                          "week_days": 7 * len(weeks),
                          "week_days_flagged": sum(flags[b.start:b.stop].sum() for b in weeks)}
                for key, value in counts.items():
                    tally[method][key] += float(value)
                    by_series[method][name][key] += float(value)

    def line(label: str, t: dict) -> str:
        precision = t["tp"] / max(t["tp"] + t["fp"], 1)
        recall = t["tp"] / max(t["tp"] + t["fn"], 1)
        f1 = 2 * precision * recall / max(precision + recall, 1e-12)
        return (f"| {label} | {precision:.2f} | {recall:.2f} | {f1:.2f} | "
                f"{t['weeks_caught'] / t['weeks']:.0%} | "
                f"{t['week_days_flagged'] / t['week_days']:.0%} |")

    print(f"\nInjected, seeds {args.first_seed}..{args.first_seed + args.runs - 1}, per series "
          "and seed: 4 single-day drops, 4 single-day spikes, 2 week-long drops to 55%.\n")
    print("| method | single-day precision | recall | F1 | week-long drops caught | "
          "their days flagged |")
    print("|---|---:|---:|---:|---:|---:|")
    for method in METHODS:
        print(line(method, tally[method]))
    print("\nPer series:\n")
    print("| series / method | single-day precision | recall | F1 | week-long drops caught | "
          "their days flagged |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, _, _ in series:
        for method in METHODS:
            print(line(f"{name}: {method}", by_series[method][name]))
    print(f"\nShelfwise: {seconds / args.runs:.2f} s per seed for all {len(series)} series.")


if __name__ == "__main__":
    main()
