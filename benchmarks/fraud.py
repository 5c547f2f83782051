"""Benchmark the fraud scorer out of time: fit on earlier orders, score later ones.

Stores: the order simulator's development store (seed 1, used while tuning) and an unseen
store (another seed, never looked at while tuning), and the public Fraud_Data e-commerce
sample (``--data``/fraud_ecommerce) turned into Shopify-shaped orders.

Metrics on the later orders: ROC-AUC; precision among the top 2 % of scores; share of good
orders left LOW; share of all orders at HIGH; scoring latency per order (one order per call,
on the fitted model). Baseline: a count of Shopify's own indicators (billing/shipping
mismatch, first order, value over 3x the median, express shipping).

Usage (from the repository root): ``python benchmarks/fraud.py``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from order_simulator import simulate, strip_labels  # noqa: E402

from connectors.shopify.orders import fraud_frame, parse_orders  # noqa: E402
from engine.fraud import FraudScorer, order_frame  # noqa: E402
from engine.fraud.features import OrderTrail, ShopProfile, order_features  # noqa: E402


def normalize_orders(orders: list[dict] | pd.DataFrame) -> pd.DataFrame:
    """Webhook bodies through the app's one order parser; a flat table checked as is."""
    if isinstance(orders, pd.DataFrame):
        return order_frame(orders)
    return fraud_frame(parse_orders(orders))


def precision_at(y: np.ndarray, score: np.ndarray, share: float = 0.02) -> float:
    k = max(1, int(round(share * len(y))))
    top = np.argsort(-score, kind="stable")[:k]
    return float(y[top].mean())


def indicator_count(history: pd.DataFrame, new: pd.DataFrame) -> np.ndarray:
    """Shopify's indicators: billing/shipping mismatch, new customer, value > 3x median, express."""
    profile = ShopProfile.from_orders(history)
    feats = order_features(new, OrderTrail(history), profile)
    mismatch = (feats["address_mismatch"] > 0) | (feats["country_mismatch"] > 0)
    return (mismatch.astype(int) + (feats["prior_orders"] == 0) + (feats["value_ratio_shop"] > 3)
            + (feats["express"] > 0)).to_numpy(float)


def evaluate(name: str, history: list[dict] | pd.DataFrame, new: list[dict] | pd.DataFrame,
             y: np.ndarray, rows: list, *, latency: bool = True) -> None:
    past, now = normalize_orders(history), normalize_orders(new)
    base = indicator_count(past, now)
    rows.append(_metrics(name, "indicator count (Shopify's 4)", y, base, None))
    unlabelled = past.assign(label=0.0)
    for variant, fit_on in (("rules + anomaly (no labels)", unlabelled),
                            ("+ calibrated classifier (labels)", past)):
        if variant.startswith("+") and past["label"].sum() < 10:
            continue
        t0 = time.perf_counter()
        scorer = FraudScorer().fit(fit_on)
        fit_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        out = scorer.assess(now)
        batch_ms = (time.perf_counter() - t0) / len(now) * 1000
        one_ms = _latency(scorer, new) if latency else float("nan")
        rows.append(_metrics(name, variant, y, out["score"].to_numpy(), out["risk_level"],
                             fit_s=fit_s, batch_ms=batch_ms, one_ms=one_ms,
                             supervised=scorer.classifier_ is not None))


def _latency(scorer: FraudScorer, new: list[dict] | pd.DataFrame, n: int = 200) -> float:
    """Median time to assess one order given as a dict (as the webhook job will)."""
    if isinstance(new, pd.DataFrame):
        picks = [new.iloc[[i]] for i in range(0, len(new), max(1, len(new) // n))][:n]
        picks = [p.copy() for p in picks]
        for p in picks:
            p.attrs["shelfwise"] = "orders"
    else:
        picks = new[:: max(1, len(new) // n)][:n]
    times = []
    for order in picks:
        t0 = time.perf_counter()
        scorer.assess(normalize_orders([order]) if isinstance(order, dict) else order)
        times.append(time.perf_counter() - t0)
    return float(np.median(times) * 1000)


def _metrics(store, method, y, score, level, **extra) -> dict:
    row = {"store": store, "method": method, "orders": len(y), "fraud %": 100 * y.mean(),
           "ROC-AUC": roc_auc_score(y, score), "precision top 2%": precision_at(y, score)}
    if level is not None:
        level = np.asarray(level)
        row["good LOW %"] = 100 * float((level[y == 0] == "LOW").mean())
        row["HIGH %"] = 100 * float((level == "HIGH").mean())
        row["fraud caught (not LOW) %"] = 100 * float((level[y == 1] != "LOW").mean())
    row.update(extra)
    return row


def simulated(seed: int, days: int, train_share: float, rows: list, label: str) -> None:
    orders, truth, _ = simulate(seed, days)
    cut = int(len(orders) * train_share)
    new = [strip_labels(o) for o in orders[cut:]]
    evaluate(f"{label} (seed {seed})", orders[:cut], new, truth[cut:], rows)


def fraud_ecommerce(data: Path, train_share: float, rows: list) -> None:
    """Fraud_Data first purchases as Shopify orders (customer = user, device, IP)."""
    path = data / "fraud_ecommerce" / "Fraud_Data_first30k_with_ip.csv"
    if not path.exists():
        print(f"skipping fraud_ecommerce: {path} not found", file=sys.stderr)
        return
    raw = pd.read_csv(path, encoding="utf-8-sig").dropna(subset=["class"])
    raw["purchase_time"] = pd.to_datetime(raw["purchase_time"], format="%m/%d/%Y %H:%M")
    raw["signup_time"] = pd.to_datetime(raw["signup_time"], format="%m/%d/%Y %H:%M")
    raw = raw.sort_values("purchase_time", kind="stable").reset_index(drop=True)
    ip = raw["ip_address"].astype("int64")
    dotted = [f"{(v >> 24) & 255}.{(v >> 16) & 255}.{(v >> 8) & 255}.{v & 255}" for v in ip]
    records = [{
        "id": int(r.user_id), "created_at": r.purchase_time.isoformat() + "Z",
        "total_price": str(r.purchase_value), "device_id": r.device_id, "browser_ip": d,
        "customer": {"id": int(r.user_id), "created_at": r.signup_time.isoformat() + "Z"},
        "cancel_reason": "fraud" if r["class"] == 1 else None,
    } for (_, r), d in zip(raw.iterrows(), dotted, strict=True)]
    y = raw["class"].to_numpy(int)
    cut = int(len(records) * train_share)
    new = [{**o, "cancel_reason": None} for o in records[cut:]]
    evaluate("fraud_ecommerce (out of time)", records[:cut], new, y[cut:], rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data",
                        help="Shared data folder (default ../shared/data from the repo root).")
    parser.add_argument("--unseen-seed", type=int, default=2027,
                        help="Seed of the store not used while tuning.")
    parser.add_argument("--dev-seed", type=int, default=1, help="Seed used while tuning.")
    parser.add_argument("--days", type=int, default=120, help="Days of simulated orders.")
    parser.add_argument("--train-share", type=float, default=0.6,
                        help="Share of orders (earliest first) used as history.")
    parser.add_argument("--skip", action="append", default=[],
                        choices=["dev", "unseen", "ecommerce"], help="Leave a data set out.")
    args = parser.parse_args()
    rows: list[dict] = []
    if "dev" not in args.skip:
        simulated(args.dev_seed, args.days, args.train_share, rows, "simulator, dev store")
    if "unseen" not in args.skip:
        simulated(args.unseen_seed, args.days, args.train_share, rows,
                  "simulator, unseen store")
    if "ecommerce" not in args.skip:
        fraud_ecommerce(args.data, args.train_share, rows)
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 250, "display.max_columns", 20):
        print(table.round(3).to_string(index=False))
    print()
    print(_markdown(table))


def _markdown(table: pd.DataFrame) -> str:
    def cell(v: object) -> str:
        if isinstance(v, float | np.floating):
            return "" if np.isnan(v) else f"{v:.3f}" if abs(v) < 10 else f"{v:.1f}"
        return str(v)
    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * table.shape[1]]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.itertuples(False)]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
