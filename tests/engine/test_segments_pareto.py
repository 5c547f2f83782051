"""Pareto/NBD: its likelihood integral, parameter recovery, P(alive) and expectations."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import integrate

from engine.segments import ParetoNBDModel
from engine.segments.pareto import _log_integral


def simulate(n=3000, horizon=250.0, r=0.6, alpha=25.0, s=0.8, beta=120.0, seed=7):
    """Customers of a Pareto/NBD world, all observed for `horizon` days from their first buy."""
    rng = np.random.default_rng(seed)
    lam, mu = rng.gamma(r, 1 / alpha, n), rng.gamma(s, 1 / beta, n)
    death = rng.exponential(1 / mu)
    x, t_x = np.zeros(n), np.zeros(n)
    for i in range(n):
        t = rng.exponential(1 / lam[i])
        while t < min(death[i], horizon):
            x[i], t_x[i] = x[i] + 1, t
            t += rng.exponential(1 / lam[i])
    return x, t_x, np.full(n, horizon), lam, death


@settings(max_examples=60, deadline=None)
@given(st.floats(0.05, 300), st.floats(0.5, 5e4), st.floats(1.01, 8), st.floats(0.5, 5e4),
       st.floats(0, 900), st.floats(0.01, 900))
def test_the_integral_matches_adaptive_quadrature(p, alpha, q, beta, lo, width):
    knee = max(alpha, beta)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", integrate.IntegrationWarning)
        exact, error = integrate.quad(
            lambda u: (alpha + u) ** -p * (beta + u) ** -q, lo, lo + width, epsabs=0,
            epsrel=1e-10, limit=400, points=[knee] if lo < knee < lo + width else None)
    assume(exact > 1e-300 and error < 1e-7 * exact)  # where the reference itself is sure
    got = _log_integral(np.array([p]), alpha, q, beta, np.array([lo]), np.array([lo + width]))
    assert np.exp(got[0]) == pytest.approx(exact, rel=2e-4)
    assert _log_integral(np.array([p]), alpha, q, beta, np.array([lo]),
                         np.array([lo]))[0] == -np.inf


def test_recovers_simulated_parameters():
    x, t_x, big_t, _, _ = simulate()
    model = ParetoNBDModel().fit(x, t_x, big_t)
    assert model.params_["r"] == pytest.approx(0.6, rel=0.25)
    assert model.params_["r"] / model.params_["alpha"] == pytest.approx(0.6 / 25, rel=0.15)
    assert model.params_["s"] / model.params_["beta"] == pytest.approx(0.8 / 120, rel=0.5)
    assert np.isfinite(model.log_likelihood_)


def test_p_alive_and_expectations_follow_the_simulation():
    x, t_x, big_t, lam, death = simulate(seed=8)
    model = ParetoNBDModel().fit(x, t_x, big_t)
    alive = model.probability_alive(x, t_x, big_t)
    truly = death > big_t
    assert alive[truly].mean() > alive[~truly].mean() + 0.2
    one_timer = model.probability_alive([0, 0, 0], [0, 0, 0], [10, 100, 1000])
    assert one_timer[0] > one_timer[1] > one_timer[2]  # falls with time since the purchase
    expected = model.expected_purchases(100, x, t_x, big_t)
    truth = lam * np.clip(death - big_t, 0, 100)  # expected purchases given the hidden truth
    assert expected.sum() == pytest.approx(truth.sum(), rel=0.15)
    assert np.corrcoef(expected, truth)[0, 1] > 0.5
    new = model.expected_new_customer([0.0, 50.0, 200.0])
    rate = model.params_["r"] / model.params_["alpha"]
    assert new[0] == 0 and 0 < new[1] < new[2] < rate * 200


def test_extreme_histories_stay_finite():
    model = ParetoNBDModel().fit([0, 0, 0], [0, 0, 0], [10, 20, 30])  # nobody repeats
    assert np.isfinite(list(model.params_.values())).all()
    big = model.expected_purchases(30, [400, 0], [365, 0], [365, 5000])
    assert np.isfinite(big).all() and big[0] > big[1] >= 0
    assert model.get_params() == {"prior_weight": 1.0}
    with pytest.raises(RuntimeError, match="not fitted"):
        ParetoNBDModel().probability_alive([1], [5], [10])


@st.composite
def summaries(draw):
    """Small sets of customer summaries: (repeat days, recency, age), with 0 <= t_x <= T."""
    n = draw(st.integers(1, 30))
    big_t = np.array(draw(st.lists(st.integers(0, 2000), min_size=n, max_size=n)), float)
    share = np.array(draw(st.lists(st.floats(0, 1), min_size=n, max_size=n)))
    t_x = np.floor(big_t * share)
    x = np.array(draw(st.lists(st.integers(0, 400), min_size=n, max_size=n)), float)
    x = np.where(t_x > 0, np.minimum(x, t_x), 0.0)  # at most one purchase day a day
    return x, t_x, big_t


@settings(max_examples=40, deadline=None)
@given(summaries(), st.sampled_from([1.0, 30.0, 365.0]))
def test_property_any_small_history_fits_to_finite_answers(summary, horizon):
    x, t_x, big_t = summary
    model = ParetoNBDModel().fit(x, t_x, big_t)
    assert all(np.isfinite(v) and v > 0 for v in model.params_.values())
    alive = model.probability_alive(x, t_x, big_t)
    expected = model.expected_purchases(horizon, x, t_x, big_t)
    assert ((alive >= 0) & (alive <= 1)).all()
    assert np.isfinite(expected).all() and (expected >= 0).all()
