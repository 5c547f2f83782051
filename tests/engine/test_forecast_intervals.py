"""Prediction intervals and the sharp seasonal candidate of the automatic forecaster (issue 11)."""

from __future__ import annotations

import numpy as np

from engine.forecasting import AutoForecaster
from engine.forecasting.candidates import SEASONAL, candidate_forecasts, label


def _coverage(actual: np.ndarray, out: dict, level: int) -> float:
    return float(((actual >= out[f"lo_{level}"]) & (actual <= out[f"hi_{level}"])).mean())


def test_a_series_that_often_sells_nothing_gets_a_one_sided_interval_at_its_level():
    """Slow sellers: the lower bound is 0 (their lower quantile is 0 anyway), and the upper
    bound is the 95% quantile, so that 95% of future days fall inside, not 97.5% or more."""
    rng = np.random.default_rng(11)
    panel = rng.poisson(0.5, size=(300, 140)).astype(float)
    model = AutoForecaster(28, season_length=7).fit(panel[:, :-28])
    out = model.predict(28, level=[80, 95])
    assert (model.zero_share_ >= 0.025).all()
    assert (out["lo_95"] == 0).all() and (out["lo_80"] == 0).all()
    assert 0.93 <= _coverage(panel[:, -28:], out, 95) <= 0.97


def test_a_steady_seller_keeps_a_two_sided_interval():
    rng = np.random.default_rng(11)
    panel = rng.poisson(50, size=(300, 140)).astype(float)
    model = AutoForecaster(28, season_length=7).fit(panel[:, :-28])
    out = model.predict(28, level=[95])
    assert (model.zero_share_ == 0).all()
    assert (out["lo_95"] > 0).all()
    assert 0.93 <= _coverage(panel[:, -28:], out, 95) <= 0.97


def _median_width(burst_window: int) -> float:
    """Median 95% width on steady series whose errors burst in one validation window
    (1: the most recent 12 periods, 4: the oldest of the four)."""
    rng = np.random.default_rng(5)
    panel = 50 + rng.normal(0, 1, size=(100, 120))
    start = 120 - burst_window * 12
    panel[:, start:start + 12] += rng.normal(0, 8, size=(100, 12))
    out = AutoForecaster(12).fit(panel).predict(12, level=[95])
    return float(np.median(out["hi_95"] - out["lo_95"]))


def test_interval_width_follows_recent_validation_windows_more_than_old_ones():
    """One old, unusually hard window (a past Christmas) does not set today's width alone;
    the same burst in the most recent window widens the intervals much more."""
    assert _median_width(1) > 1.5 * _median_width(4)


def test_a_slow_seller_keeps_its_yearly_peak_in_the_sharp_seasonal_candidate():
    """0.3 units a month and 4 in December, four years: the usual seasonal index (5 units
    of prior) keeps little of December's peak; the sharp one keeps most of it."""
    rng = np.random.default_rng(2)
    season = np.where(np.arange(48) % 12 == 11, 4.0, 0.3)
    panel = rng.poisson(season, size=(200, 48)).astype(float)
    paths = candidate_forecasts(panel, 12, 12)
    sharp, usual = paths["SharpSeasonalSES"], paths["SeasonalSES"]
    assert sharp[:, 11].mean() > 1.4 * usual[:, 11].mean()
    assert sharp[:, :11].mean() < usual[:, :11].mean()
    assert "SharpSeasonalSES" in SEASONAL and label("SharpSeasonalSES", 12) == "yearly pattern"
