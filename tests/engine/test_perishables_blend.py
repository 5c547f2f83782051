"""The newsvendor estimator's blend: weights set by validation cost pooled across items."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import InputError
from engine.perishables import NewsvendorRegressor, design
from engine.perishables.estimator import BLEND_FACTORS

PARTS = ("sample_average", "forest", "neighbours", "pooled")


def shop(items: dict, days: int = 180, seed: int = 0, weekend: float = 1.0):
    """Feature rows, demand and item of each row for several items (busier weekends)."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2024-01-01", periods=days)
    Xs, ys, gs = [], [], []
    for name, base in items.items():
        mu = base * (1 + weekend * (dates.day_of_week >= 5))
        y = rng.poisson(mu).astype(float)
        rows = np.arange(8, days)
        Xs.append(design(y, dates, rows, rows - 1))
        ys.append(y[rows])
        gs += [name] * len(rows)
    return pd.concat(Xs), np.concatenate(ys), np.asarray(gs, dtype=object)


def relative_cost(model: NewsvendorRegressor) -> pd.Series:
    """Each learner's validation cost relative to the sample average's, mean over items."""
    costs = model.validation_cost_
    return costs.div(costs["sample_average"], axis=0).mean()


def test_every_item_gets_one_blend_whose_weights_follow_the_shared_pattern():
    X, y, g = shop({"bread": 30.0, "bun": 12.0, "tart": 5.0})
    model = NewsvendorRegressor(0.8, candidates=("sample_average", "forest")).fit(X, y, g)
    assert model.choice_ == {"bread": "blend", "bun": "blend", "tart": "blend"}
    assert model.weights_["forest"] >= 0.7  # the weekend is there for every item
    q = model.predict(X, g)
    weekend = X["dow_5"].to_numpy() + X["dow_6"].to_numpy() > 0
    assert q[weekend & (g == "bread")].mean() > 1.5 * q[~weekend & (g == "bread")].mean()


def test_with_nothing_to_learn_the_blend_leans_on_the_sample_average():
    X, y, g = shop({"a": 20.0, "b": 20.0, "c": 20.0, "d": 20.0}, days=240, weekend=0.0)
    X = X.assign(noise=np.random.default_rng(5).normal(size=len(X)))
    model = NewsvendorRegressor(0.5, candidates=("sample_average", "neighbours")).fit(X, y, g)
    assert model.weights_["sample_average"] >= 0.5


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), st.sampled_from([0.1, 0.5, 0.9]), st.integers(2, 4))
def test_the_blend_costs_no_more_in_validation_than_any_one_learner(seed, ratio, n_items):
    """Each learner alone is a corner of the weight grid, so the chosen weights' pooled
    relative cost is at most every single learner's."""
    items = {f"item{i}": float(v) for i, v in
             enumerate(np.random.default_rng(seed).integers(2, 40, n_items))}
    X, y, g = shop(items, days=120, seed=seed)
    model = NewsvendorRegressor(ratio, candidates=PARTS).fit(X, y, g)
    weights = np.array(list(model.weights_.values()))
    assert set(model.weights_) == set(PARTS)
    assert (weights >= 0).all() and weights.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(weights * 10, np.round(weights * 10), atol=1e-9)
    assert model.factor_ in BLEND_FACTORS
    rel = relative_cost(model)
    assert rel["blend"] <= rel[list(PARTS)].min() + 1e-9
    q = model.predict(X, g)
    assert np.isfinite(q).all() and (q >= 0).all()


def test_a_blend_of_one_learner_is_that_learner_times_the_factor():
    X, y, g = shop({"bread": 30.0, "bun": 12.0})
    blend = NewsvendorRegressor(0.9, candidates=("forest",)).fit(X, y, g)
    alone = NewsvendorRegressor(0.9, candidates=("forest",), selection="item").fit(X, y, g)
    assert blend.weights_ == {"forest": 1.0} and alone.choice_["bread"] == "forest"
    np.testing.assert_allclose(blend.predict(X, g), blend.factor_ * alone.predict(X, g))


def test_the_factor_lifts_a_blend_that_ran_short_on_the_latest_days():
    """Demand that keeps growing: learners of past days plan too little on the latest days,
    and the factor, set on those days, makes up part of it."""
    rng = np.random.default_rng(2)
    dates = pd.date_range("2024-01-01", periods=240)
    Xs, ys, gs = [], [], []
    for name, base in (("bread", 20.0), ("bun", 8.0)):
        y = rng.poisson(base * (1 + np.arange(240) / 120)).astype(float)
        rows = np.arange(8, 240)
        Xs.append(design(y, dates, rows, rows - 1)[["dow_0", "month", "lag_level"]])
        ys.append(y[rows])
        gs += [name] * len(rows)
    model = NewsvendorRegressor(0.5, candidates=("sample_average", "forest")).fit(
        pd.concat(Xs), np.concatenate(ys), gs)
    assert model.factor_ > 1.0


def test_nothing_to_validate_leaves_the_factor_at_one():
    X, y, g = shop({"bread": 30.0})
    model = NewsvendorRegressor(0.5).fit(X.iloc[:20], y[:20], g[:20])
    assert model.factor_ == 1.0 and model.choice_ == {"bread": "sample_average"}


def test_expected_demand_of_a_blend_mixes_its_parts_that_weigh_past_days():
    X, y, g = shop({"bread": 30.0})
    model = NewsvendorRegressor(0.7, candidates=("sample_average", "forest")).fit(X, y, g)
    dist = model.demand_distribution(X.iloc[:14], g[:14])
    for values, weights in dist:
        assert weights.sum() == pytest.approx(1.0) and (weights >= 0).all()
        assert len(values) == len(weights)
    means = np.array([w @ v for v, w in dist])
    if model.weights_["forest"] > 0:  # the forest's part sees the weekend
        weekend = X["dow_5"].to_numpy()[:14] + X["dow_6"].to_numpy()[:14] > 0
        assert means[weekend].mean() > means[~weekend].mean()


def test_an_unknown_selection_is_refused_naming_the_choices():
    X, y, g = shop({"bread": 30.0}, days=60)
    with pytest.raises(InputError, match="'blend', 'item' or 'all'"):
        NewsvendorRegressor(0.5, selection="best").fit(X, y, g)


def test_items_too_short_to_validate_keep_the_sample_average():
    X, y, g = shop({"bread": 30.0, "bun": 12.0})
    short = g == "bun"
    keep = ~short | (np.cumsum(short) <= 20)
    model = NewsvendorRegressor(0.6).fit(X[keep], y[keep], g[keep])
    assert model.choice_["bun"] == "sample_average" and model.choice_["bread"] == "blend"
