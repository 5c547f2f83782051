"""The perishables engine: leak-free features, the newsvendor estimator and the plan."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import InputError
from engine.perishables import NewsvendorRegressor, design, lag_features
from engine.perishables.candidates import pinball_cost, weighted_quantile
from engine.perishables.plan import PLAN_COLUMNS, critical_ratio, plan_perishables

FAST = ("sample_average", "forest", "boosting")


def bakery(days=140, seed=0, items=(("bread", 30.0), ("bun", 12.0))):
    """A small synthetic bakery: busy weekends, warm days sell more, promotions sell more."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2024-01-01", periods=days + 14)
    temp = 15 + 8 * np.sin(np.arange(days + 14) / 20) + rng.normal(0, 1, days + 14)
    promo = (rng.random(days + 14) < 0.15).astype(float)
    sales = []
    for name, base in items:
        mu = base * (1 + 0.6 * (dates.day_of_week >= 5)) * (1 + 0.03 * (temp - 15)) \
            * (1 + 0.5 * promo)
        sales.append(pd.DataFrame({"unique_id": name, "ds": dates[:days],
                                   "y": rng.poisson(mu[:days]).astype(float)}))
    features = pd.DataFrame({"ds": dates, "temperature": temp.round(1), "promotion": promo})
    return pd.concat(sales, ignore_index=True), features


# -- features: nothing from the day being planned ---------------------------------------

@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 50), min_size=40, max_size=80), st.data())
def test_changing_the_planned_day_changes_none_of_its_features(values, data):
    y = np.array(values, dtype=float)
    t = data.draw(st.integers(30, len(y) - 1))
    before = lag_features(y, np.array([t]), np.array([t - 1]))
    changed = y.copy()
    changed[t:] = data.draw(st.integers(0, 10_000))
    after = lag_features(changed, np.array([t]), np.array([t - 1]))
    pd.testing.assert_frame_equal(before, after)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 50), min_size=40, max_size=80), st.integers(0, 10_000))
def test_a_week_ahead_reads_only_days_up_to_the_plan_date(values, spike):
    y = np.array(values, dtype=float)
    origin = len(y) - 8
    targets = np.arange(origin + 1, origin + 8)
    before = lag_features(y, targets, np.full(7, origin))
    changed = y.copy()
    changed[origin + 1:] = spike
    pd.testing.assert_frame_equal(before, lag_features(changed, targets, np.full(7, origin)))
    assert before["horizon"].tolist() == list(range(1, 8))


def test_lag_features_are_the_statistics_of_the_days_before():
    y = np.arange(1.0, 41.0)
    row = lag_features(y, np.array([35]), np.array([34])).iloc[0]
    assert row["lag_last"] == y[34]
    assert row["lag_mean_7"] == pytest.approx(y[28:35].mean())
    assert row["lag_max_7"] == y[34] and row["lag_min_7"] == y[28]
    assert row["lag_weekday_4"] == pytest.approx(y[[28, 21, 14, 7]].mean())


def test_an_origin_on_or_after_its_target_is_refused():
    with pytest.raises(ValueError, match="before its target"):
        lag_features(np.ones(30), np.array([10]), np.array([10]))


def test_quantity_of_a_day_ignores_that_days_demand():
    """The estimator's quantity for day t, fitted on days before t, is the same whatever
    the demand on day t turns out to be."""
    sales, _ = bakery(days=120, items=(("bread", 30.0),))
    y = sales["y"].to_numpy()
    dates = pd.DatetimeIndex(sales["ds"])
    train, t = np.arange(8, 100), np.array([100])
    model = NewsvendorRegressor(0.8, candidates=FAST).fit(
        design(y, dates, train, train - 1), y[train])
    q = model.predict(design(y, dates, t, t - 1))
    y2 = y.copy()
    y2[100] = 10_000.0
    assert model.predict(design(y2, dates, t, t - 1)) == pytest.approx(q)


def test_holidays_come_from_the_country():
    X = design(np.ones(40), pd.date_range("2024-12-01", periods=40), np.array([24]),
               np.array([23]), country="DE")
    assert X["holiday"].iloc[0] == 1 and X["holiday_tomorrow"].iloc[0] == 1


# -- the estimator ----------------------------------------------------------------------

def test_weighted_quantile_is_the_smallest_value_reaching_the_ratio():
    values = np.array([5.0, 1.0, 3.0, 2.0])
    assert weighted_quantile(values, np.ones((1, 4)), 0.5)[0] == 2.0
    assert weighted_quantile(values, np.array([[0.0, 0.0, 1.0, 0.0]]), 0.9)[0] == 3.0


def test_learns_the_weekend_and_beats_the_sample_average():
    dates = pd.date_range("2024-01-01", periods=200)
    y = np.random.default_rng(3).poisson(30 * (1 + (dates.day_of_week >= 5))).astype(float)
    train, test = np.arange(8, 150), np.arange(150, 200)
    model = NewsvendorRegressor(0.9).fit(design(y, dates, train, train - 1), y[train])
    q = model.predict(design(y, dates, test, test - 1))
    saa = np.quantile(y[train], 0.9, method="higher")
    assert pinball_cost(y[test], q, 0.9) < 0.85 * pinball_cost(y[test], np.full(50, saa), 0.9)
    weekend = dates[test].day_of_week >= 5
    assert q[weekend].mean() > 1.3 * q[~weekend].mean()
    assert set(model.validation_cost_.columns) == set(model.candidates)


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, 40), min_size=60, max_size=90),
       st.floats(0.05, 0.95), st.integers(1, 5))
def test_quantities_are_finite_non_negative_and_the_same_in_chunks(values, ratio, chunks):
    y = np.array(values, dtype=float)
    dates = pd.date_range("2024-01-01", periods=len(y))
    rows = np.arange(1, len(y))
    X = design(y, dates, rows, rows - 1)
    model = NewsvendorRegressor(ratio, candidates=("sample_average", "forest", "pooled")) \
        .fit(X, y[rows])
    whole = model.predict(X)
    assert np.isfinite(whole).all() and (whole >= 0).all()
    parts = np.concatenate([model.predict(X.iloc[idx])
                            for idx in np.array_split(np.arange(len(X)), chunks)])
    np.testing.assert_allclose(parts, whole)


def test_sample_average_orders_more_at_a_higher_ratio():
    y = np.random.default_rng(1).poisson(20, 100).astype(float)
    X = pd.DataFrame({"lag_level": np.full(100, 20.0)})
    low, high = (NewsvendorRegressor(r, candidates=("sample_average",)).fit(X, y).predict(X[:1])
                 for r in (0.3, 0.9))
    assert high[0] > low[0]


@pytest.mark.parametrize("ratio", [0.0, 1.0, 1.5, -0.2])
def test_a_ratio_outside_zero_and_one_is_refused(ratio):
    X = pd.DataFrame({"lag_level": np.ones(40)})
    with pytest.raises(InputError, match="critical ratio"):
        NewsvendorRegressor(ratio).fit(X, np.ones(40))


def test_unknown_candidates_and_non_finite_demand_are_refused():
    X = pd.DataFrame({"lag_level": np.ones(40)})
    with pytest.raises(InputError, match="unknown candidates"):
        NewsvendorRegressor(0.5, candidates=("magic",)).fit(X, np.ones(40))
    with pytest.raises(InputError, match="finite"):
        NewsvendorRegressor(0.5).fit(X, np.r_[np.ones(39), np.inf])


# -- the plan ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def plan():
    sales, features = bakery()
    return plan_perishables(sales, price=3.0, cost=1.0, salvage=0.2, features=features,
                            days=7, country="DE", candidates=FAST)


def test_plan_has_the_contract_columns_and_a_row_per_item_and_day(plan):
    assert list(plan.columns[:7]) == ["unique_id", "ds", "quantity", "critical_ratio",
                                      "expected_sales", "expected_waste",
                                      "expected_lost_sales"]
    assert list(plan.columns) == PLAN_COLUMNS
    assert not plan["model"].str.contains("no history").any()
    assert plan.groupby("unique_id").size().to_dict() == {"bread": 7, "bun": 7}
    assert plan["ds"].min() == pd.Timestamp("2024-05-20")  # the day after the last sale


def test_plan_numbers_hang_together(plan):
    assert plan["critical_ratio"].eq(critical_ratio(3.0, 1.0, 0.2)).all()
    assert (plan["quantity"] == plan["quantity"].round()).all()  # whole loaves
    np.testing.assert_allclose(plan["expected_sales"] + plan["expected_waste"],
                               plan["quantity"])
    for col in ("expected_sales", "expected_waste", "expected_lost_sales", "waste_cost"):
        assert (plan[col] >= 0).all()
    np.testing.assert_allclose(plan["waste_cost"], 0.8 * plan["expected_waste"])
    np.testing.assert_allclose(plan["lost_margin"], 2.0 * plan["expected_lost_sales"])


def test_plan_bakes_more_for_the_weekend_and_says_why(plan):
    bread = plan[plan["unique_id"] == "bread"].set_index("ds")
    weekend = bread.index.day_of_week >= 5
    assert bread["quantity"][weekend].mean() > bread["quantity"][~weekend].mean()
    assert bread["reason"].iloc[0].startswith("Monday, ")
    assert all("°C" in r and "usual" in r for r in bread["reason"])


def test_item_prices_override_the_defaults():
    sales, _ = bakery(days=80)
    items = pd.DataFrame({"unique_id": ["bun"], "price": [2.0], "cost": [1.5]})
    out = plan_perishables(sales, price=3.0, cost=1.0, items=items, days=2,
                           candidates=("sample_average",))
    ratios = out.groupby("unique_id")["critical_ratio"].first()
    assert ratios["bun"] == pytest.approx(0.25) and ratios["bread"] == pytest.approx(2 / 3)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"price": 1.0, "cost": 1.0}, "price must be above cost"),
    ({"price": 3.0, "cost": 1.0, "salvage": 1.0}, "salvage must be below cost"),
    ({"price": 3.0}, "no cost for item"),
    ({"price": 3.0, "cost": 1.0, "days": 0}, "days must be a whole number"),
])
def test_bad_prices_and_days_are_named(kwargs, message):
    sales, _ = bakery(days=40)
    with pytest.raises(InputError, match=message):
        plan_perishables(sales, **kwargs)


def test_features_must_cover_the_days_ahead():
    sales, features = bakery(days=60)
    short = features[features["ds"] <= sales["ds"].max() + pd.Timedelta(days=2)]
    with pytest.raises(InputError, match="must cover the days ahead"):
        plan_perishables(sales, price=3.0, cost=1.0, features=short, days=7)
    bad = features.astype({"temperature": object})
    bad.loc[5, "temperature"] = "warm"
    with pytest.raises(InputError, match="not a number") as err:
        plan_perishables(sales, price=3.0, cost=1.0, features=bad, days=7)
    assert err.value.row == 5 and err.value.column == "temperature"


def test_an_item_with_too_little_history_still_gets_rows():
    sales, _ = bakery(days=60)
    new = pd.DataFrame({"unique_id": "tart", "ds": sales["ds"].max(), "y": [4.0]},
                       index=[0])
    out = plan_perishables(pd.concat([sales, new]), price=3.0, cost=1.0, days=3,
                           candidates=("sample_average",))
    tart = out[out["unique_id"] == "tart"]
    assert len(tart) == 3 and (tart["model"] == "no history").all()
    assert (tart["quantity"] == 0).all()


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, 30), min_size=1, max_size=45), st.integers(1, 4),
       st.floats(0.5, 5.0), st.floats(0.05, 0.45))
def test_any_small_history_gives_a_finite_non_negative_plan(values, days, price, cost_share):
    sales = pd.DataFrame({"unique_id": "x", "ds": pd.date_range("2024-01-01",
                                                                periods=len(values)),
                          "y": np.array(values, dtype=float)})
    try:
        out = plan_perishables(sales, price=price, cost=price * cost_share, days=days,
                               candidates=("sample_average", "forest"))
    except InputError as err:  # the one refusal allowed: too little history, said so
        assert "need at least 8 days" in str(err)
        return
    assert len(out) == days
    numbers = out.select_dtypes("number")
    assert np.isfinite(numbers.to_numpy()).all() and (out["quantity"] >= 0).all()
    assert (out["expected_waste"] >= 0).all() and (out["expected_lost_sales"] >= 0).all()


def test_features_of_one_item_apply_to_that_item_only():
    sales, features = bakery(days=70)
    shared = features[["ds", "temperature"]]
    promo = pd.DataFrame({"ds": features["ds"], "unique_id": "bread",
                          "promotion": features["promotion"]})
    promo.loc[promo["ds"] > sales["ds"].max(), "promotion"] = 1.0
    both = pd.concat([shared.assign(unique_id=""), promo], ignore_index=True)
    out = plan_perishables(sales, price=3.0, cost=1.0, features=both, days=2,
                           candidates=("sample_average", "forest"))
    reasons = out.groupby("unique_id")["reason"].first()
    assert "a promotion" in reasons["bread"] and "promotion" not in reasons["bun"]
    assert "°C" in reasons["bun"]


def test_the_forecast_engine_candidate_reads_its_interval_columns():
    from engine.perishables.forecast_candidate import forecast_quantiles

    sales, _ = bakery(days=90)
    high = forecast_quantiles(sales, {"bread": 0.9, "bun": 0.9}, 3)
    low = forecast_quantiles(sales, {"bread": 0.1, "bun": 0.1}, 3)
    assert len(high) == 6 and (high["quantity"] >= 0).all()
    assert (high["quantity"] > low["quantity"]).all()


def test_a_failing_forecast_engine_leaves_the_learned_plan(monkeypatch):
    import engine.forecasting

    def broken(*args, **kwargs):
        raise RuntimeError("internals changed")

    sales, _ = bakery(days=60)
    kwargs = {"price": 3.0, "cost": 1.0, "days": 2}
    learned = plan_perishables(sales, candidates=FAST, **kwargs)
    monkeypatch.setattr(engine.forecasting, "forecast", broken)
    out = plan_perishables(sales, candidates=(*FAST, "forecast"), **kwargs)
    pd.testing.assert_frame_equal(out, learned)


def test_an_item_without_rows_in_item_features_gets_none_of_them():
    sales, features = bakery(days=60)
    promo = pd.DataFrame({"ds": features["ds"], "unique_id": "bread",
                          "promotion": features["promotion"]})
    out = plan_perishables(sales, price=3.0, cost=1.0, features=promo, days=2,
                           candidates=("sample_average",))
    assert out.groupby("unique_id").size().to_dict() == {"bread": 2, "bun": 2}


def test_expected_waste_comes_from_the_learner_that_chose_the_quantity():
    """With the sample average chosen, every day's expected demand (sales + lost sales) is
    the sample's, the same whatever the weekday: the forest's weekday view does not leak into
    the expectations of a quantity it did not choose."""
    rng = np.random.default_rng(11)
    days = pd.date_range("2024-01-01", periods=200, freq="D")
    weekend = days.day_of_week >= 5
    sales = pd.DataFrame({"unique_id": "bread", "ds": days,
                          "y": rng.poisson(np.where(weekend, 30, 10))})
    plan = plan_perishables(sales, price=3.0, cost=1.0, days=7,
                            candidates=("sample_average",))
    demand = plan["expected_sales"] + plan["expected_lost_sales"]
    assert np.allclose(demand, demand.iloc[0])
    assert np.allclose(plan["expected_sales"] + plan["expected_waste"], plan["quantity"])
