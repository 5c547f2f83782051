"""Demand over the lead time as a distribution, with the loss function that sizes fill rates.

Count data (units of whole items, often intermittent) get a discrete distribution: a
negative binomial matched to the forecast mean and the forecast's out-of-sample error
variance (Poisson when the errors are no wider than Poisson noise). Other data get a
normal distribution. Random lead times add ``sigma_L**2 * rate**2`` to the variance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

TAIL = 1e-9  # probability left beyond the end of a discrete grid
#: Smallest negative binomial size n = mean**2 / (var - mean) for whole-unit demand. A near-zero
#: forecast with large past errors (an item that stopped selling) would otherwise imply a tail
#: so long that a fill-rate target asks for thousands of units against a mean below one.
MIN_SIZE = 0.1
#: Largest whole-unit grid worth summing over. Beyond it (tens of thousands of units over a lead
#: time) the normal distribution is as exact, and a grid would take minutes and gigabytes.
MAX_GRID = 20_000


@dataclass(frozen=True)
class LeadTimeDemand:
    """Demand over a (possibly random) lead time for one item.

    Parameters
    ----------
    mean : float
        Expected demand over the lead time.
    var : float
        Its variance.
    discrete : bool
        Whole units (negative binomial or Poisson) rather than a normal distribution.
    """

    mean: float
    var: float
    discrete: bool

    @property
    def kind(self) -> str:
        """Name of the distribution used."""
        if not self.discrete:
            return "normal"
        if self.mean <= 0:
            return "none"
        return "negative binomial" if self.var > self.mean * (1 + 1e-6) else "poisson"

    def frozen(self):
        """The scipy distribution (None when no demand is expected)."""
        mu, var = float(self.mean), float(self.var)
        if self.kind == "none":
            return None
        if self.kind == "normal":
            return stats.norm(mu, np.sqrt(max(var, 0.0)) or 1e-12)
        if self.kind == "poisson":
            return stats.poisson(mu)
        return stats.nbinom(mu * mu / (var - mu), mu / var)

    def grid_end(self, extra: float = 0.0) -> int:
        """A whole number beyond which the discrete distribution has negligible mass."""
        dist = self.frozen()
        top = 0.0 if dist is None else float(dist.ppf(1 - TAIL))
        return int(np.ceil(top + max(extra, 0.0))) + 1

    def cdf(self, x):
        """P(D <= x)."""
        dist = self.frozen()
        x = np.asarray(x, dtype=float)
        return np.where(x >= 0, 1.0, 0.0) if dist is None else dist.cdf(x)

    def ppf(self, q: float) -> float:
        """Smallest x with P(D <= x) >= q."""
        dist = self.frozen()
        return 0.0 if dist is None else float(dist.ppf(q))

    def loss(self, x):
        """First-order loss function ``E[(D - x)+]``: expected units short with stock x.

        Exact on whole numbers for discrete demand (x is rounded down to one);
        the closed form ``sigma * (phi(z) - z * (1 - Phi(z)))`` for normal demand.
        """
        x = np.asarray(x, dtype=float)
        dist = self.frozen()
        if dist is None:
            return np.maximum(-x, 0.0)
        if not self.discrete:
            sd = float(dist.std())
            z = (x - self.mean) / sd
            return sd * (stats.norm.pdf(z) - z * stats.norm.sf(z))
        k = np.floor(x)
        end = self.grid_end(max(np.max(k, initial=0.0), 0.0))
        partial = np.concatenate([[0.0], np.cumsum(dist.sf(np.arange(end + 1)))])
        inside = partial[np.clip(k, 0, end + 1).astype(int)]
        return np.where(k < 0, self.mean - k, np.maximum(self.mean - inside, 0.0))

    def loss2(self, x):
        """Second-order loss ``sum_{y > x} E[(D - y)+]`` (an integral for normal demand).

        ``loss2(s) - loss2(s + Q)`` is the expected shortage summed over inventory
        positions spread evenly over (s, s + Q]. Defined for x >= 0.
        """
        x = np.asarray(x, dtype=float)
        dist = self.frozen()
        if dist is None:
            return np.zeros_like(x)
        if not self.discrete:
            sd = float(dist.std())
            z = (x - self.mean) / sd
            return sd * sd * ((z * z + 1) * stats.norm.sf(z) - z * stats.norm.pdf(z)) / 2
        k = np.maximum(np.floor(x), 0)
        end = self.grid_end(np.max(k, initial=0.0))
        g = self.loss(np.arange(end + 2, dtype=float))
        tail = np.concatenate([np.cumsum(g[::-1])[::-1], [0.0]])  # tail[j] = sum_{y >= j} G(y)
        return tail[np.clip(k + 1, 0, end + 2).astype(int)]


def lead_time_demand(rate_path, var_per_period, lead_time, *, lead_time_sd=0.0,
                     discrete=True) -> LeadTimeDemand:
    """The distribution of demand over a lead time, from a forecast and its errors.

    Parameters
    ----------
    rate_path : array-like of shape (horizon,)
        Point forecasts of the periods ahead (at least ``ceil(lead_time)`` of them).
    var_per_period : float
        Mean squared out-of-sample error of that forecast per period (the forecast
        engine's `residual_var_`): demand noise plus forecast error.
    lead_time : float
        Periods from ordering to receiving; fractions take that share of a period.
    lead_time_sd : float, default=0
        Standard deviation of the lead time, in periods.
    discrete : bool, default=True
        Whole-unit demand: a negative binomial (or Poisson) instead of a normal, up to
        `MAX_GRID` units (a normal beyond).

    Returns
    -------
    LeadTimeDemand
        Mean ``sum of the forecast over the lead time`` and variance
        ``L * var_per_period + lead_time_sd**2 * rate**2`` (for whole units at most
        ``mean + mean**2 / MIN_SIZE``).
    """
    path = np.maximum(np.asarray(rate_path, dtype=float), 0.0)
    mean = cumulative(path, lead_time)
    rate = mean / lead_time if lead_time > 0 else (path[0] if path.size else 0.0)
    var = lead_time * max(float(var_per_period), 0.0) + (lead_time_sd * rate) ** 2
    if discrete:
        var = min(var, mean + mean * mean / MIN_SIZE)
        if LeadTimeDemand(float(mean), float(var), True).grid_end() > MAX_GRID:
            discrete = False
    return LeadTimeDemand(float(mean), float(var), bool(discrete))


def cumulative(path: np.ndarray, periods: float) -> float:
    """Sum of the first `periods` values of `path` (a fraction takes that share of the next)."""
    whole = int(np.floor(periods))
    frac = periods - whole
    if whole + (frac > 0) > path.size:
        extra = np.full(whole + 1 - path.size, path[-1] if path.size else 0.0)
        path = np.concatenate([path, extra])
    return float(path[:whole].sum() + (frac * path[whole] if frac > 0 else 0.0))
