"""Totals of expected purchases: the recent level, the season and growth, and their mean."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.segments import segment_customers
from engine.segments.choice import choose_model
from engine.segments.orders import clean_orders
from engine.segments.rfm import customer_summary
from engine.segments.totals import SCALE_RANGE, recent_level, total_scale

START = pd.Timestamp("2023-01-01")


def shop(n=900, days=600, seed=5, lately=1.0, last_days=91):
    """Customers who buy at Poisson rates and leave at random; in the last `last_days`
    every rate is multiplied by `lately`."""
    rng = np.random.default_rng(seed)
    rows = []
    for c, start in enumerate(rng.integers(0, days - 30, size=n)):
        rate, leave = rng.gamma(0.8, 1 / 40), rng.beta(1.0, 4.0)
        t = float(start)
        while t < days:
            rows.append((f"c{c}", START + pd.Timedelta(days=int(t)), 10.0))
            if rng.random() < leave:
                break
            speed = lately if t >= days - last_days else 1.0
            t += rng.exponential(1 / (rate * speed))
    return pd.DataFrame(rows, columns=["customer_id", "created_at", "amount"])


def fitted(orders):
    clean, as_of, _ = clean_orders(orders, None)
    summary = customer_summary(clean, as_of)
    x, t_x, big_t = (summary[c].to_numpy(float) for c in ("x", "t_x", "T"))
    model = choose_model(clean, as_of, 90)().fit(x, t_x, big_t)
    return clean, as_of, model, float(model.expected_purchases(90, x, t_x, big_t).sum())


def test_recent_level_is_near_one_when_customers_keep_their_rhythm():
    clean, as_of, model, _ = fitted(shop())
    assert 0.75 < recent_level(clean, as_of, model) < 1.33


def test_recent_level_sees_customers_who_buy_more_lately():
    steady = recent_level(*fitted(shop())[:3])
    busier = recent_level(*fitted(shop(lately=2.5))[:3])
    assert busier > 1.15 and busier > steady * 1.15


def test_total_scale_is_the_geometric_mean_of_its_two_estimates():
    clean, as_of, model, total = fitted(shop(lately=2.5))
    scale, parts = total_scale(clean, as_of, 90, model, total)
    assert set(parts) == {"recent level", "season and growth"}
    assert all(SCALE_RANGE[0] <= v <= SCALE_RANGE[1] for v in parts.values())
    assert scale == pytest.approx(math.sqrt(parts["recent level"] * parts["season and growth"]))
    assert scale > 1.2  # both see the busier customers
    table = segment_customers(shop(lately=2.5), horizon_days=90)
    assert table.attrs["total_scale"] == pytest.approx(scale)
    assert table.attrs["total_parts"] == pytest.approx(parts)


def test_short_histories_keep_the_model_total():
    orders = shop(n=200, days=120)
    clean, as_of, model, total = fitted(orders)
    assert total_scale(clean, as_of, 90, model, total) == (1.0, {})
    table = segment_customers(orders, horizon_days=90)
    assert table.attrs["total_scale"] == 1.0 and table.attrs["total_parts"] == {}


def test_nothing_bought_lately_gives_the_lowest_level_not_a_crash():
    orders = shop()
    quiet = orders[orders["created_at"] < orders["created_at"].max() - pd.Timedelta(days=91)]
    last = quiet["created_at"].max() + pd.Timedelta(days=91)
    table = segment_customers(quiet, as_of=last, horizon_days=90)
    assert table.attrs["total_parts"]["recent level"] == SCALE_RANGE[0]
    assert np.isfinite(table["expected_purchases"]).all()


@st.composite
def long_order_books(draw):
    """Order books of 5 to 60 customers over 200 to 700 days (long enough for the totals)."""
    days = draw(st.integers(200, 700))
    n = draw(st.integers(5, 60))
    rows = []
    for c in range(n):
        buys = draw(st.lists(st.integers(0, days), min_size=1, max_size=12))
        rows += [(f"c{c}", START + pd.Timedelta(days=d), 5.0) for d in buys]
    rows.append(("first", START, 1.0))
    rows.append(("last", START + pd.Timedelta(days=days), 1.0))
    return pd.DataFrame(rows, columns=["customer_id", "created_at", "amount"])


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(long_order_books(), st.sampled_from([7.0, 90.0, 365.0]))
def test_property_totals_are_finite_bounded_and_order_free(orders, horizon):
    out = segment_customers(orders, horizon_days=horizon)
    assert np.isfinite(out["expected_purchases"]).all() and (out["expected_purchases"] >= 0).all()
    assert SCALE_RANGE[0] <= out.attrs["total_scale"] <= SCALE_RANGE[1]
    assert all(SCALE_RANGE[0] <= v <= SCALE_RANGE[1] for v in out.attrs["total_parts"].values())
    again = segment_customers(orders.sample(frac=1, random_state=1), horizon_days=horizon)
    pd.testing.assert_frame_equal(out, again)
