"""The forecasting engine: kernels against hand recursions, model choice, intervals, calendars."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.errors import InputError
from engine.forecasting import AutoForecaster, Forecaster, forecast, forecast_values, kernels
from engine.forecasting.calendar import detect_season_length, infer_frequency
from engine.forecasting.candidates import SEASONAL
from engine.forecasting.features import restarted_after_dormancy


def test_ses_matches_the_textbook_recursion():
    y = np.array([5.0, 7, 6, 9, 8, 10])
    level, alpha = kernels.ses(y[None, :], np.array([0.3]))
    expected = y[0]
    for value in y[1:]:
        expected += 0.3 * (value - expected)
    assert level[0] == pytest.approx(expected) and alpha[0] == 0.3


def test_ses_skips_periods_before_a_series_starts():
    panel = np.array([[np.nan, np.nan, 4.0, 4.0], [1.0, 2.0, 3.0, 4.0]])
    level, _ = kernels.ses(panel)
    assert level[0] == pytest.approx(4.0)


def test_croston_sba_on_a_regular_intermittent_series():
    # a sale of 6 every third period: size 6, interval 3, SBA = (1 - 0.1/2) * 6 / 3
    y = np.tile([6.0, 0, 0], 10)
    assert kernels.croston_sba(y[None, :])[0] == pytest.approx(0.95 * 2.0)


def test_tsb_decays_after_demand_stops():
    active = np.tile([4.0, 0], 20)
    stopped = np.concatenate([active, np.zeros(20)])
    assert kernels.tsb(stopped[None, :])[0] < 0.5 * kernels.tsb(active[None, :])[0]


def test_seasonal_series_gets_a_seasonal_model_that_beats_a_flat_one():
    rng = np.random.default_rng(1)
    weekday = np.array([1.0, 0.8, 0.8, 0.9, 1.2, 1.8, 1.5])
    y = rng.poisson(20 * np.tile(weekday, 30)).astype(float)
    train, test = y[:-14], y[-14:]
    model = AutoForecaster(14, season_length=7).fit(train)
    assert all(name in SEASONAL for name in model.model_ids_[0].split("+"))
    flat = np.full(14, train[-28:].mean())
    mean = model.predict(14)["mean"][0]
    assert np.abs(test - mean).mean() < np.abs(test - flat).mean()


def test_intervals_cover_about_their_level_on_poisson_demand():
    rng = np.random.default_rng(7)
    panel = rng.poisson(rng.uniform(0.3, 12, size=(200, 1)), size=(200, 140)).astype(float)
    model = AutoForecaster(28, season_length=7).fit(panel[:, :-28])
    out = model.predict(28, level=[80, 95])
    actual = panel[:, -28:]
    covered = (actual >= out["lo_95"]) & (actual <= out["hi_95"])
    assert 0.9 <= covered.mean() <= 0.99
    width80 = out["hi_80"] - out["lo_80"]
    width95 = out["hi_95"] - out["lo_95"]
    assert (width80 <= width95).all()


def test_forecasts_and_lower_bounds_are_never_negative():
    y = np.array([9.0, 7, 5, 4, 2, 1, 0, 0, 1, 0, 0, 0, 0, 0])
    out = AutoForecaster(6).fit(y).predict(6, level=[95])
    assert (out["mean"] >= 0).all() and (out["lo_95"] >= 0).all()


def test_predict_needs_fit_and_any_longer_horizon_keeps_the_model():
    with pytest.raises(RuntimeError):
        AutoForecaster().predict(3)
    with pytest.raises(InputError):
        AutoForecaster(4).fit(np.arange(1.0, 20)).predict(0)
    y = np.arange(1.0, 40) + np.tile([0.0, 3.0], 20)[:39]
    model = AutoForecaster(4).fit(y)
    longer = model.predict(9)["mean"][0]
    assert longer.shape == (9,)
    assert longer[:4] == pytest.approx(model.predict(4)["mean"][0])


def sales_log():
    """Two items sold on some days only: a shop's export skips days without sales."""
    return pd.DataFrame({
        "unique_id": ["bread"] * 5 + ["cake"] * 3,
        "ds": pd.to_datetime(["2024-03-01", "2024-03-02", "2024-03-04", "2024-03-04",
                              "2024-03-06", "2024-03-02", "2024-03-03", "2024-03-05"]),
        "y": [10, 12, 8, 3, 9, 2, 1, 4],
    })


def test_batch_returns_horizon_rows_per_series_continuing_the_calendar():
    out = forecast(sales_log(), 3)
    assert list(out.columns) == ["unique_id", "ds", "forecast", "lo_80", "hi_80",
                                 "lo_95", "hi_95", "model", "model_id"]
    assert out.groupby("unique_id").size().to_dict() == {"bread": 3, "cake": 3}
    # both series continue from the export's last day, 2024-03-06
    assert set(out["ds"].dt.strftime("%Y-%m-%d")) == {"2024-03-07", "2024-03-08", "2024-03-09"}


def test_missing_days_are_zero_sales_and_same_day_rows_add_up():
    log = sales_log()
    dense = pd.DataFrame({"unique_id": "bread",
                          "ds": pd.date_range("2024-03-01", "2024-03-06"),
                          "y": [10, 12, 0, 11, 0, 9]})
    sparse = forecast(log[log.unique_id == "bread"], 2)
    assert sparse["forecast"].tolist() == pytest.approx(forecast(dense, 2)["forecast"].tolist())


@pytest.mark.parametrize(("dates", "freq"), [
    (["2024-01-07", "2024-01-14", "2024-01-28"], "W-SUN"),
    (["2024-01-01", "2024-02-01", "2024-04-01"], "MS"),
    (["2024-01-31", "2024-02-29", "2024-03-31"], "ME"),
    (["2024-01-01", "2024-01-02", "2024-01-05"], "D"),
])
def test_frequency_is_inferred_from_gappy_dates(dates, freq):
    assert infer_frequency(pd.Series(pd.to_datetime(dates))) == freq


def test_weekly_forecast_dates_follow_the_weeks():
    weeks = pd.date_range("2023-01-01", periods=30, freq="W-SUN")
    sales = pd.DataFrame({"unique_id": "a", "ds": weeks, "y": np.arange(30) % 5 + 3.0})
    out = forecast(sales, 4)
    assert list(out["ds"]) == list(pd.date_range(weeks[-1], periods=5, freq="W-SUN")[1:])


def test_bad_sales_name_the_row_and_column():
    sales = sales_log().astype({"y": object})
    sales.loc[3, "y"] = "lots"
    with pytest.raises(InputError) as err:
        forecast(sales, 3)
    assert (err.value.row, err.value.column) == (3, "y")
    with pytest.raises(InputError, match="missing"):
        forecast(sales_log().drop(columns="ds"), 3)


def test_season_length_is_detected_for_undated_values():
    rng = np.random.default_rng(3)
    y = rng.poisson(np.tile([5, 5, 5, 5, 5, 20, 25], 12)).astype(float)
    assert detect_season_length(y) == 7
    assert detect_season_length(rng.poisson(10, 80).astype(float)) == 1


def test_forecast_values_drops_leading_zeros_before_the_first_sale():
    y = [0.0] * 50 + [4.0, 5, 6, 5, 4, 6, 5, 4]
    with_zeros = forecast_values(y, 3)
    without = forecast_values(y[50:], 3)
    assert with_zeros["forecast"].tolist() == pytest.approx(without["forecast"].tolist())


def test_progress_reports_every_series_once():
    rng = np.random.default_rng(0)
    n = 300  # more than one chunk
    sales = pd.DataFrame({
        "unique_id": np.repeat([f"item{i}" for i in range(n)], 20),
        "ds": np.tile(pd.date_range("2024-01-01", periods=20), n),
        "y": rng.poisson(3, n * 20).astype(float),
    })
    seen = []
    out = forecast(sales, 5, on_progress=seen.append)
    assert sum(seen) == n and len(seen) > 1
    assert out["unique_id"].nunique() == n


def daily_sales(values, start="2024-01-01", uid="a"):
    return pd.DataFrame({"unique_id": uid, "ds": pd.date_range(start, periods=len(values)),
                         "y": np.asarray(values, dtype=float)})


def test_chunks_without_a_long_series_do_not_crash_and_change_nothing():
    # issue 11: a chunk of short series never computed the seasonal candidates that the
    # panel-wide choice named (KeyError 'SeasonalSES' on 800 car-parts series, h=12, MS)
    rng = np.random.default_rng(11)
    lengths = np.concatenate([rng.integers(3, 20, 300), rng.integers(24, 52, 500)])
    months = pd.date_range(end="2024-12-01", periods=52, freq="MS")
    frames = [pd.DataFrame({"unique_id": f"part{i:04d}", "ds": months[52 - n:],
                            "y": rng.poisson(rng.uniform(0.1, 3), n) * (rng.random(n) < 0.6)})
              for i, n in enumerate(lengths)]
    sales = pd.concat(frames, ignore_index=True)
    out = forecast(sales, 12, freq="MS", chunk_size=256)
    assert len(out) == 800 * 12
    pd.testing.assert_frame_equal(out, forecast(sales, 12, freq="MS", chunk_size=800))


def test_python_api_takes_column_names_and_returns_named_intervals():
    sales = daily_sales(np.tile([4, 6, 5, 0, 7, 5, 6], 8)).rename(
        columns={"unique_id": "sku", "ds": "day", "y": "units"})
    out = forecast(sales, 5, id_col="sku", time_col="day", target_col="units", level=[80, 95])
    assert list(out.columns)[:7] == ["sku", "day", "forecast", "lo_80", "hi_80", "lo_95",
                                     "hi_95"]
    assert out["model"].iloc[0].replace(" ", "").isalpha()  # words, not a class name
    with pytest.raises(InputError, match="units"):
        forecast(sales.drop(columns="units"), 5, id_col="sku", time_col="day",
                 target_col="units")


def test_estimator_fits_once_and_predicts_any_horizon():
    sales = daily_sales(np.tile([4, 6, 5, 0, 7, 5, 6], 8))
    model = Forecaster(freq="D").fit(sales)
    short, long = model.predict(3, level=[95]), model.predict(20, level=[95])
    assert len(short) == 3 and len(long) == 20
    assert short["forecast"].tolist() == pytest.approx(long["forecast"].head(3).tolist())


def test_returns_are_left_out_of_demand_and_reported():
    rng = np.random.default_rng(5)
    sold = rng.poisson(20, 60).astype(float)
    returned = daily_sales(sold)
    extra = daily_sales(-np.where(np.arange(60) % 10 == 0, 15.0, 0.0))
    sales = pd.concat([returned, extra[extra.y < 0]], ignore_index=True)
    demand = forecast(sales, 7)
    assert (demand[["forecast", "lo_95", "lo_80"]] >= 0).all().all()
    plain = forecast(daily_sales(sold), 7)
    assert demand["forecast"].tolist() == pytest.approx(plain["forecast"].tolist())
    assert demand.attrs["returns"].to_dict("records") == [{"unique_id": "a",
                                                          "returned_units": 90.0}]
    assert plain.attrs["returns"].empty


def test_signed_values_keep_their_sign_on_request():
    cash = daily_sales(-np.linspace(100, 400, 60) + np.tile([0.0, 30.0], 30))
    out = forecast(cash, 5, signed=True)
    assert (out["forecast"] < 0).all()
    assert (out["lo_95"] <= out["forecast"]).all() and (out["forecast"] <= out["hi_95"]).all()
    assert (forecast(cash, 5)["forecast"] == 0).all()  # as demand: no units sold


def test_monthly_forecast_from_daily_data_drops_the_partial_last_month():
    # issue 11 (Coffee): daily sales ending mid-May, --freq MS, must not forecast May at
    # the level of half a month
    rng = np.random.default_rng(2)
    days = pd.date_range("2022-01-01", "2024-05-14")
    sales = pd.DataFrame({"unique_id": "coffee", "ds": days, "y": rng.poisson(33, len(days))})
    out = forecast(sales, 3, freq="MS")
    assert out["ds"].iloc[0] == pd.Timestamp("2024-05-01")
    assert out["forecast"].iloc[0] > 900  # about 1,000 a month, not ~460
    assert "2024-05-01" in out.attrs["partial_periods"]
    whole = forecast(sales[sales.ds < "2024-05-01"], 3, freq="MS")
    assert whole.attrs["partial_periods"] == ""


def test_partial_first_month_is_dropped_too():
    days = pd.date_range("2023-01-20", "2024-04-30")
    sales = pd.DataFrame({"unique_id": "tea", "ds": days, "y": 10.0})
    out = forecast(sales, 2, freq="MS")
    assert "2023-01-01" in out.attrs["partial_periods"]
    assert out["forecast"].iloc[0] == pytest.approx(out["forecast"].iloc[0].round(), abs=40)
    assert out["forecast"].iloc[0] > 250


def test_a_steady_seller_is_never_forecast_to_stop_after_one_quiet_day():
    # issue 11: a tea selling about 17 a month got 0 with [0, 0] at --horizon 30
    rng = np.random.default_rng(17)
    y = rng.poisson(17 / 30 * 1.8, 400) * (rng.random(400) < 0.55)
    y[-1] = 0.0
    sales = daily_sales(y)
    models = set()
    for h in (26, 28, 30, 32):
        out = forecast(sales, h)
        assert out["forecast"].sum() > 0.3 * y[-90:].mean() * h
        assert (out["hi_95"] > 0).all()
        models |= set(out["model"])
    assert len(models) == 1  # the choice does not move with the horizon


def test_trending_monthly_series_gets_a_trend_and_beats_a_flat_forecast():
    rng = np.random.default_rng(4)
    t = np.arange(72)
    y = 200 + 6 * t + 40 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 8, 72)
    months = pd.date_range("2018-01-01", periods=72, freq="MS")
    sales = pd.DataFrame({"unique_id": "wine", "ds": months[:-12], "y": y[:-12]})
    out = forecast(sales, 12, freq="MS")
    assert out["model"].iloc[0] in ("trend", "trend and season", "combination")
    flat = np.abs(y[-12:] - y[-24:-12].mean()).mean()
    assert np.abs(y[-12:] - out["forecast"].to_numpy()).mean() < 0.5 * flat


def test_yearly_season_is_found_in_two_years_of_weeks_and_three_of_months():
    rng = np.random.default_rng(0)
    weeks = rng.poisson(30 * (1 + 0.4 * np.sin(2 * np.pi * np.arange(104) / 52))).astype(float)
    months = rng.poisson(50 * (1 + 0.3 * np.sin(2 * np.pi * np.arange(36) / 12))).astype(float)
    assert detect_season_length(weeks) == 52
    assert detect_season_length(months) == 12
    trend = rng.poisson(np.linspace(10, 60, 104)).astype(float)
    assert detect_season_length(trend) == 1


def test_histories_too_short_to_validate_still_get_intervals():
    """A week of sales (no period can be held back) gets intervals as wide as its own ups
    and downs, never a zero-width band around the forecast."""
    rng = np.random.default_rng(3)
    days = pd.date_range("2024-03-01", periods=7, freq="D")
    sales = pd.DataFrame({"unique_id": np.repeat(["a", "b", "c"], 7),
                          "ds": np.tile(days, 3), "y": rng.poisson(12, 21)})
    out = forecast(sales, 7)
    assert (out["hi_95"] - out["lo_95"] > 1).all()
    assert (out["lo_80"] <= out["forecast"]).all() and (out["forecast"] <= out["hi_80"]).all()


def test_a_dormant_spell_is_a_run_without_sales_unlikely_at_the_series_rate():
    rng = np.random.default_rng(8)
    steady = rng.poisson(3, 300).astype(float) + 1
    back = steady.copy()
    back[-50:-10] = 0  # 40 days without a sale, then sold again in the last 10
    still_out = steady.copy()
    still_out[-30:] = 0  # not restarted yet
    slow = rng.poisson(4, 300) * (rng.random(300) < 0.1)  # a sale one day in ten
    slow[0], slow[-40:-10], slow[-5] = 2.0, 0.0, 3.0  # 30 quiet days: usual at its rate
    closed = steady.copy()
    closed[-20:-18] = 0  # a two-day closure: shorter than half a week
    panel = np.vstack([steady, back, still_out, slow, closed]).astype(float)
    found = restarted_after_dormancy(panel, span=56, m=7)
    assert found.tolist() == [False, True, False, False, False]


def test_a_level_after_a_restock_is_held_toward_the_long_run_average():
    """M5: items back after weeks without a sale sold about twice their average, then fell
    back; the forecast goes at most halfway to the new level, the interval still covers it."""
    rng = np.random.default_rng(5)
    y = np.concatenate([rng.poisson(2, 300), np.zeros(40), rng.poisson(8, 20)]).astype(float)
    model = AutoForecaster(14, season_length=7).fit(y)
    out = model.predict(14, level=[95])
    recent, average = y[-20:].mean(), y.mean()
    assert model.restarted_[0]
    assert average < out["mean"].mean() < 0.5 * (recent + average) + 0.5
    assert out["hi_95"].mean() > recent


def test_weekly_index_from_under_three_years_is_averaged_with_the_neighbouring_weeks():
    """Two years of weeks: a yearly peak week also lifts the weeks either side (a holiday's
    week moves between years), unless asked not to; four years: each week keeps its own."""
    rng = np.random.default_rng(3)
    peak = np.arange(52) == 47

    def weeks(years):
        return rng.poisson(np.tile(np.where(peak, 300.0, 100.0), years)).astype(float)[None, :]

    two_years = weeks(2)
    short = kernels.seasonal_index(two_years, 52)[0]
    own = kernels.seasonal_index(two_years, 52, neighbours=False)[0]
    long = kernels.seasonal_index(weeks(4), 52)[0]
    assert short[46] > 1.3 and short[48] > 1.3 and short[47] < 2.2
    assert own[46] < 1.1 and own[48] < 1.1 and own[47] > 2.5
    assert abs(short.mean() - 1) < 1e-9
    assert long[46] < 1.1 and long[48] < 1.1 and long[47] > 2.5
