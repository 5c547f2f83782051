"""Repeat-purchase models: BG/NBD and MBG/NBD.

BG/NBD (Fader, Hardie and Lee 2005): while alive a customer buys at a Poisson rate
lambda ~ Gamma(r, alpha); after each repeat purchase they drop out with probability
p ~ Beta(a, b). A one-time buyer can never have dropped out, so BG/NBD gives every one of
them P(alive) 1.0, however long ago they bought. MBG/NBD (Batislam, Denizel and Filiztekin
2007) lets a customer also drop out right after the first purchase: a one-time buyer's
P(alive) then falls with the time since their purchase.

Both are fitted by maximum likelihood (L-BFGS-B on log parameters) with a weak Gaussian
prior on the log parameters that keeps tiny histories sane and fades on real order books.
Times are in days; `frequency` counts repeat purchase days (purchase days after the first).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import optimize, special
from sklearn.base import BaseEstimator

from engine.errors import InputError


class BetaGeoModel(BaseEstimator):
    """BG/NBD repeat-purchase model: how many purchases each customer will make next.

    Parameters
    ----------
    prior_weight : float, default=1.0
        Weight of a Gaussian prior on the log parameters, centred on r = 1, alpha = the
        pooled days per repeat purchase, a = 1, b = 3; worth about as much as a few
        customers.

    Attributes
    ----------
    params_ : dict of str to float
        `r`, `alpha`, `a`, `b` (time in days).
    log_likelihood_ : float
        Mean log-likelihood per customer at the optimum (without the prior).

    Examples
    --------
    >>> m = BetaGeoModel().fit([0, 2, 5], [0, 30, 60], [90, 90, 90])
    >>> bool(m.expected_purchases(30, 5, 60, 90) > m.expected_purchases(30, 0, 0, 90))
    True
    """

    name = "BG/NBD"
    PARAMS = ("r", "alpha", "a", "b")

    def __init__(self, *, prior_weight: float = 1.0):
        self.prior_weight = prior_weight

    def fit(self, frequency: Any, recency: Any, T: Any) -> BetaGeoModel:  # noqa: N803
        """Fit to per-customer summaries.

        Parameters
        ----------
        frequency : array-like of int
            Repeat purchase days.
        recency : array-like of float
            Days from first to last purchase (0 for one-time buyers).
        T : array-like of float
            Days from first purchase to the end of the period observed.

        Returns
        -------
        self
        """
        x, t_x, big_t = summary_arrays(frequency, recency, T)
        weight = self.prior_weight
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not weight >= 0:
            raise InputError(f"prior_weight must be a number >= 0, got {weight!r}")
        self.params_, self.log_likelihood_ = fit_summaries(
            self._loglik, x, t_x, big_t, float(weight), self.PARAMS, self._prior_centre(x, big_t))
        return self

    def probability_alive(self, frequency: Any, recency: Any, T: Any) -> np.ndarray:  # noqa: N803
        """Probability that each customer has not dropped out by the end of the period."""
        self._check_fitted()
        return special.expit(-self._log_odds_dead(*summary_arrays(frequency, recency, T)))

    def expected_purchases(self, t: float, frequency: Any, recency: Any,
                           T: Any) -> np.ndarray:  # noqa: N803
        """Expected purchase days in the next `t` days given each customer's history."""
        self._check_fitted()
        x, t_x, big_t = summary_arrays(frequency, recency, T)
        alive = special.expit(-self._log_odds_dead(x, t_x, big_t))
        value = self._conditional(float(t), x, big_t) * alive
        # where the hypergeometric series loses precision: alive x posterior rate x t
        r, alpha = self.params_["r"], self.params_["alpha"]
        approx = alive * (r + x) / (alpha + big_t) * t
        ok = np.isfinite(value) & (value >= 0) & (value <= 2 * approx + 1e-9)
        return np.where(ok, value, approx)

    def expected_new_customer(self, t: Any) -> np.ndarray:
        """Expected repeat purchase days in the first `t` days of a brand-new customer."""
        self._check_fitted()
        t = np.maximum(np.atleast_1d(np.asarray(t, dtype=float)), 0.0)
        value = self._unconditional(t)
        approx = self.params_["r"] / self.params_["alpha"] * t
        ok = np.isfinite(value) & (value >= 0) & (value <= approx + 1e-9)
        return np.where(ok, value, approx)

    @staticmethod
    def _prior_centre(x: np.ndarray, big_t: np.ndarray) -> np.ndarray:
        """Log parameters the prior pulls towards: r = 1, alpha = days per repeat, a = 1, b = 3."""
        return np.log([1.0, days_per_repeat(x, big_t), 1.0, 3.0])

    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise RuntimeError(f"{type(self).__name__} is not fitted yet; call fit(...) first")

    # the model's kernels ------------------------------------------------------------------

    @staticmethod
    def _loglik(theta: np.ndarray, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray,
                weights: np.ndarray) -> float:
        """Weighted BG/NBD log-likelihood (Fader, Hardie and Lee 2005, eq. 6), in log space."""
        r, alpha, a, b = np.exp(theta)
        a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
        a2 = (special.gammaln(a + b) + special.gammaln(b + x)
              - special.gammaln(b) - special.gammaln(a + b + x))
        a3 = -(r + x) * np.log(alpha + big_t)
        repeat = x > 0
        a4 = np.full_like(x, -np.inf)
        a4[repeat] = (np.log(a) - np.log(b + x[repeat] - 1)
                      - (r + x[repeat]) * np.log(alpha + t_x[repeat]))
        return float(np.sum(weights * (a1 + a2 + np.logaddexp(a3, a4))))

    def _log_odds_dead(self, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray) -> np.ndarray:
        r, alpha, a, b = (self.params_[k] for k in ("r", "alpha", "a", "b"))
        out = np.full_like(x, -np.inf)
        rep = x > 0
        out[rep] = (np.log(a) - np.log(b + x[rep] - 1)
                    + (r + x[rep]) * (np.log(alpha + big_t[rep]) - np.log(alpha + t_x[rep])))
        return out

    def _conditional(self, t: float, x: np.ndarray, big_t: np.ndarray) -> np.ndarray:
        """E[purchases in (T, T + t] | alive] (Fader, Hardie and Lee 2005, eq. 10)."""
        r, alpha, a, b = (self.params_[k] for k in ("r", "alpha", "a", "b"))
        a = a if abs(a - 1.0) >= 1e-6 else 1.0 + 1e-6  # 0/0 at a = 1: step just off it
        z = t / (alpha + big_t + t)
        log_ratio = (r + x) * (np.log(alpha + big_t) - np.log(alpha + big_t + t))
        hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, z)
        return (a + b + x - 1) / (a - 1) * (1.0 - np.exp(log_ratio) * hyp)

    def _unconditional(self, t: np.ndarray) -> np.ndarray:
        r, alpha, a, b = (self.params_[k] for k in ("r", "alpha", "a", "b"))
        a = a if abs(a - 1.0) >= 1e-6 else 1.0 + 1e-6
        hyp = special.hyp2f1(r, b, a + b - 1, t / (alpha + t))
        return (a + b - 1) / (a - 1) * (1.0 - (alpha / (alpha + t)) ** r * hyp)


class ModifiedBetaGeoModel(BetaGeoModel):
    """MBG/NBD repeat-purchase model: BG/NBD where a customer may also leave after the first buy.

    Same parameters and methods as `BetaGeoModel`; a one-time buyer's P(alive) falls with
    the time since their purchase (Batislam, Denizel and Filiztekin 2007).

    Examples
    --------
    >>> m = ModifiedBetaGeoModel().fit([0, 0, 2, 5], [0, 0, 30, 60], [10, 300, 90, 90])
    >>> p = m.probability_alive([0, 0], [0, 0], [10, 300])
    >>> bool(p[0] > p[1])
    True
    """

    name = "MBG/NBD"

    @staticmethod
    def _loglik(theta: np.ndarray, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray,
                weights: np.ndarray) -> float:
        r, alpha, a, b = np.exp(theta)
        a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
        a2 = (special.gammaln(a + b) + special.gammaln(b + x + 1)
              - special.gammaln(b) - special.gammaln(a + b + x + 1))
        a3 = -(r + x) * np.log(alpha + big_t)
        a4 = np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + big_t) - np.log(alpha + t_x))
        return float(np.sum(weights * (a1 + a2 + a3 + np.logaddexp(0.0, a4))))

    def _log_odds_dead(self, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray) -> np.ndarray:
        r, alpha, a, b = (self.params_[k] for k in ("r", "alpha", "a", "b"))
        return np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + big_t)
                                                      - np.log(alpha + t_x))

    def _conditional(self, t: float, x: np.ndarray, big_t: np.ndarray) -> np.ndarray:
        r, alpha, a, b = (self.params_[k] for k in ("r", "alpha", "a", "b"))
        a = a if abs(a - 1.0) >= 1e-6 else 1.0 + 1e-6
        z = t / (alpha + big_t + t)
        log_ratio = (r + x) * (np.log(alpha + big_t) - np.log(alpha + big_t + t))
        hyp = special.hyp2f1(r + x, b + x + 1, a + b + x, z)
        return (a + b + x) / (a - 1) * (1.0 - np.exp(log_ratio) * hyp)

    def _unconditional(self, t: np.ndarray) -> np.ndarray:
        r, alpha, a, b = (self.params_[k] for k in ("r", "alpha", "a", "b"))
        a = a if abs(a - 1.0) >= 1e-6 else 1.0 + 1e-6
        hyp = special.hyp2f1(r, b + 1, a + b, t / (alpha + t))
        return b / (a - 1) * (1.0 - (alpha / (alpha + t)) ** r * hyp)


def summary_arrays(frequency: Any, recency: Any, T: Any) -> tuple[np.ndarray, ...]:  # noqa: N803
    """Validated, broadcast float arrays of (frequency, recency, T)."""
    x, t_x, big_t = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (frequency, recency, T))
    x, t_x, big_t = np.broadcast_arrays(x, t_x, big_t)
    if not (np.isfinite(x).all() and np.isfinite(t_x).all() and np.isfinite(big_t).all()):
        raise InputError("frequency, recency and T must be finite numbers")
    if (x < 0).any() or (t_x < 0).any() or (t_x > big_t).any():
        raise InputError("need 0 <= recency <= T and frequency >= 0")
    return x, t_x, big_t


def days_per_repeat(x: np.ndarray, big_t: np.ndarray) -> float:
    """Pooled days per repeat purchase: the scale the priors start from."""
    return (float(np.sum(big_t)) + 1.0) / (float(np.sum(x)) + 1.0)


def fit_summaries(loglik, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray,
                  prior_weight: float, names: tuple[str, ...],
                  start: np.ndarray) -> tuple[dict[str, float], float]:
    """Maximum a posteriori fit of `loglik` on log parameters, prior centred on `start`."""
    # customers with the same (x, t_x, T) share one likelihood term
    keys, weights = np.unique(np.column_stack([x, t_x, big_t]), axis=0, return_counts=True)
    ux, ut, u_big_t = keys[:, 0], keys[:, 1], keys[:, 2]
    n = float(weights.sum())
    w = weights.astype(float)

    def objective(theta):
        shrink = theta - start
        log_post = loglik(theta, ux, ut, u_big_t, w) - prior_weight * float(shrink @ shrink)
        return -log_post / n if np.isfinite(log_post) else 1e300

    bounds = [(-12.0, 12.0)] * len(start)
    best = optimize.minimize(objective, start, method="L-BFGS-B", bounds=bounds)
    if not best.success:  # retry from the optimizer's best point with a derivative-free method
        retry = optimize.minimize(objective, best.x, method="Nelder-Mead",
                                  options={"maxiter": 4000, "xatol": 1e-6, "fatol": 1e-10})
        best = retry if retry.fun < best.fun else best
    theta = np.clip(best.x, -12.0, 12.0)
    value = loglik(theta, ux, ut, u_big_t, w) / n
    return dict(zip(names, np.exp(theta).tolist(), strict=True)), value
