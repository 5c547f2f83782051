"""The order-quantity learners the newsvendor estimator chooses from.

Each learns, from feature rows and the demand of those days, the demand quantile at the
critical ratio: `fit(X, y, ratio)` then `predict(X)`. The weighted ones also give the
whole demand distribution of a day (training demands and their weights), which is what
expected sales, waste and lost sales are computed from.
"""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestRegressor
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import StandardScaler

from engine.perishables.features import LAG_PREFIX


def weighted_quantile(values: np.ndarray, weights: np.ndarray, ratio: float) -> np.ndarray:
    """Per row of `weights`, the smallest value whose cumulative weight reaches `ratio`.

    Parameters
    ----------
    values : ndarray of shape (n,)
        Training demands.
    weights : ndarray of shape (m, n)
        Non-negative weights per query row (normalised here).
    ratio : float
        The critical ratio, in (0, 1).

    Examples
    --------
    >>> weighted_quantile(np.array([3.0, 1.0, 2.0]), np.array([[1.0, 1.0, 1.0]]), 0.5)
    array([2.])
    """
    order = np.argsort(values, kind="stable")
    w = weights[:, order]
    cum = np.cumsum(w, axis=1)
    cum /= np.maximum(cum[:, -1:], 1e-300)
    pos = (cum < ratio - 1e-12).sum(axis=1)
    return values[order][np.minimum(pos, len(values) - 1)]


def pinball_cost(y: np.ndarray, q: np.ndarray, ratio: float,
                 axis: int | None = None) -> float | np.ndarray:
    """Mean newsvendor cost per day with underage cost `ratio` and overage `1 - ratio`
    (along `axis` when given: one mean per row of candidate quantities)."""
    diff = np.asarray(y, dtype=float) - np.asarray(q, dtype=float)
    cost = np.mean(np.where(diff > 0, ratio * diff, (ratio - 1.0) * diff), axis=axis)
    return float(cost) if axis is None else cost


class SampleAverage:
    """The empirical quantile of all training demand (sample average approximation)."""

    name = "sample average"

    def fit(self, X, y, ratio):
        self.y_, self.ratio_ = np.asarray(y, dtype=float), ratio
        self.q_ = float(weighted_quantile(self.y_, np.ones((1, len(self.y_))), ratio)[0])
        return self

    def predict(self, X):
        return np.full(len(X), self.q_)

    def weights(self, X):
        return np.full((len(X), len(self.y_)), 1.0 / len(self.y_))


class ForestWeighted:
    """Weighted SAA: a day's weight on a training day is how often a random forest puts
    them in the same leaf (Bertsimas and Kallus's random-forest weights)."""

    name = "forest-weighted history"

    def __init__(self, n_estimators=30, min_samples_leaf=5, max_features=0.5,
                 random_state=0):
        self.n_estimators, self.min_samples_leaf = n_estimators, min_samples_leaf
        self.max_features, self.random_state = max_features, random_state

    def fit(self, X, y, ratio):
        self.y_, self.ratio_ = np.asarray(y, dtype=float), ratio
        self.forest_ = RandomForestRegressor(
            n_estimators=self.n_estimators, min_samples_leaf=self.min_samples_leaf,
            max_features=self.max_features, bootstrap=False, random_state=self.random_state,
            n_jobs=1).fit(X, self.y_)
        self.leaves_ = self.forest_.apply(X)
        return self

    def weights(self, X):
        leaves = self.forest_.apply(X)
        w = np.zeros((len(X), len(self.y_)))
        for t in range(leaves.shape[1]):
            same = leaves[:, t][:, None] == self.leaves_[:, t][None, :]
            w += same / np.maximum(same.sum(axis=1, keepdims=True), 1)
        return w

    def predict(self, X):
        return weighted_quantile(self.y_, self.weights(X), self.ratio_)


class NeighboursWeighted:
    """Weighted SAA on the `n_neighbors` most similar training days (standardised features)."""

    name = "similar days"

    def __init__(self, n_neighbors=20):
        self.n_neighbors = n_neighbors

    def fit(self, X, y, ratio):
        self.y_, self.ratio_ = np.asarray(y, dtype=float), ratio
        self.scaler_ = StandardScaler().fit(X)
        k = min(self.n_neighbors, len(self.y_))
        self.nn_ = NearestNeighbors(n_neighbors=k).fit(self.scaler_.transform(X))
        return self

    def weights(self, X):
        idx = self.nn_.kneighbors(self.scaler_.transform(X), return_distance=False)
        w = np.zeros((len(X), len(self.y_)))
        np.put_along_axis(w, idx, 1.0, axis=1)
        return w

    def predict(self, X):
        return weighted_quantile(self.y_, self.weights(X), self.ratio_)


class QuantileBoosting:
    """Gradient-boosted trees fitted to the pinball loss at the critical ratio."""

    name = "quantile boosting"

    def __init__(self, max_iter=30, learning_rate=0.2, min_samples_leaf=20, random_state=0):
        self.max_iter, self.learning_rate = max_iter, learning_rate
        self.min_samples_leaf, self.random_state = min_samples_leaf, random_state

    def fit(self, X, y, ratio):
        self.model_ = _boosting(ratio, self.max_iter, self.learning_rate,
                                self.min_samples_leaf, self.random_state)
        self.model_.fit(X, np.asarray(y, dtype=float))
        return self

    def predict(self, X):
        return np.maximum(self.model_.predict(X), 0.0)


class PooledBoosting:
    """Quantile boosting across all items at once, on demand relative to each item's recent
    level (`lag_level`): small shops have few days per item, but items share patterns."""

    name = "quantile boosting across items"

    def __init__(self, max_iter=100, learning_rate=0.15, min_samples_leaf=40, random_state=0):
        self.max_iter, self.learning_rate = max_iter, learning_rate
        self.min_samples_leaf, self.random_state = min_samples_leaf, random_state

    def fit(self, X, y, ratio):
        level = _level(X)
        self.model_ = _boosting(ratio, self.max_iter, self.learning_rate,
                                self.min_samples_leaf, self.random_state)
        self.model_.fit(relative(X), np.asarray(y, dtype=float) / level)
        return self

    def predict(self, X):
        return np.maximum(self.model_.predict(relative(X)) * _level(X), 0.0)


def relative(X):
    """Sales statistics divided by the recent level, plus the log level: scale-free rows."""
    out = X.copy()
    level = _level(X)
    for col in X.columns:
        if col.startswith(LAG_PREFIX) and col != f"{LAG_PREFIX}level":
            out[col] = X[col].to_numpy() / level
    out[f"{LAG_PREFIX}level"] = np.log(level)
    return out


def _level(X) -> np.ndarray:
    return np.maximum(X[f"{LAG_PREFIX}level"].to_numpy(dtype=float), 0.5)


def _boosting(ratio, max_iter, learning_rate, min_samples_leaf, random_state):
    return HistGradientBoostingRegressor(
        loss="quantile", quantile=float(ratio), max_iter=max_iter, learning_rate=learning_rate,
        min_samples_leaf=min_samples_leaf, early_stopping=False, random_state=random_state)
