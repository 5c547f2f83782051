"""Benchmark `engine.segments` on CDNOW: do the segments and expected purchases hold up?

Protocol (the classic CDNOW split of Fader, Hardie and Lee 2005): the 23,570 customers who
first bought in 1997 Q1; calibration period 1997-01-01 .. 1997-09-30 (segments and the
BG/NBD model are fitted as of 1997-09-30), holdout 1997-10-01 .. 1998-06-30 (273 days).
Several records of one customer on one day are one purchase (summed).

Reports, per segment: customers, holdout repeat rate (share buying at least once in the
holdout), mean holdout purchases and spend, and mean expected purchases. Then the error of
expected holdout purchases per customer against two baselines computed in the same run:
the calibration-period purchase rate (repeat purchases / days since first purchase, times
273) and the overall mean.

    /work/main/.venv/bin/python benchmarks/segments.py --data ../shared/data
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from engine.segments import segment_customers

ROOT = Path(__file__).resolve().parent.parent
CAL_END = pd.Timestamp("1997-09-30")
HOLDOUT_END = pd.Timestamp("1998-06-30")


def cdnow(data: Path) -> pd.DataFrame:
    raw = pd.read_csv(data / "cdnow" / "CDNOW_master.txt", sep=r"\s+", header=None,
                      names=["customer_id", "date", "cds", "amount"], dtype={"date": str})
    raw["created_at"] = pd.to_datetime(raw["date"], format="%Y%m%d")
    return raw.groupby(["customer_id", "created_at"], as_index=False)["amount"].sum()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data",
                        help="folder holding cdnow/ (default: ../shared/data from the repo root)")
    args = parser.parse_args()
    orders = cdnow(args.data)
    horizon = float((HOLDOUT_END - CAL_END).days)
    calibration = orders[orders["created_at"] <= CAL_END]
    start = time.perf_counter()
    table = segment_customers(calibration, as_of=CAL_END, horizon_days=horizon)
    seconds = time.perf_counter() - start

    holdout = orders[(orders["created_at"] > CAL_END) & (orders["created_at"] <= HOLDOUT_END)]
    held = holdout.groupby("customer_id").agg(purchases=("amount", "size"),
                                              spend=("amount", "sum"))
    table = table.join(held, on="customer_id").fillna({"purchases": 0, "spend": 0.0})
    print(f"{len(calibration):,} calibration purchases, {len(table):,} customers, "
          f"{len(holdout):,} holdout purchases; segment_customers took {seconds:.2f} s\n")

    per = table.groupby("segment").agg(
        customers=("customer_id", "size"), shopify=("shopify_rfm_group", "first"),
        repeat_rate=("purchases", lambda s: (s > 0).mean()),
        purchases=("purchases", "mean"), spend=("spend", "mean"),
        expected=("expected_purchases", "mean"), p_alive=("p_alive", "mean"),
    ).sort_values("purchases", ascending=False)
    print("| segment | Shopify group | customers | holdout repeat rate | holdout purchases "
          "/ customer | holdout spend / customer | expected purchases / customer |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, row in per.iterrows():
        print(f"| {name} | {row.shopify} | {row.customers:,} | {row.repeat_rate:.1%} | "
              f"{row.purchases:.2f} | {row.spend:.2f} | {row.expected:.2f} |")

    actual = table["purchases"].to_numpy(float)
    cal = calibration.groupby("customer_id")["created_at"].agg(["size", "min"])
    cal = cal.loc[table["customer_id"]]
    days = (CAL_END - cal["min"]).dt.days.to_numpy(float)
    rate = np.where(days > 0, (cal["size"].to_numpy(float) - 1) / np.maximum(days, 1), 0.0)
    predictions = {
        "BG/NBD expected purchases (engine)": table["expected_purchases"].to_numpy(float),
        "calibration purchase rate x 273 days": rate * horizon,
        "overall mean (calibration rate of everyone)": np.full(len(actual), rate.mean() * horizon),
    }
    print("\n| predictor of holdout purchases | MAE / customer | RMSE / customer | "
          "total predicted (actual " f"{actual.sum():,.0f}) | Spearman rho |")
    print("|---|---:|---:|---:|---:|")
    for name, pred in predictions.items():
        err = pred - actual
        rho = pd.Series(pred).rank().corr(pd.Series(actual).rank())
        print(f"| {name} | {np.abs(err).mean():.3f} | {np.sqrt((err ** 2).mean()):.3f} | "
              f"{pred.sum():,.0f} | {rho:.3f} |")


if __name__ == "__main__":
    main()
