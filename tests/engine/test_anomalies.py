"""Money anomalies: spikes and drops against the weekly pattern, level shifts, public holidays,
duplicates, CLI and ANOMALIES; property tests (hypothesis)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.cli import main
from engine.anomalies import AnomalyDetector, detect_anomalies
from engine.errors import InputError
from tests.excel_harness import call

WEEKLY = np.array([0.7, 0.8, 0.9, 1.0, 1.2, 1.6, 1.3])  # Monday .. Sunday


def daily_revenue(days=84, seed=1, start="2024-01-01"):
    """A shop's daily revenue: a weekly pattern, a gentle trend and some noise."""
    rng = np.random.default_rng(seed)
    ds = pd.date_range(start, periods=days, freq="D")
    level = 1000 * (1 + 0.003 * np.arange(days))
    amount = level * WEEKLY[ds.day_of_week] * rng.normal(1, 0.05, days)
    return pd.DataFrame({"ds": ds, "amount": amount.round(2)})


def expense_lines():
    """Expense lines: several per day, categories as series, payees."""
    rng = np.random.default_rng(2)
    rows = []
    for day in pd.date_range("2024-03-01", periods=60, freq="D"):
        for payee, series, mean in [("Bakery Supplies Ltd", "ingredients", 180.0),
                                    ("City Power", "utilities", 40.0)]:
            if rng.random() < 0.6:
                rows.append((day, round(mean * rng.lognormal(0, 0.15), 2), series, payee))
            if rng.random() < 0.3:
                rows.append((day, round(mean * rng.lognormal(0, 0.15), 2), series, "Market"))
    return pd.DataFrame(rows, columns=["ds", "amount", "series", "payee"])


def test_clean_series_has_no_anomalies():
    assert not detect_anomalies(daily_revenue())["anomaly"].any()


def test_spike_is_flagged_with_a_reason_naming_the_weekday():
    frame = daily_revenue()
    frame.loc[50, "amount"] *= 3  # 2024-02-20, a Tuesday
    out = detect_anomalies(frame)
    assert out.index[out["anomaly"]].tolist() == [50]
    reason = out.loc[50, "reason"]
    assert reason.startswith("Tuesday's amount is ") and "a typical Tuesday" in reason
    assert "times" in reason or "above" in reason
    assert out.loc[50, "score"] > 3.5 > out.drop(index=50)["score"].max()


def test_drop_on_a_busy_day_is_judged_against_that_weekday():
    frame = daily_revenue()
    saturday = frame.index[frame["ds"].dt.day_of_week == 5][6]
    typical_monday = frame.loc[frame["ds"].dt.day_of_week == 0, "amount"].median()
    frame.loc[saturday, "amount"] = round(typical_monday, 2)  # fine for a Monday, low for Saturday
    out = detect_anomalies(frame.assign(series="card"))
    assert out.loc[saturday, "anomaly"]
    assert out.loc[saturday, "reason"].startswith("Saturday's card is ")
    assert "% below a typical Saturday" in out.loc[saturday, "reason"]
    assert out["anomaly"].sum() == 1


def test_duplicate_payment_is_caught_but_monthly_rent_is_not():
    frame = expense_lines()
    rent = pd.DataFrame({"ds": pd.to_datetime(["2024-03-01", "2024-04-01"]),
                         "amount": [1500.0, 1500.0], "series": "rent", "payee": "Landlord"})
    paid = frame.iloc[[10]].copy()
    paid["ds"] = paid["ds"] + pd.Timedelta(days=2)
    frame = pd.concat([frame, rent, paid], ignore_index=True)
    out = detect_anomalies(frame)
    last = out.index[-1]
    assert out.loc[last, "anomaly"]
    assert out.loc[last, "reason"].startswith("possible duplicate payment: same amount")
    assert "2 days earlier" in out.loc[last, "reason"]
    assert out.loc[last, "score"] >= 3.5
    assert not out.loc[out["series"] == "rent", "anomaly"].any()


def test_an_outsized_expense_line_is_flagged():
    frame = expense_lines()
    frame.loc[len(frame)] = [pd.Timestamp("2024-04-10"), 1900.0, "utilities", "City Power"]
    out = detect_anomalies(frame)
    assert out.loc[len(frame) - 1, "anomaly"]
    assert "typical utilities line" in out.loc[len(frame) - 1, "reason"]
    assert out["anomaly"].mean() < 0.03


def test_negative_amounts_and_short_series():
    frame = daily_revenue().assign(amount=lambda f: -f["amount"])
    frame.loc[30, "amount"] *= 4
    out = detect_anomalies(frame)
    assert out.index[out["anomaly"]].tolist() == [30]
    assert "amount -" in out.loc[30, "reason"]
    short = detect_anomalies(daily_revenue(days=5))
    assert not short["anomaly"].any() and (short["score"] == 0).all()


def test_output_keeps_input_columns_and_order():
    frame = daily_revenue().assign(memo="x").sample(frac=1, random_state=0)
    frame.loc[frame.index[0], "amount"] *= 5
    out = detect_anomalies(frame)
    assert list(out.columns) == ["ds", "amount", "memo", "anomaly", "score", "reason",
                                 "expected"]
    assert out.index.tolist() == frame.index.tolist()
    assert out["anomaly"].iloc[0] and out["anomaly"].sum() == 1


def test_estimator_conventions_and_errors():
    detector = AnomalyDetector(4.0, window_days=21)
    assert detector.get_params() == {"threshold": 4.0, "window_days": 21, "duplicate_days": 3,
                                     "country": None}
    assert detector.fit(daily_revenue()) is detector and detector.profiles_[""]["weekly"]
    frame = daily_revenue()
    frame.loc[7, "amount"] = np.nan
    with pytest.raises(InputError) as err:
        detect_anomalies(frame)
    assert err.value.row == 7 and err.value.column == "amount"
    with pytest.raises(InputError, match="window_days"):
        AnomalyDetector(window_days=2).fit(daily_revenue())
    with pytest.raises(InputError, match="country 'XX'"):
        detect_anomalies(daily_revenue(), country="XX")


def test_a_week_long_drop_is_one_level_shift_with_its_start_day():
    frame = daily_revenue(days=140, seed=4)
    frame.loc[70:76, "amount"] *= 0.55  # Monday 2024-03-11 .. Sunday 2024-03-17
    out = detect_anomalies(frame.assign(series="revenue"))
    assert out.index[out["anomaly"]].tolist() == list(range(70, 77))
    reason = out.loc[73, "reason"]
    assert reason.startswith("since Monday 11 Mar 2024 revenue runs 4")
    assert "% below its usual level (7 days" in reason
    assert (out.loc[70:76, "score"] >= 3.5).all()
    assert out.loc[73, "expected"] == pytest.approx(frame.loc[73, "amount"] / 0.55, rel=0.15)


def test_a_week_long_drop_is_measured_against_a_level_it_does_not_pull_down():
    # days spread evenly between 85 and 115 (no noise to blame); a centred median over the
    # week itself sits 2% low and reads a halving as "49% below"
    step = np.arange(140)
    amount = 100 * (1 + 0.3 * ((step * 7919) % 101 / 100 - 0.5))
    amount[70:77] *= 0.5
    frame = pd.DataFrame({"ds": pd.date_range("2025-01-01", periods=140), "amount": amount})
    out = detect_anomalies(frame)
    usual = np.median(np.r_[amount[:70], amount[77:]])
    assert out.loc[70:76, "anomaly"].all()
    assert out.loc[70:76, "expected"].mean() == pytest.approx(usual, rel=0.01)
    assert "runs 50% below its usual level (7 days" in out.loc[73, "reason"]


def test_a_dip_that_comes_back_every_year_is_explained_and_a_new_one_is_not():
    frame = daily_revenue(days=3 * 364, seed=6, start="2022-01-03")
    frame["amount"] = frame["amount"] / (1 + 0.003 * np.arange(len(frame)))  # no trend
    summer = [(0, 210), (1, 210 + 364), (2, 210 + 728)]  # 10 days from the same weekday
    for _, start in summer:
        frame.loc[start:start + 9, "amount"] *= 0.6
    frame.loc[900:906, "amount"] *= 0.55  # a week in year 3 that was ordinary before
    out = detect_anomalies(frame)
    first, later = summer[0][1], [start for _, start in summer[1:]]
    assert out.loc[first + 2:first + 7, "anomaly"].all()  # nothing to compare it with
    for start in later:
        days = out.loc[start + 2:start + 7]
        assert not days["anomaly"].any()
        assert days["reason"].str.contains("below its usual level").all()
        assert days["reason"].str.contains(r"as in the same weeks of 202[23] \(a yearly").all()
    assert out.loc[901:905, "anomaly"].all()
    assert "yearly" not in out.loc[903, "reason"]


def test_a_drop_still_running_at_the_end_and_a_rise_are_caught():
    frame = daily_revenue(days=120, seed=5)
    frame.loc[113:, "amount"] *= 0.5  # the last 7 days
    frame.loc[40:49, "amount"] *= 1.8
    out = detect_anomalies(frame)
    assert out.loc[113:, "anomaly"].all()
    assert out.loc[40:49, "anomaly"].sum() >= 8 and "above its usual level" in out.loc[45, "reason"]
    assert out["anomaly"].sum() <= 7 + 10 + 1


def test_a_public_holiday_is_named_and_not_an_anomaly():
    frame = daily_revenue(days=140, start="2024-02-01")
    good_friday = frame.index[frame["ds"] == pd.Timestamp("2024-03-29")][0]
    frame.loc[good_friday, "amount"] *= 0.2
    plain = detect_anomalies(frame)
    assert plain.loc[good_friday, "anomaly"]
    known = detect_anomalies(frame.assign(series="revenue"), country="GB")
    assert not known.loc[good_friday, "anomaly"]
    assert known.loc[good_friday, "reason"].startswith(
        "Good Friday: revenue 80% below a usual Friday")
    assert not known["anomaly"].any()
    assert known.loc[good_friday - 1, "reason"] == ""  # an ordinary day in line: no words
    state = detect_anomalies(frame, country="de-by")  # a state: lower case and dash accepted
    assert "Good Friday" in state.loc[good_friday, "reason"]


def test_a_holiday_inside_a_level_shift_stays_explained():
    frame = daily_revenue(days=140, start="2024-02-01")
    frame.loc[55:62, "amount"] *= 0.5  # 2024-03-27 .. 2024-04-03, over Easter
    out = detect_anomalies(frame, country="DE")
    easter_monday = frame.index[frame["ds"] == pd.Timestamp("2024-04-01")][0]
    assert not out.loc[easter_monday, "anomaly"]
    assert out.loc[easter_monday, "reason"].startswith("Easter Monday:")
    shifted = out.loc[55:62]
    assert shifted["anomaly"].sum() >= 5
    assert shifted.loc[shifted["anomaly"], "reason"].str.contains("runs").all()


def revenue_days(draw_amounts, n):
    return pd.DataFrame({"ds": pd.date_range("2023-12-20", periods=n, freq="D"),
                         "amount": draw_amounts})


@st.composite
def daily_tables(draw):
    n = draw(st.integers(1, 80))
    values = st.one_of(st.floats(0, 1e6, allow_nan=False), st.just(0.0),
                       st.floats(-1e4, 1e4, allow_nan=False))
    amounts = draw(st.lists(values, min_size=n, max_size=n))
    frame = revenue_days(amounts, n)
    if draw(st.booleans()):  # several rows on some days: expense lines
        frame["ds"] = frame["ds"].iloc[np.arange(n) // 2].to_numpy()
    if draw(st.booleans()):
        frame["series"] = draw(st.lists(st.sampled_from(["a", "b", ""]), min_size=n,
                                        max_size=n))
        frame["payee"] = draw(st.lists(st.sampled_from(["x", "y", None]), min_size=n,
                                       max_size=n))
    return frame


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(daily_tables(), st.sampled_from([None, "US", "DE-BW"]))
def test_property_no_crash_finite_deterministic_and_order_free(frame, country):
    out = detect_anomalies(frame, country=country)
    assert list(out.columns[-4:]) == ["anomaly", "score", "reason", "expected"]
    assert len(out) == len(frame) and out.index.equals(frame.index)
    assert np.isfinite(out["score"]).all() and (out["score"] >= 0).all()
    assert out["anomaly"].dtype == bool
    assert (out.loc[out["anomaly"], "reason"] != "").all()
    expected = out["expected"].dropna()
    assert np.isfinite(expected).all()
    if (frame["amount"] >= 0).all():
        assert (expected >= 0).all()
    again = detect_anomalies(frame.copy(), country=country)
    pd.testing.assert_frame_equal(out, again)
    shuffled = frame.sample(frac=1, random_state=1)
    back = detect_anomalies(shuffled, country=country).loc[frame.index]
    if not frame.duplicated(["ds"] + [c for c in ("series", "payee") if c in frame]).any():
        pd.testing.assert_series_equal(back["anomaly"], out["anomaly"])
        pd.testing.assert_series_equal(back["score"], out["score"])


# ---------------------------------------------------------------------------- command line


def test_cli_writes_every_input_column_then_flags(tmp_path):
    frame = daily_revenue().assign(note="ok")
    frame.loc[40, "amount"] *= 4
    frame["ds"] = frame["ds"].dt.strftime("%Y-%m-%d")
    frame.to_csv(tmp_path / "revenue.csv", index=False)
    out = tmp_path / "flags.csv"
    result = CliRunner().invoke(main, ["anomalies", str(tmp_path / "revenue.csv"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(table.columns) == ["ds", "amount", "note", "anomaly", "score", "reason",
                                   "expected"]
    assert float(table.loc[40, "expected"]) < float(table.loc[40, "amount"]) / 2
    assert table["ds"].tolist() == frame["ds"].tolist()
    assert table["note"].eq("ok").all()
    assert set(table["anomaly"]) == {"true", "false"}
    assert table.index[table["anomaly"] == "true"].tolist() == [40]


def test_cli_country_names_holidays_and_refuses_an_unknown_code(tmp_path):
    frame = daily_revenue(days=140, start="2024-02-01")
    good_friday = frame.index[frame["ds"] == pd.Timestamp("2024-03-29")][0]
    frame.loc[good_friday, "amount"] *= 0.2
    frame["ds"] = frame["ds"].dt.strftime("%Y-%m-%d")
    frame.to_csv(tmp_path / "revenue.csv", index=False)
    result = CliRunner().invoke(main, ["anomalies", str(tmp_path / "revenue.csv"),
                                       "--country", "US"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(io.StringIO(result.stdout), dtype=str, keep_default_na=False)
    assert table.loc[good_friday, "anomaly"] == "true"  # not a US public holiday
    result = CliRunner().invoke(main, ["anomalies", str(tmp_path / "revenue.csv"),
                                       "--country", "GB"])
    table = pd.read_csv(io.StringIO(result.stdout), dtype=str, keep_default_na=False)
    assert table.loc[good_friday, "anomaly"] == "false"
    assert table.loc[good_friday, "reason"].startswith("Good Friday: amount 80% below")
    result = CliRunner().invoke(main, ["anomalies", str(tmp_path / "revenue.csv"),
                                       "--country", "XX"])
    assert result.exit_code == 2 and "country 'XX'" in result.output


def test_cli_duplicate_from_stdin():
    text = ("ds,amount,payee,series\n2024-03-01,120,Acme,supplies\n"
            "2024-03-02,120,Acme,supplies\n2024-03-05,50,Bob,supplies\n")
    result = CliRunner().invoke(main, ["anomalies", "-"], input=text)
    assert result.exit_code == 0, result.output
    table = pd.read_csv(io.StringIO(result.stdout), dtype=str, keep_default_na=False)
    assert table["anomaly"].tolist() == ["false", "true", "false"]
    assert "duplicate" in table.loc[1, "reason"]


def test_cli_bad_input_exits_2_naming_file_row_and_column(tmp_path):
    path = tmp_path / "expenses.csv"
    path.write_text("ds,amount\n2024-01-01,5\n2024-01-02,five\n")
    result = CliRunner().invoke(main, ["anomalies", str(path)])
    assert result.exit_code == 2
    assert "expenses.csv" in result.output and "row 3" in result.output
    assert "'amount'" in result.output
    path.write_text("date,amount\n2024-01-01,5\n")
    result = CliRunner().invoke(main, ["anomalies", str(path)])
    assert result.exit_code == 2 and "'ds'" in result.output
    result = CliRunner().invoke(main, ["anomalies", str(tmp_path / "missing.csv")])
    assert result.exit_code == 2 and "missing.csv" in result.output


# ---------------------------------------------------------------------------- Excel


def test_excel_spills_flag_and_reason_per_row(udfs):
    frame = daily_revenue()
    frame.loc[50, "amount"] *= 3
    dates = tuple((d.to_pydatetime(),) for d in frame["ds"])
    out = call(udfs.ANOMALIES, dates, tuple((a,) for a in frame["amount"]))
    assert out[0] == ["anomaly", "reason", "expected"]
    assert len(out) == len(frame) + 1
    assert out[51][0] is True and out[51][1].startswith("Tuesday's amount")
    assert sum(row[0] is True for row in out[1:]) == 1


def test_excel_bad_input_is_one_message_cell(udfs):
    cases = [
        ((("2024-01-01",), ("later",)), ((1.0,), (2.0,)), "position 2"),
        ((("2024-01-01",), ("2024-01-02",)), ((1.0,), ("x",)), "amounts"),
        ((("2024-01-01",),), ((1.0,), (2.0,)), "same rows"),
    ]
    for dates, amounts, fragment in cases:
        out = call(udfs.ANOMALIES, dates, amounts)
        assert len(out) == 1 and len(out[0]) == 1, out
        assert out[0][0].startswith("Shelfwise: ") and fragment in out[0][0], out
