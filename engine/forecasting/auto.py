"""Automatic forecasting: per series, the candidate with the lowest rolling-origin error.

Each series' history is cut at up to `n_windows` origins, every candidate forecasts the
next h periods from each cut, and the candidate with the smallest mean absolute error
on those held-back periods is refitted on the whole history. Its validation errors
also size the prediction intervals (a conformal-style, out-of-sample estimate).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import stats

from engine.errors import InputError
from engine.forecasting.candidates import CANDIDATES, candidate_forecasts
from engine.forecasting.kernels import _quiet

DEFAULT_LEVELS = (80, 95)
FALLBACK = "Combination"
MIN_VALIDATION_PERIODS = 12


class AutoForecaster:
    """Pick and fit a forecasting model per series by rolling-origin validation.

    Parameters
    ----------
    horizon : int, default=12
        Periods ahead the validation windows are sized for.
    season_length : int, default=1
        Periods in a season (7 for daily data with a weekly pattern, 12 for monthly,
        52 for weekly); 1 means no seasonal candidates.
    n_windows : int or None, default=None
        Validation windows (each `horizon` long) cut from the end of the history. None:
        three, or more for short horizons so that at least 12 periods are held back (one
        period ahead, three errors would be too few to size an interval on).
    chunk_size : int, default=256
        Series fitted together in one vectorised pass.
    min_train : int, default=8
        Fewest observed periods a series needs before a validation origin to be scored there.
    override_margin : float, default=0.5
        A series leaves the panel-wide best model only for one whose validation error is at
        least this fraction lower on that series.

    Attributes
    ----------
    models_ : ndarray of str
        The model chosen for each series.
    validation_mae_ : ndarray
        Its mean absolute error on the validation windows (NaN when none fitted).
    mean_ : ndarray of shape (n_series, horizon)
        Point forecasts.

    Examples
    --------
    >>> import numpy as np
    >>> model = AutoForecaster(horizon=4).fit(np.array([3., 0, 2, 4, 3, 0, 2, 5, 3, 1, 2, 4]))
    >>> model.predict(4, level=[95])["mean"].shape
    (1, 4)
    """

    def __init__(self, horizon: int = 12, *, season_length: int = 1, n_windows: int | None = None,
                 chunk_size: int = 256, min_train: int = 8, override_margin: float = 0.5):
        self.horizon = horizon
        self.season_length = season_length
        self.n_windows = n_windows
        self.chunk_size = chunk_size
        self.min_train = min_train
        self.override_margin = override_margin

    def fit(self, Y: np.ndarray, on_progress: Callable[[int], None] | None = None
            ) -> AutoForecaster:
        """Choose and fit a model per series of `Y` (1-D, or 2-D right-aligned panel).

        Series are processed `chunk_size` at a time (bounded memory); the model choice
        pools validation scores over the whole panel. `on_progress(n)` is called as each
        chunk's work is done, with n summing to the number of series.
        """
        Y = _as_panel(Y)
        h, m = _positive(self.horizon, "horizon"), _positive(self.season_length, "season_length")
        chunks = [slice(i, i + _positive(self.chunk_size, "chunk_size"))
                  for i in range(0, Y.shape[0], self.chunk_size)]
        errors: dict[str, list[np.ndarray]] = {name: [] for name in CANDIDATES}
        for rows in chunks:
            part = _trim_columns(Y[rows])
            found = self._validation_errors(part, h, m)
            for name in CANDIDATES:  # a candidate missing from a chunk scores NaN there
                errors[name].append(found.get(name, np.full((part.shape[0], 0), np.nan)))
            _report(on_progress, part.shape[0] - part.shape[0] // 4)
        errors = {name: _stack_padded(parts, self._windows(h) * h)
                  for name, parts in errors.items() if any(p.size for p in parts)}
        self.models_, self.validation_mae_ = self._choose(Y, errors)
        means = []
        for rows in chunks:
            paths = candidate_forecasts(_trim_columns(Y[rows]), h, m)
            means.append(np.vstack([_path(paths, name, i)
                                    for i, name in enumerate(self.models_[rows])]))
            _report(on_progress, len(self.models_[rows]) // 4)
        self.residual_var_ = self._residual_variance(Y, errors)
        self.nonnegative_ = np.nanmin(Y, axis=1) >= 0
        self.counts_ = self.nonnegative_ & np.all(np.isnan(Y) | (np.round(Y) == Y), axis=1)
        mean = np.vstack(means)
        self.mean_ = np.where(self.nonnegative_[:, None], np.maximum(mean, 0), mean)
        return self

    def predict(self, h: int | None = None, level: list[float] | None = None) -> dict:
        """Forecasts `mean` (n_series, h) plus `lo-L`/`hi-L` bounds for each level in `level`.

        `h` may not exceed the fitted `horizon` (the validation was sized for it).
        """
        if not hasattr(self, "mean_"):
            raise RuntimeError("AutoForecaster is not fitted yet: call fit() first")
        h = self.horizon if h is None else h
        if not 1 <= h <= self.horizon:
            raise InputError(f"horizon must be between 1 and {self.horizon}, got {h}")
        mean = self.mean_[:, :h]
        out = {"mean": mean, "model": self.models_}
        for lv in sorted(level or []):
            lo, hi = _interval(mean, self.residual_var_[:, None], self.counts_[:, None], lv)
            floor = np.where(self.nonnegative_[:, None], 0.0, -np.inf)
            out[f"lo-{_fmt(lv)}"] = np.maximum(lo, floor)
            out[f"hi-{_fmt(lv)}"] = hi
        return out

    def _choose(self, Y: np.ndarray, errors: dict[str, np.ndarray]):
        """Per series: the panel's best candidate, unless its own best is clearly better.

        Scores are validation MAE scaled by each series' in-sample naive error, so that
        they pool across series. One short window is a noisy judge of one series; the
        panel-wide winner is the robust default, overridden only by a margin; series
        too short to validate take the default too.
        """
        S = Y.shape[0]
        if not errors:
            return np.full(S, FALLBACK), np.full(S, np.nan)
        with _quiet():
            scale = np.nanmean(np.abs(np.diff(Y, axis=1)), axis=1)
        scale = np.where(scale > 0, scale, 1.0)[:, None]
        pooled = _pooled(errors, scale)
        names = np.array(list(errors))
        with _quiet():
            mae = np.column_stack([np.nanmean(np.abs(errors[n]), axis=1) for n in names])
        mae = np.where(np.isnan(mae), np.inf, mae)
        default = int(np.argmin([pooled[n] for n in names]))
        own = np.argmin(mae, axis=1)
        rows = np.arange(S)
        override = mae[rows, own] < (1 - self.override_margin) * mae[:, default]
        pick = np.where(override, own, default)
        return names[pick], np.where(np.isfinite(mae[rows, pick]), mae[rows, pick], np.nan)

    def _windows(self, h: int) -> int:
        if self.n_windows is not None:
            return _positive(self.n_windows, "n_windows")
        return max(3, -(-MIN_VALIDATION_PERIODS // h))

    def _validation_errors(self, Y: np.ndarray, h: int, m: int) -> dict[str, np.ndarray]:
        """(actual - forecast) of every candidate on every validation window, (n_series, w*h)."""
        S, T = Y.shape
        observed = np.cumsum(~np.isnan(Y), axis=1)
        errors: dict[str, list[np.ndarray]] = {name: [] for name in CANDIDATES}
        for w in range(1, self._windows(h) + 1):
            origin = T - w * h
            if origin < self.min_train:
                break
            enough = observed[:, origin - 1] >= self.min_train
            actual = Y[:, origin:origin + h]
            for name, path in candidate_forecasts(Y[:, :origin], h, m).items():
                errors[name].append(np.where(enough[:, None], actual - path, np.nan))
        return {name: np.hstack(errs) for name, errs in errors.items() if errs}

    def _residual_variance(self, Y, errors) -> np.ndarray:
        """Mean squared validation error of each series' chosen model (its interval width).

        Series without validation windows fall back to the variance of their own history.
        """
        S = Y.shape[0]
        var = np.full(S, np.nan)
        for name in set(self.models_):
            rows = self.models_ == name
            if name in errors:
                with _quiet():
                    var[rows] = np.nanmean(errors[name][rows] ** 2, axis=1)
        with _quiet():
            spread = np.nanvar(Y, axis=1)
        return np.where(np.isfinite(var), var, np.nan_to_num(spread))


def _interval(mean, var, counts, level):
    """Central interval: negative binomial for count data (at least Poisson), else normal."""
    q_lo, q_hi = (1 - level / 100) / 2, 1 - (1 - level / 100) / 2
    mu = np.maximum(mean, 1e-9)
    v = np.maximum(var, mu * 1.0001)
    n, p = mu * mu / (v - mu), mu / v
    count_lo, count_hi = stats.nbinom.ppf(q_lo, n, p), stats.nbinom.ppf(q_hi, n, p)
    z = stats.norm.ppf(q_hi) * np.sqrt(var)
    lo = np.where(counts, count_lo, mean - z)
    hi = np.where(counts, count_hi, mean + z)
    return np.minimum(lo, mean), np.maximum(hi, mean)


def _pooled(errors: dict[str, np.ndarray], scale: np.ndarray) -> dict[str, float]:
    """Mean scaled validation MAE per candidate, over the series every candidate scored."""
    names = list(errors)
    with _quiet():
        scaled = np.column_stack([np.nanmean(np.abs(errors[n]), axis=1) for n in names]) / scale
    complete = np.isfinite(scaled).all(axis=1)
    with _quiet():
        score = np.nanmean(scaled[complete] if complete.any() else scaled, axis=0)
    return dict(zip(names, np.where(np.isnan(score), np.inf, score), strict=True))


def _path(paths: dict[str, np.ndarray], name: str, row: int) -> np.ndarray:
    """Forecast path of one series; a candidate that cannot forecast it gives way to the
    combination of the flat models."""
    path = paths[name][row]
    return path if np.isfinite(path).all() else paths[FALLBACK][row]


def _trim_columns(Y: np.ndarray) -> np.ndarray:
    """Drop leading columns where no series has started yet."""
    started = ~np.isnan(Y).all(axis=0)
    return Y[:, int(np.argmax(started)):]


def _stack_padded(parts: list[np.ndarray], width: int) -> np.ndarray:
    """Stack per-chunk error blocks, padding fewer validation windows with NaN."""
    return np.vstack([np.pad(p, ((0, 0), (0, width - p.shape[1])), constant_values=np.nan)
                      for p in parts])


def _report(on_progress: Callable[[int], None] | None, done: int) -> None:
    if on_progress and done:
        on_progress(done)


def _as_panel(Y) -> np.ndarray:
    Y = np.asarray(Y, dtype=float)
    if Y.ndim == 1:
        Y = Y[None, :]
    if Y.ndim != 2 or Y.shape[1] == 0:
        raise InputError("expected at least one value per series")
    if np.isinf(Y).any():
        raise InputError("values must be finite numbers")
    if np.isnan(Y[:, -1]).any():
        raise InputError("every series must have a value in its last period")
    return Y


def _positive(value, name: str) -> int:
    if int(value) != value or value < 1:
        raise InputError(f"{name} must be a whole number of at least 1, got {value}")
    return int(value)


def _fmt(level: float) -> str:
    return str(int(level)) if float(level).is_integer() else str(level)
