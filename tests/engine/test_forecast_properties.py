"""Property tests of the forecaster: any valid sales table, any horizon, any chunking.

Generated panels mix lengths (1-500 periods), all-zero, constant, single-spike, huge,
negative (returns) and gappy series starting on different dates; every forecast must be
finite, never negative for demand, inside its interval and the same whatever the chunking.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.forecasting import AutoForecaster, forecast

KINDS = ("poisson", "zeros", "constant", "spike", "huge", "returns", "gappy", "trend")


@st.composite
def series(draw, max_len=500):
    kind = draw(st.sampled_from(KINDS))
    n = draw(st.integers(1, max_len))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    y = rng.poisson(rng.uniform(0.1, 30), n).astype(float)
    if kind == "zeros":
        y[:] = 0.0
    elif kind == "constant":
        y[:] = draw(st.sampled_from([1.0, 7.0, 250.0]))
    elif kind == "spike":
        y[:] = 0.0
        y[draw(st.integers(0, n - 1))] = draw(st.sampled_from([1.0, 40.0, 1e6]))
    elif kind == "huge":
        y = y * 1e8 + 1e9
    elif kind == "returns":
        y[rng.random(n) < 0.2] *= -1
    elif kind == "gappy":
        y[rng.random(n) < 0.7] = 0.0
    elif kind == "trend":
        y = y + np.arange(n) * rng.uniform(-1, 3)
    return y


@st.composite
def sales_tables(draw, max_series=5, max_len=500):
    """A long table: each series ends on the table's last day, starting where its length says."""
    panel = draw(st.lists(series(max_len), min_size=1, max_size=max_series))
    longest = max(len(y) for y in panel)
    days = pd.date_range(end="2024-06-30", periods=longest, freq="D")
    frames = [pd.DataFrame({"unique_id": f"s{i}", "ds": days[longest - len(y):], "y": y})
              for i, y in enumerate(panel)]
    table = pd.concat(frames, ignore_index=True)
    keep = draw(st.booleans())  # a sales log may skip zero days (except each series' last)
    if not keep:
        last = table.groupby("unique_id")["ds"].transform("max") == table["ds"]
        table = table[(table["y"] != 0) | last | (table["ds"] == days[-1])]
    return table


FAST = settings(max_examples=15, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@settings(FAST, max_examples=10)
@given(sales_tables(max_series=4), st.integers(1, 60), st.integers(1, 6), st.booleans())
def test_any_table_gives_finite_ordered_forecasts_whatever_the_chunking(table, h, chunk, signed):
    whole = forecast(table, h, freq="D", signed=signed)
    chunked = forecast(table, h, freq="D", signed=signed, chunk_size=chunk)
    pd.testing.assert_frame_equal(whole, chunked)
    assert (whole.groupby("unique_id").size() == h).all()
    assert whole["unique_id"].nunique() == table["unique_id"].nunique()
    values = whole[["forecast", "lo_80", "hi_80", "lo_95", "hi_95"]].to_numpy()
    assert np.isfinite(values).all()
    assert (whole["lo_95"] <= whole["forecast"]).all()
    assert (whole["forecast"] <= whole["hi_95"]).all()
    assert (whole["lo_95"] <= whole["lo_80"]).all() and (whole["hi_80"] <= whole["hi_95"]).all()
    if not signed:
        assert (values >= 0).all()
    else:
        non_negative = table.groupby("unique_id")["y"].min() >= 0
        rows = whole["unique_id"].map(non_negative)
        assert (whole.loc[rows, ["forecast", "lo_95"]].to_numpy() >= 0).all()


@FAST
@given(st.lists(series(max_len=120), min_size=1, max_size=6), st.integers(1, 30),
       st.integers(1, 7), st.sampled_from([1, 4, 7, 12, 52]), st.integers(0, 2**16))
def test_panels_with_missing_values_inside_are_chunk_invariant(rows, h, chunk, m, seed):
    longest = max(len(y) for y in rows)
    panel = np.full((len(rows), longest), np.nan)
    for i, y in enumerate(rows):
        panel[i, longest - len(y):] = y
    holes = np.random.default_rng(seed).random(panel.shape) < 0.1
    holes[:, -1] = False
    panel[holes] = np.nan
    one = AutoForecaster(h, season_length=m).fit(panel).predict(h, level=[95])
    many = AutoForecaster(h, season_length=m, chunk_size=chunk).fit(panel).predict(h, level=[95])
    for key in ("mean", "lo_95", "hi_95"):
        np.testing.assert_array_equal(one[key], many[key])
        assert np.isfinite(one[key]).all()
    assert (one["lo_95"] <= one["mean"]).all() and (one["mean"] <= one["hi_95"]).all()
