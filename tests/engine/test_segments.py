"""Customer segments: RFM names, P(alive), BG/NBD and MBG/NBD, input sanity, seasonal totals,
the CLI and CUSTOMER_SEGMENTS."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.cli import main
from engine.errors import InputError
from engine.segments import (
    SEGMENT_COLUMNS,
    SEGMENTS,
    SHOPIFY_RFM_GROUP,
    BetaGeoModel,
    ModifiedBetaGeoModel,
    RFMSegmenter,
    name_segments,
    segment_customers,
)
from tests.excel_harness import call

AS_OF = pd.Timestamp("2024-06-30")


def orders_of(history: dict[str, list[tuple[int, float]]]) -> pd.DataFrame:
    """{customer: [(days before AS_OF, amount), ...]} as an orders table."""
    rows = [(c, AS_OF - pd.Timedelta(days=d), a) for c, buys in history.items() for d, a in buys]
    return pd.DataFrame(rows, columns=["customer_id", "created_at", "amount"])


def shop() -> pd.DataFrame:
    """Hand-made customers with an obvious story each, plus one-order filler customers."""
    weekly = [(d, 80.0) for d in range(2, 180, 14)]  # every two weeks, last 2 days ago
    history = {
        "champion": weekly,
        "lapsed_big": [(d, 150.0) for d in range(250, 420, 15)],  # was loyal, gone 250 days
        "new": [(1, 20.0)],
        "lost": [(350, 10.0)],
        "two_then_gone": [(300, 15.0), (280, 15.0)],
    }
    rng = np.random.default_rng(3)
    for i in range(30):  # most customers have one order, as in real shops
        history[f"one_{i}"] = [(int(rng.integers(0, 365)), float(rng.integers(10, 60)))]
    for i in range(10):
        start = int(rng.integers(40, 300))
        history[f"repeat_{i}"] = [(start - k * 20, 40.0) for k in range(int(rng.integers(2, 4)))]
    return orders_of(history)


def test_hand_made_customers_get_the_named_segments():
    table = segment_customers(shop(), as_of=AS_OF).set_index("customer_id")
    assert table.loc["champion", "segment"] == "Champions"
    # was loyal, gone 250 days: the model is sure they left, so the name says so
    assert table.loc["lapsed_big", "p_alive"] < 0.1
    assert table.loc["lapsed_big", "segment"] == "Lost"
    assert table.loc["new", "segment"] == "New"
    assert table.loc["lost", "segment"] == "Lost"
    assert table.loc["lost", "shopify_rfm_group"] == "DORMANT"
    assert table.loc["champion", "shopify_rfm_group"] == "CHAMPIONS"
    assert set(table["segment"]) <= set(SHOPIFY_RFM_GROUP)


def test_contract_columns_and_values():
    table = segment_customers(shop(), as_of=AS_OF)
    assert list(table.columns[:8]) == ["customer_id", "recency_days", "frequency", "monetary",
                                       "r_score", "f_score", "m_score", "segment"]
    assert list(table.columns) == SEGMENT_COLUMNS
    row = table.set_index("customer_id").loc["champion"]
    assert row["recency_days"] == 2 and row["frequency"] == 13 and row["monetary"] == 1040.0
    assert table[["r_score", "f_score", "m_score"]].isin(range(1, 6)).all().all()


def test_one_order_customers_score_f1_and_repeat_buyers_spread_above():
    table = segment_customers(shop(), as_of=AS_OF)
    one = table["frequency"] == 1
    assert (table.loc[one, "f_score"] == 1).all()
    assert (table.loc[~one, "f_score"] >= 2).all()
    assert table.loc[~one, "f_score"].max() == 5
    # the most frequent repeat buyer has the top frequency score
    assert table.loc[table["frequency"].idxmax(), "f_score"] == 5


def test_only_one_order_customers():
    orders = orders_of({f"c{i}": [(i * 10, 10.0 + i)] for i in range(6)})
    table = segment_customers(orders, as_of=AS_OF)
    assert (table["f_score"] == 1).all()
    assert np.isfinite(table["expected_purchases"]).all()
    assert table.loc[table["customer_id"] == "c0", "segment"].item() == "New"


def test_orders_after_as_of_are_left_out_and_default_as_of_is_last_order():
    orders = shop()
    late = pd.DataFrame({"customer_id": ["lost"], "created_at": [AS_OF + pd.Timedelta(days=5)],
                         "amount": [99.0]})
    table = segment_customers(pd.concat([orders, late]), as_of=AS_OF).set_index("customer_id")
    assert table.loc["lost", "frequency"] == 1
    default = segment_customers(orders).set_index("customer_id")
    assert default.loc["new", "recency_days"] == 0  # the newest order is 1 day before AS_OF


def test_bgnbd_expects_more_from_frequent_recent_buyers():
    table = segment_customers(shop(), as_of=AS_OF).set_index("customer_id")
    exp = table["expected_purchases"]
    assert exp["champion"] > exp["new"] > 0
    assert exp["champion"] > exp["lapsed_big"]
    assert exp["champion"] > exp["lost"]
    assert table.loc["champion", "p_alive"] > table.loc["lapsed_big", "p_alive"]
    assert (exp >= 0).all() and (table["p_alive"].between(0, 1)).all()


def test_bgnbd_recovers_simulated_parameters():
    rng = np.random.default_rng(7)
    n, horizon = 3000, 200.0
    r, alpha, a, b = 0.5, 20.0, 0.8, 3.0
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    x, t_x = np.zeros(n), np.zeros(n)
    for i in range(n):
        t = 0.0
        while True:
            t += rng.exponential(1 / lam[i])
            if t > horizon:
                break
            x[i], t_x[i] = x[i] + 1, t
            if rng.random() < p[i]:
                break
    model = BetaGeoModel().fit(x, t_x, np.full(n, horizon))
    assert model.params_["r"] == pytest.approx(r, rel=0.25)
    assert model.params_["alpha"] == pytest.approx(alpha, rel=0.35)
    assert model.params_["a"] / (model.params_["a"] + model.params_["b"]) == \
        pytest.approx(a / (a + b), abs=0.08)
    assert np.isfinite(model.log_likelihood_)


def test_bgnbd_handles_extreme_histories():
    model = BetaGeoModel().fit([0, 0, 0], [0, 0, 0], [10, 20, 30])  # nobody repeats
    assert np.isfinite(list(model.params_.values())).all()
    big = model.expected_purchases(30, [400], [365], [365])  # far beyond the fitted range
    assert np.isfinite(big).all() and big[0] > 0


def test_unfitted_models_refuse_to_predict():
    with pytest.raises(RuntimeError, match="not fitted"):
        BetaGeoModel().expected_purchases(10, [1], [5], [10])
    with pytest.raises(RuntimeError, match="not fitted"):
        RFMSegmenter().transform(shop())


def test_estimator_conventions():
    segmenter = RFMSegmenter(4, as_of=AS_OF)
    assert segmenter.get_params() == {"n_bins": 4, "as_of": AS_OF}
    assert segmenter.fit(shop()) is segmenter and hasattr(segmenter, "edges_")
    assert name_segments([5, 1, 3], [5, 1, 3], [5, 1, 3]).tolist() == \
        ["Champions", "Lost", "At risk"]


def test_engine_names_the_bad_row_and_column():
    orders = shop()
    orders.loc[4, "amount"] = -5.0
    with pytest.raises(InputError) as err:
        segment_customers(orders)
    assert err.value.row == 4 and err.value.column == "amount"
    with pytest.raises(InputError, match="after as_of"):
        segment_customers(shop(), as_of="2020-01-01")


def simulated_shop(n=400, days=540, seed=11, growth=0.0):
    """Customers who buy at Poisson rates and leave at random; arrivals grow by `growth`/day."""
    rng = np.random.default_rng(seed)
    rows = []
    weights = np.exp(growth * np.arange(days))
    starts = rng.choice(days, size=n, p=weights / weights.sum())
    for c, start in enumerate(starts):
        rate = rng.gamma(0.8, 1 / 40)  # about one purchase in 50 days
        leave = rng.beta(1.0, 4.0)
        t = float(start)
        while t < days:
            rows.append((f"c{c}", pd.Timestamp("2023-01-01") + pd.Timedelta(days=int(t)),
                         float(rng.integers(5, 80))))
            if rng.random() < leave:
                break
            t += rng.exponential(1 / rate)
    return pd.DataFrame(rows, columns=["customer_id", "created_at", "amount"])


def test_vocabulary_is_the_eight_readme_names_with_shopify_groups():
    assert SEGMENTS == ("Champions", "Loyal", "Potential loyalists", "New", "At risk",
                        "Can't lose them", "Hibernating", "Lost")
    assert set(SHOPIFY_RFM_GROUP) == set(SEGMENTS)
    assert SHOPIFY_RFM_GROUP["Can't lose them"] == "PREVIOUSLY_LOYAL"
    assert SHOPIFY_RFM_GROUP["Lost"] == "DORMANT"
    table = segment_customers(simulated_shop(), seasonal=False)
    assert set(table["segment"]) <= set(SEGMENTS)
    assert (table["shopify_rfm_group"] == table["segment"].map(SHOPIFY_RFM_GROUP)).all()


def test_names_agree_with_p_alive():
    table = segment_customers(simulated_shop(), seasonal=False)
    by = table.groupby("segment")["p_alive"]
    assert "Lost" in by.groups and by.max()["Lost"] < 0.5
    for name in ("Champions", "Loyal", "Potential loyalists"):
        if name in by.groups:
            assert by.min()[name] >= 0.5, name
    for name in ("Hibernating", "At risk", "Can't lose them"):
        if name in by.groups:
            assert by.min()[name] >= 0.1, name
    # the same rules on hand-picked scores
    assert name_segments([1, 5, 2], [1, 5, 4], [1, 5, 4], p_alive=[0.8, 0.3, 0.05]).tolist() \
        == ["Hibernating", "Can't lose them", "Lost"]


def test_one_time_buyers_p_alive_falls_with_time_since_purchase():
    table = segment_customers(simulated_shop(), seasonal=False)
    assert table.attrs["repeat_model"] in {"MBG/NBD", "Pareto/NBD"}  # never BG/NBD
    model = ModifiedBetaGeoModel().fit([0, 0, 3, 5, 1], [0, 0, 60, 80, 10],
                                       [20, 300, 100, 100, 200])
    p = model.probability_alive([0, 0, 0], [0, 0, 0], [5, 100, 1000])
    assert p[0] > p[1] > p[2] and p[2] < 0.5
    bg = BetaGeoModel().fit([0, 0, 3, 5, 1], [0, 0, 60, 80, 10], [20, 300, 100, 100, 200])
    assert (bg.probability_alive([0, 0], [0, 0], [5, 1000]) == 1.0).all()  # the BG/NBD flaw


def test_modified_model_recovers_simulated_parameters():
    rng = np.random.default_rng(5)
    n, horizon = 3000, 200.0
    r, alpha, a, b = 0.6, 15.0, 1.0, 4.0
    lam, p = rng.gamma(r, 1 / alpha, n), rng.beta(a, b, n)
    x, t_x = np.zeros(n), np.zeros(n)
    for i in range(n):
        t = 0.0
        while rng.random() >= p[i]:  # MBG/NBD: may leave right after the first purchase too
            t += rng.exponential(1 / lam[i])
            if t > horizon:
                break
            x[i], t_x[i] = x[i] + 1, t
    model = ModifiedBetaGeoModel().fit(x, t_x, np.full(n, horizon))
    assert model.params_["r"] == pytest.approx(r, rel=0.3)
    assert model.params_["a"] / (model.params_["a"] + model.params_["b"]) == \
        pytest.approx(a / (a + b), abs=0.08)
    new = model.expected_new_customer([0.0, 50.0, 200.0])
    assert new[0] == 0 and 0 < new[1] < new[2] < r / alpha * 200


def test_totals_follow_a_growing_shop():
    growing = simulated_shop(n=900, days=720, growth=0.004, seed=3)
    table = segment_customers(growing, horizon_days=90)
    flat = segment_customers(growing, horizon_days=90, seasonal=False)
    assert table.attrs["total_scale"] == pytest.approx(
        table["expected_purchases"].sum() / flat["expected_purchases"].sum())
    # each customer keeps their share from the repeat-purchase model
    share = table["expected_purchases"] / table["expected_purchases"].sum()
    assert np.allclose(share, flat["expected_purchases"] / flat["expected_purchases"].sum())
    assert 1 / 3 <= table.attrs["total_scale"] <= 3


def test_order_lines_are_grouped_by_order_id_and_guests_are_counted():
    lines = pd.DataFrame({
        "order_id": ["#1", "#1", "#2", "#3", "#3", "#4"],
        "customer_id": ["a", "a", "a", "b", "b", None],
        "created_at": pd.to_datetime(["2024-01-01 10:00", "2024-01-01 10:00",
                                      "2024-02-01 09:00", "2024-01-15 12:00",
                                      "2024-01-15 12:00", "2024-01-20 08:00"]),
        "amount": [10.0, 5.0, 20.0, 7.0, 3.0, 50.0],
        "product_id": ["x", "y", "x", "x", "z", "y"],
    })
    table = segment_customers(lines, seasonal=False).set_index("customer_id")
    assert table.loc["a", "frequency"] == 2 and table.loc["a", "monetary"] == 35.0
    assert table.loc["b", "frequency"] == 1 and table.loc["b", "monetary"] == 10.0
    assert table.attrs["left_out_no_customer"] == 1
    with pytest.raises(InputError, match="order_id") as err:
        segment_customers(lines.drop(columns="order_id"))
    assert "order lines" in str(err.value)
    with pytest.raises(InputError, match="no order has a customer"):
        segment_customers(lines.assign(customer_id=None))


@st.composite
def order_books(draw):
    """Small order histories: a few customers, repeated days, zero amounts, guests."""
    n = draw(st.integers(1, 40))
    customers = draw(st.lists(st.sampled_from(["a", "b", "c", "d", "e", "f", None]),
                              min_size=n, max_size=n))
    if all(c is None for c in customers):
        customers[0] = "a"
    offsets = draw(st.lists(st.integers(0, 900), min_size=n, max_size=n))
    amounts = draw(st.lists(st.floats(0, 1e6, allow_nan=False), min_size=n, max_size=n))
    return pd.DataFrame({"customer_id": customers,
                         "created_at": [AS_OF - pd.Timedelta(days=d) for d in offsets],
                         "amount": amounts})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(order_books(), st.sampled_from([7.0, 90.0, 365.0]))
def test_property_no_crash_finite_deterministic_and_order_free(orders, horizon):
    out = segment_customers(orders, horizon_days=horizon, seasonal=False)
    assert list(out.columns) == SEGMENT_COLUMNS
    assert set(out["segment"]) <= set(SEGMENTS)
    assert out["p_alive"].between(0, 1).all()
    assert np.isfinite(out["expected_purchases"]).all() and (out["expected_purchases"] >= 0).all()
    assert (out.loc[out["segment"] == "Lost", "p_alive"] < 0.5).all()
    assert out.attrs["left_out_no_customer"] == int(orders["customer_id"].isna().sum())
    again = segment_customers(orders.sample(frac=1, random_state=2), horizon_days=horizon,
                              seasonal=False)
    pd.testing.assert_frame_equal(out, again)


def test_seasonal_totals_are_deterministic_and_finite():
    orders = simulated_shop(n=300, days=400, seed=9)
    first = segment_customers(orders)
    second = segment_customers(orders.sample(frac=1, random_state=0))
    pd.testing.assert_frame_equal(first, second)
    assert np.isfinite(first["expected_purchases"]).all()


# ---------------------------------------------------------------------------- command line


def write_orders(path, orders):
    frame = orders.assign(created_at=orders["created_at"].dt.strftime("%Y-%m-%d"))
    frame.to_csv(path, index=False)


def test_cli_writes_segments(tmp_path):
    write_orders(tmp_path / "orders.csv", shop())
    out = tmp_path / "segments.csv"
    result = CliRunner().invoke(main, ["segments", str(tmp_path / "orders.csv"), "-o", str(out),
                                       "--as-of", "2024-06-30"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    assert list(table.columns) == SEGMENT_COLUMNS
    assert table.set_index("customer_id").loc["champion", "segment"] == "Champions"


def test_cli_to_stdout():
    buffer = io.StringIO()
    write_orders(buffer, shop())
    result = CliRunner().invoke(main, ["segments", "-"], input=buffer.getvalue())
    assert result.exit_code == 0, result.output
    assert pd.read_csv(io.StringIO(result.stdout))["customer_id"].nunique() == 45


def test_cli_bad_input_exits_2_naming_file_row_and_column(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("customer_id,created_at,amount\na,2024-01-01,10\nb,yesterday,5\n")
    result = CliRunner().invoke(main, ["segments", str(path)])
    assert result.exit_code == 2
    assert "orders.csv" in result.output and "row 3" in result.output
    assert "'created_at'" in result.output
    path.write_text("customer_id,created_at,amount\na,2024-01-01,10\nb,2024-01-02,-5\n")
    result = CliRunner().invoke(main, ["segments", str(path)])
    assert result.exit_code == 2 and "row 3" in result.output and "'amount'" in result.output
    path.write_text("customer,created_at,amount\na,2024-01-01,10\n")
    result = CliRunner().invoke(main, ["segments", str(path)])
    assert result.exit_code == 2 and "'customer_id'" in result.output


def test_cli_help():
    result = CliRunner().invoke(main, ["segments", "--help"])
    assert result.exit_code == 0 and "--as-of" in result.output


# ---------------------------------------------------------------------------- Excel


def test_excel_spills_a_table_with_header(udfs):
    orders = shop()
    ids = tuple((c,) for c in orders["customer_id"])
    dates = tuple((d.to_pydatetime(),) for d in orders["created_at"])
    amounts = tuple((a,) for a in orders["amount"])
    out = call(udfs.CUSTOMER_SEGMENTS, ids, dates, amounts)
    assert out[0] == SEGMENT_COLUMNS
    assert len(out) == 1 + orders["customer_id"].nunique()
    rows = {row[0]: dict(zip(out[0], row, strict=True)) for row in out[1:]}
    assert rows["champion"]["segment"] == "Champions"


def test_excel_numeric_ids_and_serial_dates(udfs):
    dates = ((dt.datetime(2024, 1, 1),), (45400.0,), ("2024-02-01",))
    out = call(udfs.CUSTOMER_SEGMENTS, ((1001.0,), (1001.0,), (1002.0,)), dates,
               ((10.0,), (20.0,), (5.0,)))
    assert [row[0] for row in out[1:]] == ["1001", "1002"]
    assert out[1][2] == 2  # two orders for 1001


def test_excel_bad_input_is_one_message_cell(udfs):
    cases = [
        ((("a",), ("b",)), (("2024-01-01",), ("soon",)), ((1.0,), (2.0,)), "position 2"),
        ((("a",), ("b",)), (("2024-01-01",), ("2024-01-02",)), ((1.0,), ("x",)), "amounts"),
        ((("a",), ("b",)), (("2024-01-01",),), ((1.0,), (2.0,)), "same rows"),
        ((("a",), (None,)), (("2024-01-01",), ("2024-01-02",)), ((1.0,), (2.0,)), "empty"),
    ]
    for ids, dates, amounts, fragment in cases:
        out = call(udfs.CUSTOMER_SEGMENTS, ids, dates, amounts)
        assert len(out) == 1 and len(out[0]) == 1, out
        assert out[0][0].startswith("Shelfwise: ") and fragment in out[0][0], out
