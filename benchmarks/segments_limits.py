"""How far per-customer MAE can go on the four histories of `benchmarks/segments.py`.

Issue 16 asks for expected purchases whose MAE per customer is at least 3% better than the
best peer's, with the total within ±10% of the truth. Two checks of what is reachable, on
the same cuts, customers and peers as `segments.py`:

* No information: the best MAE of one number for every customer, scanned over totals from
  90% to 110% of the true holdout total. Where nothing tells customers apart (Spearman rho
  near 0, as on Groceries), every customer has the same distribution, and by convexity one
  number for all is the best predictor at a given total: there, no model beats this bound.
* MAE-optimal allocation: the predictor built for MAE rather than for expectations. The
  total is handed out one unit at a time to the customer and count with the highest
  probability of reaching it, P(Y_i >= k), under the engine's fitted model (MBG/NBD or
  Pareto/NBD, the predictive distribution by 400 posterior draws per customer), at 0.9, 1.0
  and 1.1 times the true total.

    benchmarks/.venv/bin/python benchmarks/segments_limits.py --data ../shared/data
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from segments import HISTORIES, ROOT, lifetimes_peers  # the same cuts, customers and peers

from engine.segments import segment_customers
from engine.segments.choice import choose_model
from engine.segments.orders import clean_orders
from engine.segments.rfm import customer_summary

MAX_COUNT = 40  # purchase days per customer considered in the allocation
DRAWS = 400


def tail_probabilities(model, horizon: float, x, t_x, big_t, scale: float) -> np.ndarray:
    """P(Y >= k), k = 1..MAX_COUNT, of each customer's purchase days in the horizon."""
    keys, back = np.unique(np.column_stack([x, big_t]), axis=0, return_inverse=True)
    ux, u_big_t = keys[:, 0], keys[:, 1]
    rng = np.random.default_rng(0)
    p = model.params_
    rate = rng.gamma((p["r"] + ux)[:, None], size=(len(ux), DRAWS)) \
        / (p["alpha"] + u_big_t)[:, None] * scale
    k = np.arange(1, MAX_COUNT + 1)
    if model.name == "Pareto/NBD":
        dropout = rng.gamma(p["s"], size=(len(ux), DRAWS)) / (p["beta"] + u_big_t)[:, None]
        exposure = rate * np.minimum(rng.exponential(size=(len(ux), DRAWS)) / dropout, horizon)
        tails = np.stack([stats.poisson.sf(j - 1, exposure).mean(axis=1) for j in k], axis=1)
    else:  # MBG/NBD: after each purchase the customer leaves with probability q
        q = rng.beta(p["a"], (p["b"] + ux + 1)[:, None], size=(len(ux), DRAWS))
        tails = np.stack([(stats.poisson.sf(j - 1, rate * horizon) * (1 - q) ** (j - 1))
                          .mean(axis=1) for j in k], axis=1)
    return tails[back.ravel()] * model.probability_alive(x, t_x, big_t)[:, None]


def allocate(tails: np.ndarray, total: float) -> np.ndarray:
    """Each customer's share of `total` units, handed out by P(Y_i >= k), highest first."""
    ranked = np.sort(tails.ravel())[::-1]
    whole = int(total)
    if whole >= ranked.size:
        return tails.sum(axis=1)
    cut = ranked[whole]
    out = (tails > cut).sum(axis=1).astype(float)
    tied = np.isclose(tails, cut).sum(axis=1)
    return out + tied * (total - out.sum()) / max(tied.sum(), 1)


def run(name: str, orders: pd.DataFrame, cal_end: str, holdout_end: str) -> str:
    cal_end, holdout_end = pd.Timestamp(cal_end), pd.Timestamp(holdout_end)
    horizon = float((holdout_end - cal_end).days)
    day = orders["created_at"].dt.normalize()
    calibration = orders[day <= cal_end]
    table = segment_customers(calibration, as_of=cal_end, horizon_days=horizon)
    holdout = orders[(day > cal_end) & (day <= holdout_end)]
    held = holdout.assign(day=holdout["created_at"].dt.normalize()) \
        .drop_duplicates(["customer_id", "day"]).groupby("customer_id").size()
    actual = held.reindex(table["customer_id"]).fillna(0).to_numpy(float)
    cal = calibration.assign(created_at=calibration["created_at"].dt.normalize()) \
        .drop_duplicates(["customer_id", "created_at"])
    peers = lifetimes_peers(cal, cal_end, horizon, pd.Index(table["customer_id"]))
    best_peer = min(np.abs(p - actual).mean() for p in peers.values())
    truth = actual.sum()
    constant = min(np.abs(actual - c).mean()
                   for c in np.linspace(0.9, 1.1, 201) * truth / len(actual))
    clean, as_of, _ = clean_orders(calibration, cal_end)
    summary = customer_summary(clean, as_of).loc[table["customer_id"]]
    x, t_x, big_t = (summary[c].to_numpy(float) for c in ("x", "t_x", "T"))
    model = choose_model(clean, as_of, horizon)().fit(x, t_x, big_t)
    tails = tail_probabilities(model, horizon, x, t_x, big_t, table.attrs["total_scale"])
    allocated = {f: np.abs(allocate(tails, f * truth) - actual).mean() for f in (0.9, 1.0, 1.1)}
    cells = " | ".join(f"{v / best_peer - 1:+.1%}" for v in allocated.values())  # 3 columns
    return (f"| {name} | {best_peer:.4f} | {best_peer * 0.97:.4f} | {constant:.4f} "
            f"({constant / best_peer - 1:+.1%}) | {cells} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    print("| history | best peer MAE | target (3% under) | best single number within ±10% of "
          "the total (vs best peer) | MAE-optimal allocation vs best peer, total x0.9 | x1.0 "
          "| x1.1 |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, loader, cal_end, holdout_end in HISTORIES:
        orders = loader(args.data)
        if name == "CDNOW":  # the classic cohort, as in segments.py
            first = orders.groupby("customer_id")["created_at"].transform("min")
            orders = orders[first <= pd.Timestamp("1997-03-31")]
        print(run(name, orders, cal_end, holdout_end), flush=True)


if __name__ == "__main__":
    main()
