"""The forecasting engine: kernels against hand recursions, model choice, intervals, calendars."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.errors import InputError
from engine.forecasting import AutoForecaster, forecast, forecast_values, kernels
from engine.forecasting.calendar import detect_season_length, infer_frequency
from engine.forecasting.candidates import SEASONAL


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
