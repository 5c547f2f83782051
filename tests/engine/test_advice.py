"""engine.advise: one forecast per item feeds the plan; every table has its columns."""

from __future__ import annotations

import doctest
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import engine
from engine import advice as advice_module
from engine.advice import (
    ANOMALY_COLUMNS,
    FORECAST_COLUMNS,
    FRAUD_COLUMNS,
    REORDER_COLUMNS,
    REVENUE_COLUMNS,
    UPSELL_COLUMNS,
    advise,
)
from engine.errors import InputError
from engine.forecasting import forecast
from tests.conftest import REPO

AS_OF = pd.Timestamp("2024-07-01")


def shop(seed: int = 3, days: int = 182, items: int = 4):
    """Sales, stock, orders and lines of a small shop whose last sales day is June 30."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range(AS_OF - pd.Timedelta(days=days), AS_OF - pd.Timedelta(days=1))
    ids = [f"SKU-{i}" for i in range(items)]
    sales = pd.DataFrame({"unique_id": np.repeat(ids, len(dates)),
                          "ds": np.tile(dates, items),
                          "y": rng.poisson(np.repeat(np.linspace(0.5, 6, items), len(dates)))})
    stock = pd.DataFrame({"unique_id": ids, "on_hand": rng.integers(0, 80, items)})
    n = 600
    orders = pd.DataFrame({"order_id": [f"o{i}" for i in range(n)],
                           "customer_id": [f"c{i}" for i in rng.integers(0, 60, n)],
                           "created_at": dates[rng.integers(0, len(dates), n)]
                           + pd.to_timedelta(rng.integers(8, 20, n), "h"),
                           "amount": rng.gamma(4.0, 10.0, n).round(2)})
    first = rng.integers(0, items, n)
    lines = pd.DataFrame({"order_id": np.r_[orders["order_id"], orders["order_id"][::2]],
                          "product_id": np.r_[[ids[i] for i in first],
                                              [ids[(i + 1) % items] for i in first[::2]]],
                          "created_at": np.r_[orders["created_at"], orders["created_at"][::2]]})
    return sales, stock, orders, lines


@pytest.fixture(scope="module")
def full():
    sales, stock, orders, lines = shop()
    return advise(sales, stock, orders, lines=lines, as_of=AS_OF, lead_time=9)


def test_readme_examples_run():
    for module in (engine, advice_module):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.attempted > 0 and result.failed == 0, module.__name__


def test_the_readme_python_api_section_runs():
    """The README's "Python API" example (a pycon block) is a doctest, as engine's is."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    if "## Python API" not in text:
        pytest.skip("the README has no Python API section yet")
    section = text.split("## Python API", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```pycon\n(.*?)```", section, flags=re.S)
    assert blocks, "the Python API section has no ```pycon example"
    test = doctest.DocTestParser().get_doctest("\n".join(blocks), {}, "README", "README.md", 0)
    result = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS).run(test)
    assert result.attempted > 0 and result.failed == 0


def test_every_table_has_its_documented_columns(full):
    assert tuple(full.forecast.columns) == FORECAST_COLUMNS
    assert tuple(full.reorder.columns) == REORDER_COLUMNS
    assert tuple(full.upsell.columns) == UPSELL_COLUMNS
    assert tuple(full.anomalies.columns) == ANOMALY_COLUMNS
    assert tuple(full.revenue.columns) == REVENUE_COLUMNS
    assert tuple(full.fraud.columns) == FRAUD_COLUMNS and full.fraud.empty
    assert {"customer_id", "segment", "expected_purchases"} <= set(full.segments.columns)
    assert full.segments["customer_id"].nunique() == 60
    assert full.forecast["ds"].min() == AS_OF and len(full.revenue) == 112
    assert list(full.tables()) == ["reorder", "forecast", "upsell", "segments", "anomalies",
                                   "revenue", "fraud"]


def test_forecast_30_days_and_reorder_point_come_from_one_model(full):
    plan = full.reorder.set_index("unique_id")
    fc = full.forecast.groupby("unique_id")
    assert np.allclose(plan["forecast_30_days"], fc["forecast"].sum()[plan.index])
    assert (fc["model"].nunique() == 1).all()
    assert (fc["model"].first()[plan.index] == plan["model"]).all()
    assert plan["model"].map(lambda m: m.replace(" ", "").isalpha()).all()  # plain words


def test_the_forecast_is_the_one_shelfwise_forecast_gives(full):
    sales, *_ = shop()
    alone = forecast(sales, 30, freq="D")
    merged = full.forecast.merge(alone, on=["unique_id", "ds"], suffixes=("", "_alone"))
    assert len(merged) == len(full.forecast)
    assert np.allclose(merged["forecast"], merged["forecast_alone"])
    assert (merged["model"] == merged["model_alone"]).all()


def test_later_data_does_not_change_the_advice(full):
    sales, stock, orders, lines = shop()
    late = AS_OF + pd.Timedelta(days=3)
    more_sales = pd.concat([sales, pd.DataFrame({"unique_id": ["SKU-0"], "ds": [late],
                                                 "y": [500]})])
    more_orders = pd.concat([orders, pd.DataFrame({"order_id": ["late"], "customer_id": ["c1"],
                                                   "created_at": [late], "amount": [9e4]})])
    again = advise(more_sales, stock, more_orders, lines=lines, as_of=AS_OF, lead_time=9)
    pd.testing.assert_frame_equal(again.reorder, full.reorder)
    pd.testing.assert_frame_equal(again.segments, full.segments)
    pd.testing.assert_frame_equal(again.revenue, full.revenue)


def test_items_without_stock_have_nothing_on_hand_and_lead_times_are_per_item():
    sales, stock, *_ = shop(items=3)
    stock = stock.iloc[:2].assign(lead_time=[2.0, np.nan])
    out = advise(sales, stock, as_of=AS_OF, lead_time=20).reorder.set_index("unique_id")
    assert out.loc["SKU-2", "on_hand"] == 0 and out.loc["SKU-2", "order_now"] > 0
    assert out.loc["SKU-0", "reorder_point"] < out.loc["SKU-0", "forecast_30_days"]


def test_fraud_scores_the_latest_orders_against_the_ones_before():
    frame = pd.DataFrame({"order_id": [str(i) for i in range(80)],
                          "created_at": pd.date_range("2024-05-01", periods=80, freq="12h"),
                          "total": 40.0, "email": [f"c{i % 9}@x.com" for i in range(80)]})
    sales, *_ = shop(items=1)
    out = advise(sales, fraud_orders=frame, as_of=AS_OF, recent_orders=5).fraud
    assert out["order_id"].tolist() == ["75", "76", "77", "78", "79"]
    assert out["score"].between(0, 1).all() and set(out["risk_level"]) <= {"LOW", "MEDIUM",
                                                                          "HIGH"}


def test_too_little_data_gives_empty_tables_with_notes():
    sales, _, orders, lines = shop(items=2, days=40)
    few = advise(sales, None, orders.iloc[:5], lines=lines.iloc[:1], as_of=AS_OF)
    assert few.segments.empty and few.anomalies.empty and few.upsell.empty
    assert len(few.notes) == 3 and all(note.endswith(".") or ":" in note for note in few.notes)


def bakery(closed: tuple[str, ...] = ("2024-12-25", "2024-12-26")):
    """A bakery's sales and orders to 9 Jan 2025: busy Saturdays, next to nothing on `closed`."""
    rng = np.random.default_rng(3)
    days = pd.date_range("2024-08-01", "2025-01-09")
    weekly = np.array([1.0, 1.0, 1.0, 1.05, 1.2, 1.5, 0.8])[days.day_of_week]
    amount = 400 * weekly * rng.gamma(50, 1 / 50, len(days))
    amount[days.isin(pd.to_datetime(list(closed)))] = 5.0
    orders = pd.DataFrame({"customer_id": [f"c{i % 40}" for i in range(len(days))],
                           "created_at": days + pd.Timedelta(hours=9), "amount": amount})
    sales = pd.DataFrame({"unique_id": "bread", "ds": days, "y": rng.poisson(20, len(days))})
    return sales, orders


def test_the_shops_public_holidays_are_not_unusual_days():
    sales, orders = bakery()
    christmas = {pd.Timestamp("2024-12-25"), pd.Timestamp("2024-12-26")}
    plain = advise(sales, None, orders, as_of="2025-01-10")
    assert christmas <= set(plain.anomalies["ds"])
    german = advise(sales, None, orders, as_of="2025-01-10", country="DE")
    assert not christmas & set(german.anomalies["ds"]) and german.notes == ()
    assert german.forecast.equals(plain.forecast)  # only the unusual days change


def test_an_unknown_country_costs_the_holidays_not_the_unusual_days():
    sales, orders = bakery()
    plain = advise(sales, None, orders, as_of="2025-01-10")
    unknown = advise(sales, None, orders, as_of="2025-01-10", country="XX")
    assert unknown.anomalies.equals(plain.anomalies) and len(unknown.anomalies)
    assert unknown.notes == ("Unusual days judged without public holidays: country 'XX' is "
                             "not a country code the holidays package knows (ISO 3166, e.g. "
                             "US, GB, DE or DE-BY)",)


@pytest.mark.parametrize(("kwargs", "column"), [
    ({"sales": pd.DataFrame({"unique_id": ["a"], "ds": ["soon"], "y": [1]})}, "ds"),
    ({"sales": pd.DataFrame({"unique_id": ["a"], "ds": ["2024-01-01"], "y": ["x"]})}, "y"),
    ({"sales": pd.DataFrame({"unique_id": ["a"], "y": [1]})}, "ds"),
    ({"stock": pd.DataFrame({"unique_id": ["SKU-0"]})}, "on_hand"),
    ({"stock": pd.DataFrame({"unique_id": ["SKU-0"], "on_hand": ["lots"]})}, "on_hand"),
])
def test_bad_tables_name_the_column(kwargs, column):
    sales, *_ = shop(items=1, days=60)
    args = {"sales": sales, "stock": None, **kwargs}
    with pytest.raises(InputError) as info:
        advise(args["sales"], args["stock"], as_of=AS_OF)
    assert info.value.column == column


@pytest.mark.parametrize("kwargs", [{"lead_time": -1}, {"horizon": 0}, {"as_of": "never"},
                                    {"service_level": -0.5}, {"companions": 1.5}])
def test_bad_arguments_are_named(kwargs):
    sales, *_ = shop(items=1, days=60)
    with pytest.raises(InputError, match=next(iter(kwargs))):
        advise(sales, **{"as_of": AS_OF, **kwargs})


@settings(max_examples=12, deadline=None, derandomize=True,
          phases=[Phase.explicit, Phase.generate], suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.integers(0, 30), min_size=20, max_size=60), min_size=1, max_size=3),
       st.floats(0, 30), st.lists(st.integers(0, 200), min_size=3, max_size=3))
def test_any_sales_give_finite_non_negative_advice(series, lead_time, on_hand):
    rows = [(f"i{k}", AS_OF - pd.Timedelta(days=len(ys) - d), y)
            for k, ys in enumerate(series) for d, y in enumerate(ys)]
    sales = pd.DataFrame(rows, columns=["unique_id", "ds", "y"])
    stock = pd.DataFrame({"unique_id": [f"i{k}" for k in range(3)], "on_hand": on_hand})
    out = advise(sales, stock, as_of=AS_OF, lead_time=lead_time, horizon=14)
    numbers = out.reorder[["forecast_30_days", "reorder_point", "order_now",
                           "order_quantity"]].to_numpy(float)
    assert np.isfinite(numbers).all() and (numbers >= 0).all(), out.reorder.T
    assert np.isfinite(out.reorder["safety_stock"].to_numpy(float)).all()  # may be < 0
    bands = out.forecast[["lo_95", "lo_80", "forecast", "hi_80", "hi_95"]].to_numpy(float)
    assert np.isfinite(bands).all() and (bands >= 0).all()
    assert (np.diff(bands, axis=1) >= -1e-9).all()
    assert len(out.forecast) == 14 * len(series) == 14 * len(out.reorder)
