"""The repeat-purchase model chosen on a holdout (MBG/NBD or Pareto/NBD), and the deviance
that judges it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.segments import ModifiedBetaGeoModel, ParetoNBDModel, segment_customers
from engine.segments.choice import MODELS, choose_model, poisson_deviance
from engine.segments.orders import clean_orders

START = pd.Timestamp("2023-01-01")


def shop(n=600, days=540, seed=4, leave="purchase"):
    """Customers with Poisson rates who leave either right after a purchase (MBG/NBD's
    story, 1 in 4) or after an exponential lifetime (Pareto/NBD's, 200 days on average)."""
    rng = np.random.default_rng(seed)
    rows = []
    for c, start in enumerate(rng.integers(0, days // 2, size=n)):
        rate = rng.gamma(0.7, 1 / 14)
        end = start + rng.exponential(200.0) if leave == "time" else np.inf
        t = float(start)
        while t < min(days, end):
            rows.append((f"c{c}", START + pd.Timedelta(days=int(t)), 10.0))
            if leave == "purchase" and rng.random() < 0.25:
                break
            t += rng.exponential(1 / rate)
    return pd.DataFrame(rows, columns=["customer_id", "created_at", "amount"])


def test_poisson_deviance_is_smallest_for_the_true_means():
    rng = np.random.default_rng(0)
    means = rng.gamma(1.0, 1.0, size=20_000)
    actual = rng.poisson(means).astype(float)
    right = poisson_deviance(means, actual)
    assert right < poisson_deviance(means * 1.2, actual)
    assert right < poisson_deviance(np.full_like(means, means.mean()), actual)
    sharper = means ** 2 * means.sum() / (means ** 2).sum()  # same total, piled on the top
    assert right < poisson_deviance(sharper, actual)
    assert poisson_deviance(np.array([0.0, 1.0]), np.array([1.0, 1.0])) == np.inf
    assert poisson_deviance(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0


def test_short_or_small_histories_take_mbgnbd():
    for orders in (shop(n=20), shop(days=15)):
        clean, as_of, _ = clean_orders(orders, None)
        assert choose_model(clean, as_of, 90) is ModifiedBetaGeoModel


def test_the_holdout_tells_the_two_stories_apart():
    chosen = {}
    for leave in ("purchase", "time"):
        orders = shop(n=3000, leave=leave, seed=11)
        clean, as_of, _ = clean_orders(orders, None)
        chosen[leave] = choose_model(clean, as_of, 90)
    assert chosen == {"purchase": ModifiedBetaGeoModel, "time": ParetoNBDModel}


def test_the_chosen_model_is_reported_and_one_time_buyers_fade():
    orders = shop(leave="time")
    table = segment_customers(orders, horizon_days=60)
    clean, as_of, _ = clean_orders(orders, None)
    kind = choose_model(clean, as_of, 60)
    assert kind in MODELS and table.attrs["repeat_model"] == kind.name
    once = table[table["frequency"] == 1].sort_values("recency_days")
    assert once["p_alive"].iloc[0] > once["p_alive"].iloc[-1]
