"""engine.validation: one wording for number, level and date checks everywhere."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.errors import InputError
from engine.validation import (
    finite_values,
    fraction,
    level_percent,
    number,
    positive_number,
    timestamp,
    whole_number,
)


@pytest.mark.parametrize("typed, share", [(95, 0.95), (0.95, 0.95), (99.9, 0.999), (50.0, 0.5),
                                          (np.float64(0.8), 0.8), (0.3, 0.3)])
def test_fraction_reads_percentages_and_shares(typed, share):
    assert fraction(typed, "service_level") == pytest.approx(share)


@pytest.mark.parametrize("bad", [0, 0.0, 1, 1.5, 20, 100, 150, -5, "95%", "high", None, True,
                                 math.nan, math.inf])
def test_fraction_refuses_naming_the_argument(bad):
    with pytest.raises(InputError, match="^service_level "):
        fraction(bad, "service_level")


def test_level_percent_is_clean_for_column_names():
    assert level_percent(0.95, "level") == 95.0 and f"{level_percent(0.8, 'level'):g}" == "80"


@given(st.floats(min_value=1e-6, max_value=0.999999) | st.floats(min_value=50, max_value=99.99))
def test_fraction_is_always_a_share(value):
    share = fraction(value, "x")
    assert 0 < share < 1


@pytest.mark.parametrize("good, low, out", [(12.0, 1, 12), (np.int64(3), 1, 3), (0, 0, 0)])
def test_whole_number_accepts_excel_floats(good, low, out):
    assert whole_number(good, "horizon", low=low) == out


@pytest.mark.parametrize("bad", [0, 2.5, "12", None, True, math.inf, -1])
def test_whole_number_refuses(bad):
    with pytest.raises(InputError, match="^horizon must be a whole number of at least 1|^horizon "
                                         "must be a number|^horizon is empty"):
        whole_number(bad, "horizon")


def test_number_bounds_and_positive():
    assert number(0, "moq", low=0) == 0.0
    with pytest.raises(InputError, match="moq must be a finite number at least 0"):
        number(-1, "moq", low=0)
    with pytest.raises(InputError, match="holding_cost must be a finite number more than 0"):
        positive_number(0, "holding_cost")
    with pytest.raises(InputError, match="share .* at most 1"):
        number(1.5, "share", low=0, high=1)


def test_finite_values_keeps_nan_and_refuses_infinity():
    out = finite_values([1, None, 3], "sales")
    assert np.isnan(out[1]) and out[2] == 3
    with pytest.raises(InputError, match="sales must be finite numbers; position 2"):
        finite_values([1, math.inf], "sales")
    with pytest.raises(InputError, match="sales must hold numbers"):
        finite_values(["a", 1], "sales")


def test_timestamp_is_naive_local_time():
    assert timestamp("2024-03-12 10:00:00-04:00", "as_of").hour == 10
    for bad in ("someday", None, True):
        with pytest.raises(InputError, match="^as_of must be a date"):
            timestamp(bad, "as_of")
