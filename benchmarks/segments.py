"""Benchmark `engine.segments`: expected purchases and segments on four real order histories.

Each history is cut into a calibration period and a holdout. Every customer of the
calibration period is forecast as of its last day; the truth is their purchase days in the
holdout. Peers, fitted in the same run on the same summaries: lifetimes' BG/NBD and MBG/NBD
(`lifetimes` 0.11, the reference Python library) and the past rate (repeat purchase days /
days since the first purchase x holdout days).

* CDNOW: the 23,570 customers who first bought in 1997 Q1; 39 weeks, then 39 weeks.
* UCI Online Retail (the random 20,000-line sample; returns and lines without a customer
  left out): to 2011-08-31, then 100 days.
* Superstore: to 2018-12-31, then 2019.
* Groceries (member, date): to 2015-06-30, then to the end (2015-12-30); amount = items.

Reports per history: MAE per customer, total bias, Spearman rho and Poisson deviance (a
proper score for expected counts: inf when a predictor says 0 to a customer who buys) per
predictor; the mean holdout purchases per segment; and the engine's P(alive) range per
segment.

    benchmarks/.venv/bin/python benchmarks/segments.py --data ../shared/data
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from engine.segments import SEGMENTS, segment_customers
from engine.segments.choice import poisson_deviance

ROOT = Path(__file__).resolve().parent.parent


def cdnow(data: Path) -> pd.DataFrame:
    raw = pd.read_csv(data / "cdnow" / "CDNOW_master.txt", sep=r"\s+", header=None,
                      names=["customer_id", "date", "cds", "amount"], dtype={"date": str})
    raw["created_at"] = pd.to_datetime(raw["date"], format="%Y%m%d")
    return raw.groupby(["customer_id", "created_at"], as_index=False)["amount"].sum()


def online_retail(data: Path) -> pd.DataFrame:
    raw = pd.read_csv(data / "online_retail_samples" / "online_retail_random20k_lines.csv",
                      dtype={"InvoiceNo": str, "CustomerID": str})
    raw = raw[~raw["InvoiceNo"].str.startswith("C") & raw["CustomerID"].notna()]
    raw = raw.assign(amount=raw["Quantity"] * raw["UnitPrice"],
                     created_at=pd.to_datetime(raw["InvoiceDate"]))
    orders = raw.groupby("InvoiceNo").agg(customer_id=("CustomerID", "first"),
                                          created_at=("created_at", "min"),
                                          amount=("amount", "sum"))
    return orders.reset_index(drop=True).assign(amount=lambda f: f["amount"].clip(lower=0))


def superstore(data: Path) -> pd.DataFrame:
    raw = pd.read_csv(data / "superstore" / "Sample - Superstore.csv", encoding="utf-8-sig")
    raw["created_at"] = pd.to_datetime(raw["Order Date"], format="%m/%d/%Y")
    orders = raw.groupby("Order ID").agg(customer_id=("Customer ID", "first"),
                                         created_at=("created_at", "first"),
                                         amount=("Sales", "sum"))
    return orders.reset_index(drop=True)


def groceries(data: Path) -> pd.DataFrame:
    raw = pd.read_csv(data / "groceries_member_date" / "Groceries_dataset.csv")
    raw["created_at"] = pd.to_datetime(raw["Date"], format="%d-%m-%Y")
    baskets = raw.groupby(["Member_number", "created_at"]).size().rename("amount")
    return baskets.reset_index().rename(columns={"Member_number": "customer_id"}) \
        .assign(amount=lambda f: f["amount"].astype(float))


HISTORIES = (  # name, loader, calibration end, holdout end
    ("CDNOW", cdnow, "1997-09-30", "1998-06-30"),
    ("UCI Online Retail", online_retail, "2011-08-31", "2011-12-09"),
    ("Superstore", superstore, "2018-12-31", "2019-12-31"),
    ("Groceries", groceries, "2015-06-30", "2015-12-30"),
)


def lifetimes_peers(calibration: pd.DataFrame, cal_end: pd.Timestamp, horizon: float,
                    customers: pd.Index) -> dict[str, np.ndarray]:
    from lifetimes import BetaGeoFitter, ModifiedBetaGeoFitter
    from lifetimes.utils import summary_data_from_transaction_data

    summary = summary_data_from_transaction_data(
        calibration, "customer_id", "created_at", observation_period_end=cal_end, freq="D")
    summary = summary.loc[customers]
    out = {}
    for label, fitter in (("lifetimes BG/NBD", BetaGeoFitter),
                          ("lifetimes MBG/NBD", ModifiedBetaGeoFitter)):
        model = fitter(penalizer_coef=0.0)
        model.fit(summary["frequency"], summary["recency"], summary["T"])
        pred = model.conditional_expected_number_of_purchases_up_to_time(
            horizon, summary["frequency"], summary["recency"], summary["T"])
        out[label] = np.nan_to_num(np.asarray(pred, dtype=float))
    rate = np.where(summary["T"] > 0, summary["frequency"] / summary["T"].clip(lower=1), 0.0)
    out["past rate"] = rate.to_numpy(float) * horizon if hasattr(rate, "to_numpy") \
        else rate * horizon
    return out


def run(name: str, orders: pd.DataFrame, cal_end: str, holdout_end: str) -> None:
    cal_end, holdout_end = pd.Timestamp(cal_end), pd.Timestamp(holdout_end)
    horizon = float((holdout_end - cal_end).days)
    day = orders["created_at"].dt.normalize()
    calibration = orders[day <= cal_end]
    start = time.perf_counter()
    table = segment_customers(calibration, as_of=cal_end, horizon_days=horizon)
    seconds = time.perf_counter() - start
    holdout = orders[(day > cal_end) & (day <= holdout_end)]
    held = holdout.assign(day=holdout["created_at"].dt.normalize()) \
        .drop_duplicates(["customer_id", "day"]).groupby("customer_id").size()
    table["actual"] = held.reindex(table["customer_id"]).fillna(0).to_numpy(float)
    actual = table["actual"].to_numpy(float)
    print(f"\n### {name}: to {cal_end.date()}, then {horizon:.0f} days\n")
    parts = ", ".join(f"{k} x{v:.3f}" for k, v in table.attrs["total_parts"].items())
    print(f"{len(calibration):,} calibration orders, {len(table):,} customers, "
          f"{actual.sum():,.0f} holdout purchase days; engine model {table.attrs['repeat_model']}"
          f", total scale x{table.attrs['total_scale']:.3f} ({parts}), {seconds:.1f} s\n")
    cal = calibration.assign(day=calibration["created_at"].dt.normalize())
    cal = cal.drop_duplicates(["customer_id", "day"])[["customer_id", "day"]] \
        .rename(columns={"day": "created_at"})
    predictions = {"Shelfwise": table["expected_purchases"].to_numpy(float)}
    predictions |= lifetimes_peers(cal, cal_end, horizon, pd.Index(table["customer_id"]))
    best_peer = min(np.abs(p - actual).mean() for k, p in predictions.items() if k != "Shelfwise")
    print(f"| predictor | MAE / customer | vs best peer | total predicted (actual "
          f"{actual.sum():,.0f}) | total bias | Spearman rho | Poisson deviance / customer |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, pred in predictions.items():
        mae = np.abs(pred - actual).mean()
        rho = pd.Series(pred).rank().corr(pd.Series(actual).rank())
        print(f"| {label} | {mae:.4f} | {mae / best_peer - 1:+.1%} | {pred.sum():,.0f} | "
              f"{pred.sum() / actual.sum() - 1:+.1%} | {rho:.3f} | "
              f"{poisson_deviance(pred, actual):.4f} |")
    per = table.groupby("segment").agg(
        customers=("customer_id", "size"), shopify=("shopify_rfm_group", "first"),
        repeat_rate=("actual", lambda s: (s > 0).mean()), purchases=("actual", "mean"),
        expected=("expected_purchases", "mean"), p_min=("p_alive", "min"),
        p_max=("p_alive", "max")).reindex([s for s in SEGMENTS if s in set(table["segment"])])
    print("\n| segment | Shopify rfmGroup | customers | holdout repeat rate | holdout purchases "
          "/ customer | expected / customer | P(alive) range |")
    print("|---|---|---:|---:|---:|---:|---|")
    for seg, row in per.iterrows():
        print(f"| {seg} | {row.shopify} | {row.customers:,} | {row.repeat_rate:.1%} | "
              f"{row.purchases:.3f} | {row.expected:.3f} | {row.p_min:.2f}-{row.p_max:.2f} |")
    if {"Champions", "Lost"} <= set(per.index):
        ratio = per.loc["Champions", "purchases"] / max(per.loc["Lost", "purchases"], 1e-9)
        print(f"\nChampions buy {ratio:.1f}x as often as Lost in the holdout.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data",
                        help="folder holding the data sets (default: ../shared/data)")
    parser.add_argument("--only", default="", help="run only histories whose name has this")
    args = parser.parse_args()
    for name, loader, cal_end, holdout_end in HISTORIES:
        if args.only.lower() in name.lower():
            orders = loader(args.data)
            if name == "CDNOW":  # the classic cohort: first purchase in 1997 Q1 (all of them)
                first = orders.groupby("customer_id")["created_at"].transform("min")
                orders = orders[first <= pd.Timestamp("1997-03-31")]
            run(name, orders, cal_end, holdout_end)


if __name__ == "__main__":
    main()
