"""The shop's fraud model: rules and an anomaly model always, a calibrated classifier with labels.

Levels (defaults, per order): ``HIGH`` when the score is at least 0.5 (fraud is judged at
least as likely as not: hold the order and review it), ``MEDIUM`` from 0.1 (worth a glance
before fulfilment), ``LOW`` below. Without labels the score is a naive-Bayes reading of the
rules from a 1 % base rate, so MEDIUM needs about three moderate signals and HIGH a strong
pattern (card testing, links to known fraud, several mismatches at once); on a typical
small shop that puts well under 5 % of orders above LOW and about 1-2 % at HIGH, a few
orders a day to review. With labels the score is the calibrated probability of fraud at
the shop's own fraud rate.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier, IsolationForest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from engine.errors import InputError
from engine.fraud import rules
from engine.fraud.features import DAY, FEATURES, OrderTrail, ShopProfile, feature_matrix
from engine.fraud.orders import ORDER_COLUMNS, order_frame
from engine.validation import number, whole_number

LEVELS = ("LOW", "MEDIUM", "HIGH")
OUTPUT_COLUMNS = ("order_id", "score", "risk_level", "reasons", "facts")
_RATIOS = ("value_ratio_shop", "value_ratio_customer")


class FraudScorer(BaseEstimator):
    """Score Shopify orders for fraud risk, learning what is normal from the shop's history.

    Parameters
    ----------
    base_rate : float, default=0.01
        Share of fraud assumed before any evidence when the history has no labels.
    medium_threshold : float, default=0.1
        Scores at or above this are ``MEDIUM``.
    high_threshold : float, default=0.5
        Scores at or above this are ``HIGH``.
    anomaly_weight : float, default=1.5
        Log-odds added for the most unusual orders (top 5 % of the anomaly model, scaled).
    min_labels : int, default=10
        Fraud labels (and as many good orders) needed before the supervised model is used.
    supervised : {"auto", "logistic", "boosting", "off"}, default="auto"
        Classifier learned from labels: "auto" and "logistic" use a regularized logistic
        regression (robust with a few dozen labels); "boosting" gradient-boosted trees.
    label_delay_days : float, default=3.0
        While learning from the history, a fraud label counts for linking later orders only
        this many days after its order (as fraud is found out later, not at once).
    n_estimators : int, default=100
        Trees of the isolation forest.
    max_reasons : int, default=8
        Facts kept per order (Shopify accepts up to 20).
    random_state : int, default=0
        Seed of the isolation forest.

    Attributes
    ----------
    profile_ : ShopProfile
        Typical order value, low-value and high-price limits of the shop.
    trail_ : OrderTrail
        The history, indexed for velocity and linkage look-ups.
    anomaly_model_ : IsolationForest or None
        None when the history is too short (under 50 orders).
    anomaly_kernel_ : object
        The forest's trees as flat arrays, for fast scoring (same scores as the forest).
    anomaly_reference_ : ndarray
        Sorted anomaly scores of the history, to turn a score into a percentile.
    classifier_ : CalibratedClassifierCV or None
        The calibrated supervised model; None without enough labels.
    n_history_ : int
        Orders in the history.
    n_fraud_labels_ : int
        Orders labelled fraud in the history.

    Examples
    --------
    >>> history = pd.DataFrame({
    ...     "order_id": [str(i) for i in range(120)],
    ...     "created_at": pd.to_datetime([f"2024-01-{1 + i % 28:02d}T10:00:00Z"
    ...                                   for i in range(120)]),
    ...     "total": 40.0, "email": [f"c{i % 30}@shop.example" for i in range(120)]})
    >>> scorer = FraudScorer().fit(history)
    >>> new = pd.DataFrame({"order_id": ["999"], "created_at": [pd.Timestamp("2024-02-01T10:00Z")],
    ...                     "total": [38.0], "email": ["c1@shop.example"]})
    >>> scorer.assess(new).loc[0, "risk_level"]
    'LOW'
    """

    def __init__(self, base_rate: float = 0.01, *, medium_threshold: float = 0.1,
                 high_threshold: float = 0.5, anomaly_weight: float = 1.5, min_labels: int = 10,
                 supervised: str = "auto", label_delay_days: float = 3.0,
                 n_estimators: int = 100, max_reasons: int = 8, random_state: int = 0):
        self.base_rate = base_rate
        self.medium_threshold = medium_threshold
        self.high_threshold = high_threshold
        self.anomaly_weight = anomaly_weight
        self.min_labels = min_labels
        self.supervised = supervised
        self.label_delay_days = label_delay_days
        self.n_estimators = n_estimators
        self.max_reasons = max_reasons
        self.random_state = random_state

    def fit(self, history: pd.DataFrame | None) -> FraudScorer:
        """Learn the shop's normal, its anomaly model and, with labels, a classifier.

        Parameters
        ----------
        history : pandas.DataFrame or None
            Past orders, an order frame (`engine.fraud.orders.ORDER_COLUMNS`); ``label``
            1.0 marks known fraud. Shopify payloads: ``connectors.shopify.orders.fraud_frame``.

        Returns
        -------
        FraudScorer
            self.
        """
        self._check_params()
        frame = order_frame(history)
        self.profile_ = ShopProfile.from_orders(frame)
        self.trail_ = OrderTrail(frame)
        feats = feature_matrix(_columns(frame), OrderTrail(frame.iloc[:0]), self.profile_,
                               use_labels=True, label_delay=self.label_delay_days * DAY)
        self.n_history_ = len(frame)
        self.anomaly_model_ = None
        self.anomaly_reference_ = np.zeros(1)
        if len(frame) >= 50:
            matrix = _transform(feats)
            self.anomaly_model_ = IsolationForest(
                n_estimators=self.n_estimators, max_samples=min(256, len(frame)),
                random_state=self.random_state).fit(matrix)
            self.anomaly_kernel_ = _FlatForest(self.anomaly_model_)
            self.anomaly_reference_ = np.sort(-self.anomaly_kernel_.score_samples(matrix))
        labels = np.nan_to_num(frame["label"].to_numpy(float))
        self.n_fraud_labels_ = int(labels.sum())
        self.classifier_ = None
        enough = min(self.n_fraud_labels_, len(labels) - self.n_fraud_labels_) >= self.min_labels
        if self.supervised != "off" and enough:
            design = self._design(feats)[0]
            self.classifier_ = CalibratedClassifierCV(
                self._classifier(), method="sigmoid", cv=3, ensemble=False).fit(design, labels)
        return self

    def assess(self, orders: pd.DataFrame) -> pd.DataFrame:
        """Score orders against the fitted history.

        Parameters
        ----------
        orders : pandas.DataFrame
            New orders, an order frame. Earlier rows count in the velocity of later ones;
            their labels are ignored.

        Returns
        -------
        pandas.DataFrame
            Columns ``order_id, score, risk_level, reasons, facts`` in input order: score in
            [0, 1]; reasons the fact sentences joined by ``"; "``; facts a tuple of
            `rules.Fact` (description, sentiment, weight), most important first.
        """
        if not hasattr(self, "profile_"):
            raise NotFittedError("FraudScorer is not fitted yet: call fit(history) first")
        frame = order_frame(orders)
        columns = _columns(frame)
        feats = feature_matrix(columns, self.trail_, self.profile_)
        design, hits, anomaly, prior = self._design(feats)
        if self.classifier_ is not None:
            score = _probability(self.classifier_, design)
        else:
            score = 1.0 / (1.0 + np.exp(-prior))
        score = np.round(np.clip(score, 0.0, 1.0), 4)  # levels agree with the shown score
        level = np.where(score >= self.high_threshold, "HIGH",
                         np.where(score >= self.medium_threshold, "MEDIUM", "LOW"))
        records = _rows(columns)
        values = _rows(dict(zip(FEATURES, feats.T, strict=True)))
        shown = np.where(anomaly >= 0.5 * self.anomaly_weight, anomaly, 0.0)
        facts = [rules.facts(hits[i], values[i], records[i], anomaly=shown[i],
                             limit=self.max_reasons) for i in range(len(frame))]
        return pd.DataFrame({
            "order_id": columns["order_id"],
            "score": score,
            "risk_level": level,
            "reasons": ["; ".join(f.description for f in fs) for fs in facts],
            "facts": facts,
        }, columns=list(OUTPUT_COLUMNS))

    def _design(self, feats: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                  np.ndarray]:
        """Classifier inputs, fired rules, anomaly log-odds and rule log-odds per order."""
        arrays = dict(zip(FEATURES, feats.T, strict=True))
        hits = rules.fired(arrays)
        anomaly = self._anomaly(feats)
        prior = math.log(self.base_rate / (1 - self.base_rate)) + rules.rule_logit(hits) + anomaly
        design = np.column_stack([prior, anomaly, _transform(feats)])
        return design, hits, anomaly, prior

    def _anomaly(self, feats: np.ndarray) -> np.ndarray:
        if self.anomaly_model_ is None:
            return np.zeros(len(feats))
        raw = -self.anomaly_kernel_.score_samples(_transform(feats))
        pct = np.searchsorted(self.anomaly_reference_, raw, side="right") / len(
            self.anomaly_reference_)
        return self.anomaly_weight * np.clip((pct - 0.95) / 0.05, 0.0, 1.0)

    def _classifier(self):
        if self.supervised == "boosting":
            return HistGradientBoostingClassifier(max_iter=150, learning_rate=0.05,
                                                  max_leaf_nodes=15, l2_regularization=1.0,
                                                  random_state=self.random_state)
        return make_pipeline(StandardScaler(), LogisticRegression(C=0.3, max_iter=2000))

    def _check_params(self) -> None:
        number(self.base_rate, "base_rate", low=0, high=1, open_low=True, open_high=True)
        medium = number(self.medium_threshold, "medium_threshold", low=0, high=1, open_low=True)
        if not medium < number(self.high_threshold, "high_threshold", low=0, high=1):
            raise InputError("thresholds must satisfy 0 < medium_threshold < high_threshold <= 1")
        if self.supervised not in ("auto", "logistic", "boosting", "off"):
            raise InputError(f"supervised must be auto, logistic, boosting or off, "
                             f"got {self.supervised!r}")
        whole_number(self.min_labels, "min_labels", low=2)


def score_orders(orders: pd.DataFrame,
                 history: pd.DataFrame | None = None,
                 **params: Any) -> pd.DataFrame:
    """Score orders for fraud: fit the shop's model on `history`, then assess `orders`.

    Parameters
    ----------
    orders : pandas.DataFrame
        Orders to score, an order frame (`engine.fraud.orders.ORDER_COLUMNS`).
    history : pandas.DataFrame or None, default=None
        The shop's past orders, an order frame (``label`` 1.0 where fraud is known).
        None or empty: the model learns the shop's normal from `orders` themselves.
    **params
        `FraudScorer` parameters.

    Returns
    -------
    pandas.DataFrame
        ``order_id, score, risk_level, reasons, facts`` in the order of `orders`.
    """
    past = order_frame(history)
    now = order_frame(orders)
    return FraudScorer(**params).fit(past if len(past) else now).assess(now)


def _transform(feats: np.ndarray) -> np.ndarray:
    out = np.log1p(np.clip(np.nan_to_num(feats), 0.0, None))
    for name in _RATIOS:
        j = FEATURES.index(name)
        out[:, j] = np.log(np.clip(feats[:, j], 0.01, None))
    return out


class _FlatForest:
    """An isolation forest's trees in flat arrays, walked for all trees at once.

    Gives the same ``score_samples`` as scikit-learn without its per-tree dispatch, which
    dominates the time to score a single order (about 30 ms for 100 trees).
    """

    def __init__(self, forest: IsolationForest):
        feature, threshold, left, right, value, roots = [], [], [], [], [], []
        offset = 0
        for tree, used in zip(forest.estimators_, forest.estimators_features_, strict=True):
            t = tree.tree_
            n = t.node_count
            depth = np.zeros(n)
            for node in range(n):  # children always follow their parent
                for child in (t.children_left[node], t.children_right[node]):
                    if child != -1:
                        depth[child] = depth[node] + 1
            leaf = t.children_left == -1
            feature.append(np.where(leaf, 0, np.asarray(used)[np.maximum(t.feature, 0)]))
            threshold.append(t.threshold)
            left.append(np.where(leaf, np.arange(n), t.children_left) + offset)
            right.append(np.where(leaf, np.arange(n), t.children_right) + offset)
            value.append(depth + _average_path_length(t.n_node_samples.astype(float)))
            roots.append(offset)
            offset += n
        self.feature = np.concatenate(feature)
        self.threshold = np.concatenate(threshold)
        self.left = np.concatenate(left)
        self.right = np.concatenate(right)
        self.leaf = self.left == np.arange(offset)
        self.value = np.concatenate(value)
        self.roots = np.array(roots)
        self.scale = len(roots) * float(_average_path_length(np.array([forest.max_samples_]))[0])

    def score_samples(self, matrix: np.ndarray) -> np.ndarray:
        x = np.asarray(matrix, dtype=np.float32)
        rows = np.arange(len(x))[:, None]
        node = np.broadcast_to(self.roots, (len(x), len(self.roots))).copy()
        while not self.leaf[node].all():
            go_left = x[rows, self.feature[node]] <= self.threshold[node]
            node = np.where(go_left, self.left[node], self.right[node])
        depth = self.value[node].sum(axis=1)
        return -(2.0 ** (-depth / self.scale))


def _average_path_length(n: np.ndarray) -> np.ndarray:
    n = np.asarray(n, dtype=float)
    out = np.where(n <= 1, 0.0, 1.0)
    big = n > 2
    out[big] = 2.0 * (np.log(n[big] - 1.0) + np.euler_gamma) - 2.0 * (n[big] - 1.0) / n[big]
    return out


def _columns(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    return {c: frame[c].to_numpy() for c in ORDER_COLUMNS}


def _rows(columns: dict[str, np.ndarray]) -> list[dict]:
    """Rows as dicts, faster than ``DataFrame.to_dict("records")`` for a few rows."""
    cols = {c: v.tolist() for c, v in columns.items()}
    n = len(next(iter(cols.values()), []))
    return [{c: v[i] for c, v in cols.items()} for i in range(n)]


def _probability(model: CalibratedClassifierCV, design: np.ndarray) -> np.ndarray:
    """``predict_proba(design)[:, 1]``; for the logistic pipeline, computed directly (fast)."""
    fitted = model.calibrated_classifiers_[0]
    pipe = fitted.estimator
    if len(model.calibrated_classifiers_) == 1 and hasattr(pipe, "named_steps"):
        scaler, linear = pipe.named_steps["standardscaler"], pipe.named_steps["logisticregression"]
        standard = (design - scaler.mean_) / scaler.scale_
        decision = standard @ linear.coef_[0] + linear.intercept_[0]
        return fitted.calibrators[0].predict(decision)
    return model.predict_proba(design)[:, 1]
