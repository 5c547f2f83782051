"""The MBG/NBD fit chosen on a holdout, and the Poisson deviance that judges it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.segments import ModifiedBetaGeoModel, segment_customers
from engine.segments.choice import PRIOR_WEIGHTS, choose_model, poisson_deviance
from engine.segments.orders import clean_orders

START = pd.Timestamp("2023-01-01")


def shop(n=600, days=540, seed=4, same_rate=False):
    """Customers with Poisson rates who never leave; `same_rate`: every customer buys at one
    rate (past buying then says nothing about who buys next)."""
    rng = np.random.default_rng(seed)
    rates = np.full(n, 1 / 40) if same_rate else rng.gamma(0.5, 1 / 20, size=n)
    rows = []
    for c, start in enumerate(rng.integers(0, days // 2, size=n)):
        t = float(start)
        while t < days:
            rows.append((f"c{c}", START + pd.Timedelta(days=int(t)), 10.0))
            t += rng.exponential(1 / rates[c])
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


def test_short_or_small_histories_take_the_default_fit():
    for orders in (shop(n=20), shop(days=15)):
        clean, as_of, _ = clean_orders(orders, None)
        model = choose_model(clean, as_of, 90)
        assert isinstance(model, ModifiedBetaGeoModel)
        assert model.prior_weight == PRIOR_WEIGHTS[0] and not hasattr(model, "params_")


def test_the_choice_is_one_of_the_candidates_and_reported():
    orders = shop()
    clean, as_of, _ = clean_orders(orders, None)
    model = choose_model(clean, as_of, 60)
    assert model.prior_weight in PRIOR_WEIGHTS
    table = segment_customers(orders, horizon_days=60)
    assert table.attrs["repeat_model"] == "MBG/NBD"
    assert table.attrs["prior_weight"] == model.prior_weight


def spread_of_recent_customers(orders):
    table = segment_customers(orders, horizon_days=60, seasonal=False)
    recent = table.loc[table["recency_days"] < 30, "expected_purchases"]
    return recent.std() / recent.mean(), table


def test_customers_alike_get_flat_shares_and_unlike_ones_do_not():
    """One rate for all: the data alone (no prior) wins and expectations hardly differ
    (the default prior's pull towards differences would spread them by about 5 %)."""
    spread, table = spread_of_recent_customers(shop(same_rate=True, n=800))
    assert table.attrs["prior_weight"] == 0.0 and spread < 0.02
    assert table["p_alive"].min() > 0.5
    spread, _ = spread_of_recent_customers(shop(n=800))
    assert spread > 0.5


@pytest.mark.parametrize("weight", PRIOR_WEIGHTS)
def test_every_candidate_fit_is_finite_on_a_tiny_history(weight):
    model = ModifiedBetaGeoModel(prior_weight=weight).fit([0, 1, 0, 3], [0, 5, 0, 40],
                                                          [10, 20, 30, 60])
    assert all(np.isfinite(v) and v > 0 for v in model.params_.values())
    assert np.isfinite(model.expected_purchases(30, [0, 1], [0, 5], [10, 20])).all()
