"""Replay real demand through Shelfwise's reorder policy and the textbook (s, Q) policy.

Each policy is re-planned every `--replan` periods from the history known then, and a
daily (or monthly) lost-sales simulation serves the real demand that followed:

* Shelfwise: forecast engine mean and validation error -> discrete lead-time demand
  (negative binomial / Poisson) -> smallest reorder point whose loss-function fill rate
  reaches the target; EOQ order quantity on the last year's mean demand.
* Textbook: mean and standard deviation of per-period sales over the trailing year,
  ``s = D L + z sigma sqrt(L)`` with ``z = Phi^-1(target)``, the same EOQ.

Cost assumption (both policies): order cost $10 per order, holding cost 25 % of unit
cost per year; unit cost = the item's mean M5 sell price, $10 for car parts.

    python benchmarks/reorder.py            # both data sets, about 2-3 minutes on 2 cores
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from engine.inventory.demand import forecast_demand
from engine.inventory.plan import check_items, plan_from_forecast

ROOT = Path(__file__).resolve().parent.parent
ORDER_COST, HOLDING_RATE = 10.0, 0.25


def m5(data: Path):
    base = data / "m5_tiny"
    train = pd.read_csv(base / "tiny_m5_sales_train_d1_d1913.csv")
    test = pd.read_csv(base / "tiny_m5_sales_test_d1914_d1941.csv")
    key = ["item_id", "store_id"]
    test = test.set_index(key).loc[pd.MultiIndex.from_frame(train[key])]
    days = [c for c in test.columns if c.startswith("d_")]
    Y = np.hstack([train[[c for c in train.columns if c.startswith("d_")]].to_numpy(float),
                   test[days].to_numpy(float)])
    prices = pd.read_csv(base / "tiny_m5_sell_prices.csv")
    price = prices.groupby(["item_id", "store_id"])["sell_price"].mean()
    cost = price.reindex(pd.MultiIndex.from_frame(train[["item_id", "store_id"]])).to_numpy()
    return train["id"].to_numpy(), Y, np.nan_to_num(cost, nan=np.nanmean(cost))


def carparts(data: Path):
    wide = pd.read_csv(data / "carparts" / "carparts_wide.csv").drop(columns="month")
    wide = wide.loc[:, wide.notna().all()]
    return wide.columns.to_numpy(), wide.to_numpy(float).T, np.full(wide.shape[1], 10.0)


def leading_nan(Y: np.ndarray) -> np.ndarray:
    """NaN before each series' first sale (not yet listed), as the forecast engine expects."""
    sold = Y != 0
    first = np.where(sold.any(axis=1), sold.argmax(axis=1), Y.shape[1] - 1)
    out = Y.copy()
    out[np.arange(Y.shape[1])[None, :] < first[:, None]] = np.nan
    return out


def shelfwise_policy(hist, lead, target, cost, ppy, m):
    fc = forecast_demand(leading_nan(hist), lead, season_length=m, year=round(ppy))
    n = hist.shape[0]
    items = check_items(pd.DataFrame({
        "unique_id": np.arange(n).astype(str), "on_hand": 0.0, "lead_time": float(lead),
        "unit_cost": cost, "order_cost": ORDER_COST, "holding_rate": HOLDING_RATE,
        "service_level": target}))
    plan = plan_from_forecast(items, fc, periods_year=ppy)
    return plan["reorder_point"].to_numpy(), plan["order_quantity"].to_numpy()


def textbook_policy(hist, lead, target, cost, ppy, window):
    recent = leading_nan(hist)[:, -window:]
    with np.errstate(all="ignore"):
        d = np.nan_to_num(np.nanmean(recent, axis=1))
        sd = np.nan_to_num(np.nanstd(recent, axis=1, ddof=1))
    z = stats.norm.ppf(target)
    s = np.ceil(d * lead + z * sd * np.sqrt(lead))
    q = np.maximum(np.ceil(np.sqrt(2 * d * ppy * ORDER_COST / (HOLDING_RATE * cost))), 1)
    return s, q


def simulate(Y, start, replan, lead, policy):
    """Lost-sales replay from period `start`; policy(t) gives (s, Q) from history before t."""
    n, T = Y.shape
    pipeline = np.zeros((n, T + lead + 2))
    served = np.zeros(n)
    demanded = np.zeros(n)
    held = np.zeros(n)
    on_hand = None
    for t in range(start, T):
        if (t - start) % replan == 0:
            s, q = policy(t)
            if on_hand is None:
                on_hand = s + q
        on_hand = on_hand + pipeline[:, t]
        d = Y[:, t]
        sold = np.minimum(on_hand, d)
        on_hand = on_hand - sold
        served += sold
        demanded += d
        held += on_hand
        position = on_hand + pipeline[:, t + 1:].sum(axis=1)
        k = np.where(position <= s, np.floor((s - position) / q) + 1, 0)
        pipeline[:, t + lead + 1] += k * q
    item_fill = np.where(demanded > 0, served / np.maximum(demanded, 1e-12), np.nan)
    sold_any = demanded > 0
    return {"fill": served.sum() / demanded.sum(),
            "items90": float(np.mean(item_fill[sold_any] >= 0.9)),
            "on_hand": held.sum() / (T - start) / n}


def run(name, ids, Y, cost, *, lead, replan, periods, ppy, m, window, target):
    start = Y.shape[1] - periods
    timings = {}
    out = {}
    for label, make in (
        ("Shelfwise", lambda t: shelfwise_policy(Y[:, :t], lead, target, cost, ppy, m)),
        ("Textbook (s, Q)", lambda t: textbook_policy(Y[:, :t], lead, target, cost, ppy, window)),
    ):
        t0 = time.perf_counter()
        out[label] = simulate(Y, start, replan, lead, make)
        timings[label] = time.perf_counter() - t0
    base = out["Textbook (s, Q)"]["on_hand"]
    rows = []
    for label, r in out.items():
        rows.append(f"| {name} | {label} | {100 * r['fill']:.1f} % | {100 * r['items90']:.1f} % "
                    f"| {r['on_hand']:.2f} | {r['on_hand'] / base:.2f} | {timings[label]:.0f} s |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data",
                        help="folder holding m5_tiny/ and carparts/ (default ../shared/data)")
    parser.add_argument("--target", type=float, default=0.95, help="target fill rate")
    parser.add_argument("--only", choices=["m5", "carparts"], help="run one data set")
    args = parser.parse_args()
    print("| data | policy | fill rate | items >= 90 % fill | mean units on hand per item "
          "| vs textbook | time |")
    print("|---|---|---|---|---|---|---|")
    if args.only in (None, "m5"):
        ids, Y, cost = m5(args.data)
        for row in run("M5 daily, 280 item-stores, L=7 d", ids, Y, cost, lead=7, replan=28,
                       periods=364, ppy=365.25, m=7, window=365, target=args.target):
            print(row, flush=True)
    if args.only in (None, "carparts"):
        ids, Y, cost = carparts(args.data)
        for row in run(f"car parts monthly, {len(ids)} parts, L=1 mo", ids, Y, cost, lead=1,
                       replan=1, periods=12, ppy=12.0, m=12, window=12, target=args.target):
            print(row, flush=True)


if __name__ == "__main__":
    main()
