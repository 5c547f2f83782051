"""The newsvendor estimator: per item, the demand quantile at the critical ratio, from a
weighted blend of learners whose weights are set by their cost on the latest days of the
history (time order, no shuffling), pooled across items."""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from engine.errors import InputError
from engine.perishables.candidates import (
    ForestWeighted,
    NeighboursWeighted,
    PooledBoosting,
    QuantileBoosting,
    SampleAverage,
    pinball_cost,
)

#: Learners by key; "pooled" is fitted across items, the others per item.
CANDIDATES = {
    "sample_average": SampleAverage, "forest": ForestWeighted, "neighbours": NeighboursWeighted,
    "boosting": QuantileBoosting, "pooled": PooledBoosting,
}
#: "blend": a weighted mean of the other candidates' quantities, the weights chosen by their
#: validation cost pooled across items (`NewsvendorRegressor.weights_`).
BLEND = "blend"
#: The blend's weights are multiples of this step and sum to 1 (each learner alone included).
BLEND_STEP = 0.1
#: Factors the blend's quantity may be multiplied by (1 included), set on the validation
#: days: learners fitted on past days see their own days' demand, so their quantiles sit too
#: close to the middle (YAZ: 0.92 at ratio 0.1, 1.06 at 0.9), and they trail a drifting level
#: (bakery: 0.98 at most ratios). Nearest to 1 first: of equally good factors, the least change.
BLEND_FACTORS = tuple(sorted(np.round(np.arange(0.8, 1.2001, 0.02), 2), key=lambda f: abs(f - 1)))
#: Per-item boosting ("boosting") is left out by default: it was the choice for at most 1 of 95
#: bakery series yet took a third of the planning time; the pooled boosting learns the same
#: quantile across items.
DEFAULT_CANDIDATES = ("sample_average", "forest", "neighbours", "pooled", BLEND)
#: Fewer rows than this per item: no learner is fitted, the sample average is used.
MIN_ROWS = 28
#: Each learner reads at most this many of an item's latest rows (two years): older days say
#: little about tomorrow, and the fits stay fast on a laptop (100 items x 3 years: seconds).
MAX_ROWS = 730


class NewsvendorRegressor(BaseEstimator):
    """Order quantities for perishable items: the critical-ratio quantile of demand.

    Parameters
    ----------
    critical_ratio : float or mapping of item to float, default=0.5
        ``(price - cost) / (price - salvage)``: the chance that the quantity covers the
        day's demand (no sell-out) should equal this. One value for all items, or one per
        item of `groups`.
    candidates : sequence of str, default=DEFAULT_CANDIDATES
        Learners to choose from (keys of `CANDIDATES`).
    validation_share : float, default=0.25
        Share of each item's latest rows on which the candidates are compared.
    selection : {"blend", "item", "all"}, default="blend"
        "blend": every item gets the blend (`weights_`), whose weights minimise the
        validation cost relative to the sample average's, averaged over items. Choosing a
        learner per item ("item") follows the noise of a few months of one item's days
        (YAZ: 7 series of 140 validation days); pooling the evidence does not, and a single
        learner is one corner of the weight grid. "all": one learner for all items.
    random_state : int, default=0
        Seed of the tree learners.

    Attributes
    ----------
    choice_ : dict of item to str
        The learner chosen per item ("blend" for the blend).
    weights_ : dict of str to float
        Weight of each learner in the blend (sums to 1).
    factor_ : float
        What the blend's weighted quantity is multiplied by (from `BLEND_FACTORS`, chosen
        like the weights; 1.0 when nothing was validated).
    validation_cost_ : DataFrame
        Mean newsvendor cost (underage = ratio, overage = 1 - ratio) per item and learner
        on the validation days.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"lag_level": np.full(200, 10.0), "x": rng.integers(0, 2, 200)})
    >>> y = 10.0 + 10.0 * X["x"].to_numpy() + rng.normal(0, 1, 200)
    >>> model = NewsvendorRegressor(0.9, candidates=("sample_average", "forest")).fit(X, y)
    >>> q = model.predict(pd.DataFrame({"lag_level": [10.0, 10.0], "x": [0, 1]}))
    >>> bool(q[1] - q[0] > 8), model.choice_, model.weights_
    (True, {'all': 'blend'}, {'sample_average': 0.0, 'forest': 1.0})
    """

    def __init__(self, critical_ratio: float | Mapping = 0.5, *,
                 candidates: Sequence[str] = DEFAULT_CANDIDATES, validation_share: float = 0.25,
                 selection: str = "blend", random_state: int = 0):
        self.critical_ratio = critical_ratio
        self.candidates = candidates
        self.validation_share = validation_share
        self.selection = selection
        self.random_state = random_state

    def fit(self, X: pd.DataFrame, y, groups=None) -> NewsvendorRegressor:
        """Compare the learners on each item's latest days, set the blend's weights, then
        refit what each item uses (and the forest, for the demand distribution) on the
        item's latest `MAX_ROWS` rows.

        Parameters
        ----------
        X : DataFrame
            Feature rows (see `engine.perishables.features.design`), in time order within
            each item; must hold `lag_level` for the pooled learner.
        y : array-like
            Demand of each row's day.
        groups : array-like, optional
            Item of each row; all rows one item when absent.
        """
        unknown = set(self.candidates) - set(CANDIDATES) - {BLEND}
        if unknown or not self.candidates:
            raise InputError(f"unknown candidates {sorted(unknown)}; choose from "
                             f"{sorted(CANDIDATES)}")
        if self.selection not in ("blend", "item", "all"):
            raise InputError("selection must be 'blend', 'item' or 'all'")
        if not 0 < self.validation_share < 1:
            raise InputError("validation_share must be between 0 and 1")
        X = pd.DataFrame(X).reset_index(drop=True).astype(float)
        y = np.asarray(y, dtype=float)
        if len(X) != len(y) or not len(y):
            raise InputError("X and y need the same, non-zero number of rows")
        if not np.isfinite(y).all() or not np.isfinite(X.to_numpy()).all():
            raise InputError("features and demand must be finite numbers")
        groups = np.asarray(["all"] * len(y) if groups is None else groups, dtype=object)
        self.items_ = list(pd.unique(groups))
        self.ratio_ = {g: _ratio(self.critical_ratio, g) for g in self.items_}
        rows = {g: np.flatnonzero(groups == g) for g in self.items_}
        early, late = {}, {}
        for g, r in rows.items():
            n_val = int(round(len(r) * self.validation_share))
            early[g], late[g] = (r[:-n_val], r[-n_val:]) if len(r) >= MIN_ROWS and n_val else \
                (r, r[:0])
        with threadpool_limits(1):  # small fits: threads only contend (and Pyodide has none)
            costs = self._validate(X, y, early, late)
            self.validation_cost_ = costs
            self.choice_ = self._choose(costs)
            self.models_, self.pooled_ = {}, {}
            self._fit_models(X, y, rows, {g: self._needs([k]) for g, k in self.choice_.items()},
                             self.models_, self.pooled_, also_forest=True)
        self.columns_ = list(X.columns)
        return self

    def predict(self, X: pd.DataFrame, groups=None) -> np.ndarray:
        """The order quantity of each row (not rounded)."""
        check_is_fitted(self, "models_")
        X, groups = self._rows(X, groups)
        out = np.zeros(len(X))
        with threadpool_limits(1):
            for g in pd.unique(groups):
                r = np.flatnonzero(groups == g)
                out[r] = self._predict(g, self.choice_[g], X.iloc[r], self.models_,
                                       self.pooled_)
        return np.maximum(out, 0.0)

    def demand_distribution(self, X: pd.DataFrame, groups=None) -> list[tuple]:
        """Per row, the training demands and their weights that describe the day's demand.

        From the item's chosen learner when it weighs past days (the sample, the forest or
        the nearest days), so the quantity and its expected sales, waste and lost sales come
        from one distribution; for the blend, its parts that weigh past days mixed by their
        blend weights; else from the forest (the sample when it has too few days).
        """
        check_is_fitted(self, "models_")
        X, groups = self._rows(X, groups)
        out = [None] * len(X)
        for g in pd.unique(groups):
            r = np.flatnonzero(groups == g)
            models = self.models_[g]
            key = self.choice_.get(g)
            mix = {k: w for k, w in self.weights_.items() if w > 0} if key == BLEND else \
                {key: 1.0}
            mix = {k: w for k, w in mix.items() if hasattr(models.get(k), "weights")} or \
                {("forest" if "forest" in models else "sample_average"): 1.0}
            w = sum(share * _normalised(models[k].weights(X.iloc[r]))
                    for k, share in mix.items())
            values = models[next(iter(mix))].y_
            w = _normalised(w)
            for i, row in enumerate(r):
                out[row] = (values, w[i])
        return out

    # -- internals -------------------------------------------------------------------

    def _rows(self, X, groups):
        X = pd.DataFrame(X).reset_index(drop=True)[self.columns_].astype(float)
        groups = np.asarray(["all"] * len(X) if groups is None else groups, dtype=object)
        missing = set(pd.unique(groups)) - set(self.items_)
        if missing:
            raise InputError(f"items not seen in fit: {sorted(map(str, missing))[:5]}")
        return X, groups

    def _keys(self) -> list[str]:
        """The candidates compared in validation: the blend too when it may be chosen."""
        keys = list(self.candidates)
        return keys + [BLEND] if self.selection == "blend" and BLEND not in keys else keys

    def _parts(self) -> list[str]:
        return [k for k in self.candidates if k != BLEND] or ["sample_average"]

    def _validate(self, X, y, early, late) -> pd.DataFrame:
        checked = [g for g in self.items_ if len(late[g])]
        keys = self._keys()
        costs = pd.DataFrame(np.nan, index=self.items_, columns=keys)
        parts = self._parts()
        learned = [k for k in parts if k != "sample_average"] or parts
        self.weights_ = {k: (1.0 / len(learned) if k in learned else 0.0) for k in parts}
        self.factor_ = 1.0
        if not checked:
            return costs
        models, pooled = {}, {}
        self._fit_models(X, y, {g: early[g] for g in checked},
                         {g: self._needs(keys) for g in checked}, models, pooled)
        preds = {g: {k: self._predict(g, k, X.iloc[late[g]], models, pooled) for k in parts}
                 for g in checked}
        if BLEND in keys:
            self._learn_blend(preds, {g: y[late[g]] for g in checked})
        for g in checked:
            for key in keys:
                q = preds[g][key] if key in preds[g] else \
                    self._predict(g, key, X.iloc[late[g]], models, pooled)
                costs.loc[g, key] = pinball_cost(y[late[g]], q, self.ratio_[g])
        return costs

    def _learn_blend(self, preds: dict, actual: dict) -> None:
        """The blend's weights, then its factor: on a grid each (the simplex, then
        `BLEND_FACTORS`), those with the least validation cost relative to each item's
        sample-average cost (else its best learner's), averaged over items. Relative costs
        weigh a small item like a large one, as the coefficient of prescriptiveness does."""
        parts = self._parts()
        scale = {}
        for g, y in actual.items():
            own = [pinball_cost(y, preds[g][k], self.ratio_[g]) for k in parts]
            scale[g] = own[parts.index("sample_average")] if "sample_average" in parts else \
                min(own)
        counted = [g for g in actual if scale[g] > 0]
        if not counted:
            return
        grid = _simplex(len(parts), BLEND_STEP)
        stacked = {g: np.stack([preds[g][k] for k in parts]) for g in counted}
        best = self._least_cost({g: grid @ stacked[g] for g in counted}, actual, scale)
        self.weights_ = {k: float(w) for k, w in zip(parts, grid[best], strict=True)}
        blend = {g: grid[best] @ stacked[g] for g in counted}
        factors = np.array(BLEND_FACTORS)
        best = self._least_cost({g: factors[:, None] * blend[g][None, :] for g in counted},
                                actual, scale)
        self.factor_ = float(factors[best])

    def _least_cost(self, quantities: dict, actual: dict, scale: dict) -> int:
        """The row of every item's quantities (rows x days) whose cost relative to the
        item's `scale`, averaged over items, is least (the first of equals)."""
        total = sum(pinball_cost(actual[g][None, :], q, self.ratio_[g], axis=1) / scale[g]
                    for g, q in quantities.items())
        return int(np.argmin(total))

    def _choose(self, costs: pd.DataFrame) -> dict:
        fallback = "sample_average" if "sample_average" in self.candidates else \
            self.candidates[0]
        if self.selection == "all":
            scale = costs.min(axis=1).replace(0, np.nan)
            total = costs.div(scale, axis=0).mean(axis=0, skipna=True)
            best = total.idxmin() if total.notna().any() else fallback
            return {g: best for g in self.items_}
        if self.selection == "blend":
            return {g: (BLEND if costs.loc[g].notna().any() else fallback)
                    for g in self.items_}
        return {g: (costs.loc[g].idxmin() if costs.loc[g].notna().any() else fallback)
                for g in self.items_}

    def _fit_models(self, X, y, rows, wanted, models, pooled, also_forest=False):
        rows = {g: r[-MAX_ROWS:] for g, r in rows.items()}
        for g, r in rows.items():
            keys = wanted[g] if isinstance(wanted[g], list) else [wanted[g]]
            if len(r) < MIN_ROWS:
                keys = ["sample_average"]
            elif also_forest and "forest" not in keys:
                keys = keys + ["forest"]
            models[g] = {}
            for key in keys:
                if key == "pooled":
                    continue
                models[g][key] = self._make(key).fit(X.iloc[r], y[r], self.ratio_[g])
        for ratio in {self.ratio_[g] for g in rows}:
            # fitted on every item of the ratio, as in validation, whoever uses it
            use = [g for g in rows if self.ratio_[g] == ratio and len(rows[g]) >= MIN_ROWS]
            if any("pooled" in (wanted[g] if isinstance(wanted[g], list) else [wanted[g]])
                   for g in use):
                r = np.concatenate([rows[g] for g in use])
                pooled[ratio] = self._make("pooled").fit(X.iloc[r], y[r], ratio)

    def _needs(self, keys) -> list[str]:
        """The learners to fit for `keys`: a blend needs its parts of non-zero weight."""
        weights = getattr(self, "weights_", None) or dict.fromkeys(self._parts(), 1.0)
        parts = [k for k, w in weights.items() if w > 0]
        out = [k for k in keys if k != BLEND] + (parts if BLEND in keys else [])
        return list(dict.fromkeys(out)) or ["sample_average"]

    def _predict(self, g, key, X, models, pooled):
        if key == BLEND:
            weights = {k: w for k, w in self.weights_.items() if w > 0 and (
                k in models[g] or (k == "pooled" and self.ratio_[g] in pooled))}
            if weights:
                total = sum(weights.values())
                return self.factor_ * sum(w / total * self._predict(g, k, X, models, pooled)
                                          for k, w in weights.items())
            key = "sample_average"
        if key == "pooled" and self.ratio_[g] in pooled:
            return pooled[self.ratio_[g]].predict(X)
        model = models[g].get(key) or models[g].get("sample_average") or \
            next(iter(models[g].values()))
        return model.predict(X)

    def _make(self, key):
        cls = CANDIDATES[key]
        if "random_state" in inspect.signature(cls).parameters:
            return cls(random_state=self.random_state)
        return cls()


def _normalised(weights: np.ndarray) -> np.ndarray:
    return weights / np.maximum(weights.sum(axis=1, keepdims=True), 1e-300)


def _simplex(n: int, step: float) -> np.ndarray:
    """Every weight vector of `n` non-negative multiples of `step` that sum to 1."""
    m = int(round(1 / step))
    rows = [c + (m - sum(c),) for c in itertools.product(range(m + 1), repeat=n - 1)
            if sum(c) <= m]
    return np.array(rows, dtype=float) / m


def _ratio(critical_ratio, item) -> float:
    value = critical_ratio.get(item) if isinstance(critical_ratio, Mapping) else critical_ratio
    if value is None:
        raise InputError(f"no critical ratio for item {item!r}")
    value = float(value)
    if not 0 < value < 1:
        raise InputError(f"critical ratio of item {item!r} must be between 0 and 1, got {value}")
    return value
