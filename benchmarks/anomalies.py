"""Benchmark `engine.anomalies`: recall and precision on known anomalies injected into real data.

Three tracks, each repeated over `--runs` random seeds; a naive peer (global z-score > 3
per series: |amount - mean| / standard deviation) is scored on the same copies in the
same run.

* Bread Basket: items sold per trading day (rows summed per date, placeholder item NONE
  left out), a revenue proxy for a small bakery (159 days, closed days absent).
* Superstore daily: sales summed per order date (1,2xx days with orders).
  Injected into both: spikes (a day x U(2, 4)), drops (a day x U(0, 0.4)) and level shifts
  (7 consecutive days x U(1.6, 2.0) or x U(0.3, 0.5)); every touched day is a true anomaly.
* Superstore lines: every order line as an expense line (series = category, payee =
  customer name, amount = sales). Injected: duplicate payments (a random line repeated
  0-3 days later) and outsized lines (a line x 10).

    /work/main/.venv/bin/python benchmarks/anomalies.py --data ../shared/data
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

from engine.anomalies import detect_anomalies

ROOT = Path(__file__).resolve().parent.parent


def breadbasket(data: Path) -> pd.DataFrame:
    raw = pd.read_csv(data / "breadbasket" / "BreadBasket_DMS.csv")
    raw = raw[raw["Item"] != "NONE"]
    days = pd.to_datetime(raw["Date"], format="%d-%m-%Y")
    per_day = days.value_counts().sort_index()
    return pd.DataFrame({"ds": per_day.index, "amount": per_day.to_numpy(float)})


def superstore_lines(data: Path) -> pd.DataFrame:
    raw = pd.read_csv(data / "superstore" / "Sample - Superstore.csv", encoding="utf-8-sig")
    return pd.DataFrame({"ds": pd.to_datetime(raw["Order Date"], format="%m/%d/%Y"),
                         "amount": raw["Sales"].astype(float), "series": raw["Category"],
                         "payee": raw["Customer Name"]})


def superstore_daily(lines: pd.DataFrame) -> pd.DataFrame:
    per_day = lines.groupby("ds")["amount"].sum()
    return pd.DataFrame({"ds": per_day.index, "amount": per_day.to_numpy()})


def inject_daily(frame: pd.DataFrame, rng: np.random.Generator, n_spikes: int, n_drops: int,
                 n_shifts: int) -> tuple[pd.DataFrame, dict[int, str]]:
    """A copy with anomalies injected and {row: kind} for every touched row."""
    out = frame.copy()
    amount = out["amount"].to_numpy(float).copy()
    n, truth, taken = len(out), {}, np.zeros(len(out), bool)
    taken[:7] = taken[-7:] = True  # leave both ends alone: no neighbours on one side

    def free_block(width):
        for _ in range(1000):
            start = int(rng.integers(0, n - width))
            if not taken[max(0, start - 3):start + width + 3].any():
                taken[start:start + width] = True
                return range(start, start + width)
        raise RuntimeError("series too short for the injections")

    for _ in range(n_shifts):
        factor = rng.uniform(1.6, 2.0) if rng.random() < 0.5 else rng.uniform(0.3, 0.5)
        for i in free_block(7):
            amount[i] *= factor
            truth[i] = "level shift"
    for kind, count, low, high in (("spike", n_spikes, 2.0, 4.0), ("drop", n_drops, 0.0, 0.4)):
        for _ in range(count):
            (i,) = free_block(1)
            amount[i] *= rng.uniform(low, high)
            truth[i] = kind
    out["amount"] = amount.round(2)
    return out, truth


def inject_lines(frame: pd.DataFrame, rng: np.random.Generator, n_dupes: int,
                 n_big: int) -> tuple[pd.DataFrame, dict[int, str]]:
    out = frame.copy().reset_index(drop=True)
    picks = rng.choice(len(out), n_dupes + n_big, replace=False)
    truth = {}
    for i in picks[n_dupes:]:
        out.loc[i, "amount"] = round(out.loc[i, "amount"] * 10, 2)
        truth[int(i)] = "outsized line"
    copies = out.loc[picks[:n_dupes]].copy()
    copies["ds"] = copies["ds"] + pd.to_timedelta(rng.integers(0, 4, n_dupes), unit="D")
    out = pd.concat([out, copies], ignore_index=True)
    for i in range(len(out) - n_dupes, len(out)):
        truth[i] = "duplicate"
    return out, truth


def naive_z(frame: pd.DataFrame) -> np.ndarray:
    series = frame["series"] if "series" in frame else pd.Series("", index=frame.index)
    grouped = frame.groupby(series)["amount"]
    z = (frame["amount"] - grouped.transform("mean")) / grouped.transform("std")
    return (z.abs() > 3).to_numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data",
                        help="folder holding breadbasket/ and superstore/ (default: "
                             "../shared/data from the repo root)")
    parser.add_argument("--runs", type=int, default=20, help="random seeds per track")
    args = parser.parse_args()
    lines = superstore_lines(args.data)
    tracks = [
        ("Bread Basket items/day", breadbasket(args.data), "daily", (3, 3, 1)),
        ("Superstore sales/day", superstore_daily(lines), "daily", (10, 10, 2)),
        ("Superstore lines", lines, "lines", (20, 20)),
    ]
    print("| data | rows | injected / run | method | precision | recall | recall by kind | "
          "flags on the untouched data | seconds / run |")
    print("|---|---:|---:|---|---:|---:|---|---:|---:|")
    for name, frame, kind, counts in tracks:
        untouched = detect_anomalies(frame)
        base = {"engine": int(untouched["anomaly"].sum()),
                "engine3": int((untouched["anomaly"] | (untouched["score"] > 3.0)).sum()),
                "naive": int(naive_z(frame).sum())}
        methods = ("engine", "engine3", "naive")
        tally = {m: defaultdict(int) for m in methods}
        by_kind = {m: defaultdict(lambda: [0, 0]) for m in methods}
        seconds = 0.0
        for seed in range(args.runs):
            rng = np.random.default_rng(seed)
            if kind == "daily":
                copy, truth = inject_daily(frame, rng, *counts)
            else:
                copy, truth = inject_lines(frame, rng, *counts)
            start = time.perf_counter()
            result = detect_anomalies(copy)
            seconds += time.perf_counter() - start
            flags = {"engine": result["anomaly"].to_numpy(),
                     "engine3": (result["anomaly"] | (result["score"] > 3.0)).to_numpy()}
            flags["naive"] = naive_z(copy)
            true = np.zeros(len(copy), bool)
            true[list(truth)] = True
            for method, flagged in flags.items():
                tally[method]["tp"] += int((flagged & true).sum())
                tally[method]["fp"] += int((flagged & ~true).sum())
                tally[method]["fn"] += int((~flagged & true).sum())
                for i, what in truth.items():
                    by_kind[method][what][0] += int(flagged[i])
                    by_kind[method][what][1] += 1
        injected = sum(counts) + (6 * counts[2] if kind == "daily" else 0)
        for method, label in (("engine", "Shelfwise, default threshold 3.5"),
                              ("engine3", "Shelfwise, --threshold 3"),
                              ("naive", "naive global z-score > 3")):
            t = tally[method]
            precision = t["tp"] / max(t["tp"] + t["fp"], 1)
            recall = t["tp"] / max(t["tp"] + t["fn"], 1)
            kinds = ", ".join(f"{k} {hit / total:.0%}" for k, (hit, total)
                              in sorted(by_kind[method].items()))
            timing = f"{seconds / args.runs:.2f}" if method == "engine" else ""
            print(f"| {name} | {len(frame):,} | {injected} | {label} | {precision:.2f} | "
                  f"{recall:.2f} | {kinds} | {base[method]} | {timing} |")


if __name__ == "__main__":
    main()
