"""FORECAST_DEMAND through xlwings' conversion, as Excel calls it."""

from __future__ import annotations

import numpy as np

from tests.excel_harness import NA, call


def weekly_sales(weeks=104, seed=0):
    rng = np.random.default_rng(seed)
    season = 1 + 0.4 * np.sin(2 * np.pi * np.arange(weeks) / 52)
    return rng.poisson(30 * season).astype(float)


def as_column(values):
    return tuple((v,) for v in values)


def test_spills_header_and_horizon_rows(udfs):
    out = call(udfs.FORECAST_DEMAND, as_column(weekly_sales()), 8.0)
    assert out[0] == ["period", "forecast", "lower", "upper"]
    assert [row[0] for row in out[1:]] == list(range(1, 9))
    for _, mean, lower, upper in out[1:]:
        assert 0 <= lower <= mean <= upper


def test_blank_cells_are_zero_sales(udfs):
    values = list(weekly_sales(60))
    with_blanks = [v if i % 5 else None for i, v in enumerate(values)]
    zeros = [v if i % 5 else 0.0 for i, v in enumerate(values)]
    assert call(udfs.FORECAST_DEMAND, as_column(with_blanks)) == \
        call(udfs.FORECAST_DEMAND, as_column(zeros))


def test_wider_level_gives_wider_interval(udfs):
    sales = as_column(weekly_sales())
    narrow = call(udfs.FORECAST_DEMAND, sales, 4.0, 0.0, 80.0)
    wide = call(udfs.FORECAST_DEMAND, sales, 4.0, 0.0, 0.99)  # 99% typed as a percentage
    assert all(w[3] - w[2] > n[3] - n[2] for n, w in zip(narrow[1:], wide[1:], strict=True))


def test_bad_input_is_one_message_cell(udfs):
    cases = [
        (as_column([10.0, "ten", 12.0, 9.0]), "position 2"),
        (as_column([10.0, NA, 12.0, 9.0]), "#N/A"),
        (as_column([5.0, 6.0]), "at least 3 periods"),
        (as_column([True, 6.0, 7.0, 8.0]), "TRUE/FALSE"),
    ]
    for values, fragment in cases:
        out = call(udfs.FORECAST_DEMAND, values)
        assert out == [[out[0][0]]] and out[0][0].startswith("Shelfwise: ")
        assert fragment in out[0][0]
    out = call(udfs.FORECAST_DEMAND, as_column(weekly_sales()), "soon")
    assert out[0][0].startswith("Shelfwise: horizon")


def test_single_cell_is_read_as_one_value(udfs):
    out = call(udfs.FORECAST_DEMAND, 7.0)
    assert out[0][0].startswith("Shelfwise: need at least 3 periods")


def test_two_years_of_weeks_with_a_yearly_peak_get_the_peak_forecast(udfs):
    # issue 11: =FORECAST_DEMAND on 104 weeks with an obvious yearly peak returned a flat line
    weeks = np.arange(104)
    season = 1 + 0.8 * np.exp(-0.5 * ((weeks % 52 - 47) / 3.0) ** 2)
    sales = np.random.default_rng(0).poisson(40 * season).astype(float)
    out = call(udfs.FORECAST_DEMAND, as_column(sales), 52.0)
    forecast = np.array([row[1] for row in out[1:]])
    peak, quiet = forecast[44:50].mean(), np.median(forecast)
    assert peak > 1.3 * quiet
    assert np.corrcoef(forecast, season[:52])[0, 1] > 0.6
