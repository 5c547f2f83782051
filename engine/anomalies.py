"""Money anomalies: amounts out of line with their own weekly pattern and trend, level shifts,
public holidays, and duplicates.

One entry point, `detect_anomalies`, serves the command line, Excel and the app;
`AnomalyDetector` is the scikit-learn-style estimator under it.

How a value is judged
---------------------
Each `series` (an expense category, a payment method; one series when absent) is scored
on its own, in one of two ways:

* Daily series (at most one row per date): a robust decomposition. A centred rolling
  median over `window_days` gives the level; the median ratio of each weekday to that
  level gives the weekday pattern (used when every weekday has 3 or more values); the
  level is re-estimated on the de-seasonalised values. The residual of each day relative
  to its expected value is scored in robust standard deviations of its own weekday (some
  weekdays swing more than others; shrunk towards the overall spread when there are few
  weeks). Non-negative series are scored on log ratios of value to expected value (started
  by a tenth of the median so zero days stay finite): a quiet Monday and a busy Saturday
  are judged on the same scale, and a halving weighs as much as a doubling. Series with
  mixed signs are scored on plain differences; a series of negative amounts (expenses as
  outflows) is scored on its magnitudes.
* Level shifts (daily series): a week at half the usual level drags a rolling median
  with it, so runs are judged against a slower level: the median of the days up to a
  window either side, leaving out the days less than a week away, so a week-long run is
  not compared with a level it pulls down itself. A scan over every
  run of 3 to 28 days (binary segmentation by the largest standardised mean of the
  residuals, repeated on what is left) flags each run whose score reaches `threshold` +
  1 and whose median change is at least a 26% drop or a 35% rise. Every day of the run
  gets one reason: "since Tuesday 12 Mar 2024 revenue runs 45% below its usual level". A
  run whose same weeks ran the same way (at least half as far) in one of the three years
  before is the shop's season: explained, like a holiday ("..., as in the same weeks of
  2023 (a yearly pattern)").
* Line series (several rows on some date: expense lines): each line's amount against the
  same payee's lines in the series when there are 8 or more, else against all lines of
  the series, on the log scale (amounts are skewed), same robust z-score.

A value whose score exceeds `threshold`, or a day of a level shift, is out of line. With
a `country`, a public holiday (the `holidays` package) explains a day out of line: it gets
`anomaly` false and the holiday named ("Good Friday: revenue 80% below a usual Friday"); a
level shift that the same weeks of an earlier year share is explained the same way. So
`anomaly` true always means unexplained. Separately, two rows with the same non-zero
amount, the same payee and the same series no more than `duplicate_days` apart flag the
later one as a possible duplicate payment, whatever its score.

Output columns: `anomaly`, `score`, `reason`, `expected` (the typical value each row was
compared with: the day's expected value, the usual level on a level shift's days, the
typical line). Reasons are plain sentences in the input's own units, naming the series
("amount" when there is none), for example "Tuesday's card is 62% below a typical Tuesday
(amount 380.00, typical about 1,000.00)".
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from engine.errors import InputError

MAD_TO_SD = 1.4826
MIN_PER_WEEKDAY = 3
FLAG_COLUMNS = ["anomaly", "score", "reason", "expected"]
SHIFT_MARGIN = 1.0  # a level shift needs a window score of threshold + this (many windows)
SHIFT_MIN_DAYS, SHIFT_MAX_DAYS = 3, 28
SHIFT_MIN_EFFECT = 0.3  # |median log ratio| of the window: about 26% below or 35% above
SHIFT_CLIP = 4.0  # residuals clipped at this many robust sd in the window score
USUAL_GAP_DAYS = 7  # a day's usual level leaves out the days less than a week away
WEEKDAY_PRIOR_DAYS = 20  # a weekday's own spread counts fully only with many weeks


def detect_anomalies(frame: pd.DataFrame, *, threshold: float = 3.5, window_days: int = 28,
                     duplicate_days: int = 3, country: str | None = None) -> pd.DataFrame:
    """Flag the rows of a dated table of amounts that are out of line, with a reason.

    Parameters
    ----------
    frame : DataFrame
        `ds` (dates), `amount` (numbers), optional `series` and `payee` (text).
    threshold : float, default=3.5
        Robust z-score above which a value is an anomaly.
    window_days : int, default=28
        Width of the centred rolling median that follows the trend, in days.
    duplicate_days : int, default=3
        Same amount, payee and series at most this many days apart is a possible duplicate.
    country : str, optional
        ISO country code (`US`, `GB`, `DE`; `DE-BW` for a state) whose public holidays
        explain a day out of line: such a day gets `anomaly` false and the holiday named in
        `reason`. No holidays when absent.

    Returns
    -------
    DataFrame
        Every column of `frame`, then `anomaly` (bool: out of line and unexplained),
        `score` (robust z-score, >= 0; at least `threshold` for a duplicate or a day of a
        level shift), `reason` (empty when in line) and `expected` (the typical value the
        row was compared with; NaN when it was not scored).

    Examples
    --------
    >>> days = pd.date_range("2024-01-01", periods=42, freq="D")
    >>> amount = [100.0 + (i % 7) for i in range(42)]
    >>> amount[30] = 400.0
    >>> out = detect_anomalies(pd.DataFrame({"ds": days, "amount": amount}))
    >>> out.index[out["anomaly"]].tolist()
    [30]
    >>> out.loc[30, "reason"]
    "Wednesday's amount is 3.9 times a typical Wednesday (amount 400.00, typical about 102.25)"
    """
    detector = AnomalyDetector(threshold, window_days=window_days, duplicate_days=duplicate_days,
                               country=country)
    return detector.fit_predict(frame)


class AnomalyDetector(BaseEstimator):
    """Score each dated amount against its own series' weekly pattern and trend.

    Like scikit-learn's `LocalOutlierFactor`, it judges the rows it is fitted on: a value is
    compared with its neighbours in time on both sides.

    Parameters
    ----------
    threshold : float, default=3.5
        Robust z-score above which a value is an anomaly.
    window_days : int, default=28
        Width of the centred rolling median that follows the trend, in days (7 or more).
    duplicate_days : int, default=3
        Same amount, payee and series at most this many days apart is a possible duplicate
        (0 catches same-day duplicates only).

    country : str, optional
        ISO country code (`DE-BW` for a state) whose public holidays explain days out of
        line (`anomaly` false, the holiday named in `reason`).

    Attributes
    ----------
    flags_ : DataFrame
        Per fitted row, in input order: `anomaly`, `score`, `reason`, `expected` (the
        typical value the row was compared with; NaN when it was not scored).
    profiles_ : dict of str to dict
        Per series: `kind` ("daily", "lines" or "too short"), `weekly` (bool), and
        `scale` (robust standard deviation of the residuals).

    Examples
    --------
    >>> rows = pd.DataFrame({"ds": pd.to_datetime(["2024-03-01", "2024-03-02"]),
    ...                      "amount": [120.0, 120.0], "payee": ["Acme", "Acme"]})
    >>> AnomalyDetector().fit(rows).flags_["anomaly"].tolist()
    [False, True]
    """

    def __init__(self, threshold: float = 3.5, *, window_days: int = 28, duplicate_days: int = 3,
                 country: str | None = None):
        self.threshold = threshold
        self.window_days = window_days
        self.duplicate_days = duplicate_days
        self.country = country

    def fit(self, frame: pd.DataFrame, y: None = None) -> AnomalyDetector:
        """Score every row of `frame` (`ds`, `amount`, optional `series`, `payee`).

        Parameters
        ----------
        frame : DataFrame
            The dated amounts.
        y : None
            Ignored.

        Returns
        -------
        self : AnomalyDetector
        """
        threshold = _number(self.threshold, "threshold", low=0.0)
        window = _whole(self.window_days, "window_days", low=7)
        dup_days = _whole(self.duplicate_days, "duplicate_days", low=0)
        data = _clean(frame)
        holidays_of = holiday_calendar(self.country, data["ds"])
        score = np.zeros(len(data))
        expected = np.full(len(data), np.nan)
        reasons: list[list[str]] = [[] for _ in range(len(data))]
        notes = [""] * len(data)  # the holiday or yearly pattern that explains a row out of line
        self.profiles_ = {}
        for name, rows in data.groupby("series", sort=True).indices.items():
            part = data.iloc[rows]
            if part["ds"].duplicated().any():
                result = _score_lines(part, name)
            else:
                result = _score_daily(part, name, window, threshold, holidays_of)
            self.profiles_[name] = result["profile"]
            score[rows], expected[rows] = result["score"], result["expected"]
            for k, i in enumerate(rows):
                out_of_line = result["score"][k] > threshold or bool(result["shift"][k])
                if not out_of_line:
                    continue
                if result["explained"][k]:
                    notes[i] = result["explained"][k]
                else:
                    reasons[i].append(result["shift"][k] or result["reason"][k])
        for i, text in _duplicates(data, dup_days):
            reasons[i].append(text)
            score[i] = max(score[i], threshold)
        anomaly = np.array([bool(r) for r in reasons])
        self.flags_ = pd.DataFrame({
            "anomaly": anomaly, "score": np.round(score, 2),
            "reason": ["; ".join(r) if r else note for r, note in zip(reasons, notes,
                                                                      strict=True)],
            "expected": np.round(expected, 2)},
            index=frame.index)
        return self

    def fit_predict(self, frame: pd.DataFrame, y: None = None) -> pd.DataFrame:
        """Fit, then return `frame` with `anomaly`, `score`, `reason` and `expected` appended."""
        flags = self.fit(frame).flags_
        out = frame.copy()
        for col in FLAG_COLUMNS:
            out[col] = flags[col].to_numpy()
        return out


# ---------------------------------------------------------------------------- input


def _clean(frame: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise InputError("input must be a table with ds and amount columns")
    for col in ("ds", "amount"):
        if col not in frame.columns:
            raise InputError("required column is missing", column=col)
    if frame.empty:
        raise InputError("there are no rows")
    ds = pd.to_datetime(frame["ds"].reset_index(drop=True), errors="coerce", format="mixed")
    if getattr(ds.dt, "tz", None) is not None:
        ds = ds.dt.tz_localize(None)
    bad = ds.isna().to_numpy()
    if bad.any():
        raise InputError("is not a date", row=int(np.argmax(bad)), column="ds")
    amount = pd.to_numeric(frame["amount"].reset_index(drop=True), errors="coerce").to_numpy(float)
    bad = ~np.isfinite(amount)
    if bad.any():
        raise InputError("is not a number", row=int(np.argmax(bad)), column="amount")
    data = pd.DataFrame({"ds": ds.dt.normalize(), "amount": amount})
    for col in ("series", "payee"):
        values = frame[col] if col in frame.columns else pd.Series([""] * len(frame))
        data[col] = [("" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v))
                     .strip() for v in values]
    return data


def _number(value: Any, name: str, *, low: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
            or value < low:
        raise InputError(f"{name} must be a number of at least {low:g}, got {value!r}")
    return float(value)


def _whole(value: Any, name: str, *, low: int) -> int:
    number = _number(value, name, low=low)
    if number != int(number):
        raise InputError(f"{name} must be a whole number, got {value!r}")
    return int(number)


# ---------------------------------------------------------------------------- scoring


def _robust_z(values: np.ndarray, *, mad_only: bool = False) -> tuple[np.ndarray, float]:
    """|value - median| in robust standard deviations; the scale never collapses to 0.

    The scale is the larger of the MAD's and the mean absolute deviation's estimates: wary
    of heavy tails for single days. `mad_only` keeps the MAD's (half the mean deviation's
    at least): for runs of days, whose own test guards against chance.
    """
    finite = values[np.isfinite(values)]
    if len(finite) == 0:
        return np.zeros_like(values), 0.0
    center = float(np.median(finite))
    dev = np.abs(finite - center)
    mean_dev = 1.2533 * float(np.mean(dev)) * (0.5 if mad_only else 1.0)
    scale = max(MAD_TO_SD * float(np.median(dev)), mean_dev, 1e-6 * max(1.0, abs(center)))
    z = np.abs(values - center) / scale
    return np.where(np.isfinite(z), z, 0.0), scale


def _score_daily(part: pd.DataFrame, name: str, window: int, threshold: float,
                 holidays_of: dict) -> dict[str, Any]:
    """Each day against its weekday pattern and trend, then level shifts and holidays."""
    y_raw = part["amount"].to_numpy(float)
    days = pd.DatetimeIndex(part["ds"])
    order = np.argsort(days.values, kind="stable")
    y_sorted, d_sorted = y_raw[order], days[order]
    n = len(y_raw)
    if n < 7:
        return _unscored(n, "too short")
    sign = -1.0 if (y_sorted <= 0).all() and (y_sorted < 0).any() else 1.0
    y = sign * y_sorted
    ratio_mode = bool((y >= 0).all() and np.median(y) > 0)
    weekday = d_sorted.day_of_week.to_numpy()
    level0 = _rolling_median(y, d_sorted, window)
    seasonal = _weekday_pattern(y, level0, weekday, ratio_mode)
    weekly = seasonal is not None
    if not weekly:
        seasonal = np.ones(7) if ratio_mode else np.zeros(7)
    season = seasonal[weekday]
    if ratio_mode:
        level = _rolling_median(y / season, d_sorted, window)
        slow = _usual_level(y / season, d_sorted, window)
        expected, usual = level * season, slow * season
        start = 0.1 * float(np.median(y[y > 0]))  # a started log: zero days stay finite
        resid = np.log((y + start) / (np.maximum(expected, 0.0) + start))
        drift = np.log((y + start) / (np.maximum(usual, 0.0) + start))
    else:
        level = _rolling_median(y - season, d_sorted, window)
        slow = _usual_level(y - season, d_sorted, window)
        expected, usual = level + season, slow + season
        resid, drift = y - expected, y - usual
    holiday = np.array([holidays_of.get(d.date(), "") for d in d_sorted], dtype=object)
    z, scale = _robust_z(resid)
    day_scale = _weekday_scales(resid, weekday, holiday != "", scale) if weekly \
        else np.full(n, scale)
    z = np.where(np.isfinite(resid), np.abs(resid - np.median(resid)) / day_scale, 0.0)
    _, run_scale = _robust_z(resid, mad_only=True)
    run_scales = _weekday_scales(resid, weekday, holiday != "", run_scale, mad_only=True) \
        if weekly else np.full(n, run_scale)
    shifts = _level_shifts(drift / run_scales, drift, threshold, holiday != "",
                           SHIFT_MIN_EFFECT if ratio_mode else SHIFT_MIN_EFFECT * 4 * scale)
    shift_reason = [""] * n
    seasonal_note = [""] * n
    shift_score = np.zeros(n)
    for lo, hi, stat in shifts:
        year = _same_weeks_before(drift, d_sorted, lo, hi)
        effect = _effect(y[lo:hi], usual[lo:hi], ratio_mode)
        text = (f"since {d_sorted[lo]:%A %d %b %Y} {name or 'amount'} runs {effect} its usual "
                f"level ({hi - lo} days, amount {_fmt(sign * y[lo:hi].sum())}, usual about "
                f"{_fmt(sign * usual[lo:hi].sum())})")
        for k in range(lo, hi):
            if year:
                seasonal_note[k] = f"{text}, as in the same weeks of {year} (a yearly pattern)"
            else:
                shift_reason[k] = text
            shift_score[k] = stat * threshold / (threshold + SHIFT_MARGIN)
            expected[k] = usual[k]
    reasons = [_daily_reason(name, d, v, e, weekly, ratio_mode, sign)
               for d, v, e in zip(d_sorted, y, expected, strict=True)]
    explained = [_holiday_reason(h, name, d, v, e, weekly, ratio_mode, sign) if h else
                 seasonal_note[k]
                 for k, (h, d, v, e) in enumerate(zip(holiday, d_sorted, y, expected,
                                                      strict=True))]
    back = np.empty(n, dtype=int)
    back[order] = np.arange(n)
    return {"score": np.minimum(np.maximum(z, shift_score), 1e6)[back],
            "expected": (sign * expected)[back],
            "reason": [reasons[i] for i in back], "shift": [shift_reason[i] for i in back],
            "explained": [explained[i] for i in back],
            "profile": {"kind": "daily", "weekly": weekly, "scale": scale,
                        "level_shifts": len(shifts)}}


def _level_shifts(u: np.ndarray, drift: np.ndarray, threshold: float, holiday: np.ndarray,
                  min_effect: float) -> list[tuple[int, int, float]]:
    """Runs of days (start, stop, score) whose residuals stay on one side: a level shift.

    `u` are residuals in robust standard deviations (of their weekday). A scan over every
    window of 3 to 28 consecutive rows (binary segmentation by the largest standardised
    window mean, repeated on what is left): the window's mean of `u`, clipped at 4 so one
    wild day cannot make a run, times sqrt(length). A window counts when that score
    reaches `threshold` + 1 and the median of its `drift` (the rows against their usual
    level) is a real change, `min_effect` or more: a log ratio of 0.3 (a 26% drop or a 35%
    rise) on positive amounts. Holidays neither make nor break a run.
    """
    n = len(u)
    if n < SHIFT_MIN_DAYS:
        return []
    clipped = np.clip(np.where(holiday, 0.0, u), -SHIFT_CLIP, SHIFT_CLIP)
    free = np.ones(n, bool)
    found = []
    for _ in range(n // SHIFT_MIN_DAYS):
        best = (0.0, 0, 0)
        cum = np.concatenate([[0.0], np.cumsum(np.where(free, clipped, 0.0))])
        blocked = np.concatenate([[0], np.cumsum(~free)])
        for length in range(SHIFT_MIN_DAYS, min(SHIFT_MAX_DAYS, n) + 1):
            sums = cum[length:] - cum[:-length]
            ok = (blocked[length:] - blocked[:-length]) == 0
            stat = np.where(ok, np.abs(sums) / np.sqrt(length), 0.0)
            k = int(np.argmax(stat))
            if stat[k] > best[0]:
                best = (float(stat[k]), k, k + length)
        stat, lo, hi = best
        if stat < threshold + SHIFT_MARGIN:
            break
        lo, hi = _trim(u, lo, hi)
        free[lo:hi] = False
        if hi - lo >= SHIFT_MIN_DAYS and abs(float(np.median(drift[lo:hi]))) >= min_effect:
            found.append((lo, hi, stat))
    return sorted(found)


def _same_weeks_before(drift: np.ndarray, days: pd.DatetimeIndex, lo: int,
                       hi: int) -> int | None:
    """The latest of the three years before whose same weeks (364 days back: same weekdays)
    ran the same way, at least half as far; None when none did.

    A summer dip or a Christmas rise that comes back every year is the shop's season, not
    an anomaly: it is explained, like a public holiday.
    """
    effect = float(np.median(drift[lo:hi]))
    number = days.values.astype("datetime64[D]").astype(np.int64)
    for years in (1, 2, 3):
        a, b = number[lo] - 364 * years, number[hi - 1] - 364 * years
        rows = (number >= a) & (number <= b)
        if rows.sum() >= max(3, (hi - lo) // 2):
            then = float(np.median(drift[rows]))
            if then * effect > 0 and abs(then) >= 0.5 * abs(effect):
                return days[lo].year - years
    return None


def _weekday_scales(resid: np.ndarray, weekday: np.ndarray, holiday: np.ndarray,
                    overall: float, *, mad_only: bool = False) -> np.ndarray:
    """Each row's robust sd: its weekday's (8 or more ordinary days), else the overall one.

    Some weekdays are steadier than others (a bakery's Sunday swings more than its
    Tuesday); judging each against its own spread keeps the wild one quiet and the steady
    ones sharp. A weekday's spread from few weeks is shrunk towards the overall one (as if
    20 more days had the overall spread) and never falls below half of it.
    """
    out = np.full(len(resid), overall)
    for day in np.unique(weekday):
        rows = (weekday == day) & ~holiday & np.isfinite(resid)
        count = int(rows.sum())
        if count >= 8:
            _, own = _robust_z(resid[rows], mad_only=mad_only)
            weight = count / (count + WEEKDAY_PRIOR_DAYS)
            blended = math.sqrt(weight * own ** 2 + (1 - weight) * overall ** 2)
            out[weekday == day] = max(blended, 0.5 * overall)
    return out


def _trim(resid: np.ndarray, lo: int, hi: int) -> tuple[int, int]:
    """Drop edge days of a run that do not share its direction at half its strength."""
    mean = float(np.mean(resid[lo:hi]))
    while hi - lo > SHIFT_MIN_DAYS and resid[lo] * np.sign(mean) < abs(mean) / 2:
        lo += 1
    while hi - lo > SHIFT_MIN_DAYS and resid[hi - 1] * np.sign(mean) < abs(mean) / 2:
        hi -= 1
    return lo, hi


def _effect(values: np.ndarray, usual: np.ndarray, ratio_mode: bool) -> str:
    if ratio_mode:
        return _compare(float(values.sum()), float(usual.sum()))
    gap = float(np.mean(values - usual))
    return f"{_fmt(abs(gap))} a day {'above' if gap > 0 else 'below'}"


def holiday_calendar(country: str | None, ds: pd.Series) -> dict:
    """{date: holiday name} for `country` (`CC` or `CC-SUBDIV`) over the years of `ds`."""
    if country is None or str(country).strip() == "":
        return {}
    import holidays

    code = str(country).strip().upper().replace("_", "-")
    nation, _, subdiv = code.partition("-")
    years = range(int(ds.dt.year.min()), int(ds.dt.year.max()) + 1)
    try:
        found = holidays.country_holidays(nation, subdiv=subdiv or None, years=years)
    except NotImplementedError:
        raise InputError(f"country {country!r} is not a country code the holidays package "
                         "knows (ISO 3166, e.g. US, GB, DE or DE-BY)") from None
    return dict(found.items())


def checked_country(country: str | None, ds: pd.Series) -> tuple[str | None, str]:
    """`country` and "" when the holidays package knows it (or none is given); None and why
    when it does not. For callers where an unknown code should cost the holidays only."""
    try:
        holiday_calendar(country, ds)
    except InputError as err:
        return None, err.message
    return country, ""


def _rolling_median(y: np.ndarray, days: pd.DatetimeIndex, window: int) -> np.ndarray:
    series = pd.Series(y, index=days)
    return series.rolling(f"{window}D", center=True, min_periods=1).median().to_numpy()


def _usual_level(y: np.ndarray, days: pd.DatetimeIndex, window: int) -> np.ndarray:
    """Median of the days up to `window` days either side, leaving out those under a week away.

    The level a run of days is judged against. A centred median over the run itself is
    pulled towards it (a week at half the usual level moves a 56-day median by about a
    fifth of a day's spread) and hides weak drops; leaving out the days around each day
    keeps a week-long run out of its own days' reference. Rows with no day left to compare (a
    series of a few weeks) fall back to the centred median.
    """
    number = days.values.astype("datetime64[D]").astype(np.int64)
    first = int(number.min()) - window
    grid = np.full(int(number.max()) - first + window + 1, np.nan)
    grid[number - first] = y
    near = np.lib.stride_tricks.sliding_window_view(grid, 2 * window + 1)[number - first - window]
    offset = np.abs(np.arange(-window, window + 1))
    ring = np.where(offset >= USUAL_GAP_DAYS, near, np.nan)
    enough = np.isfinite(ring).any(axis=1)
    out = np.array(_rolling_median(y, days, 2 * window), dtype=float)  # writable copy
    out[enough] = np.nanmedian(ring[enough], axis=1)
    return out


def _weekday_pattern(y: np.ndarray, level: np.ndarray, weekday: np.ndarray,
                     ratio_mode: bool) -> np.ndarray | None:
    counts = np.bincount(weekday, minlength=7)
    present = counts > 0
    if (counts[present] < MIN_PER_WEEKDAY).any() or present.sum() < 2:
        return None
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = y / level if ratio_mode else y - level
    pattern = np.ones(7) if ratio_mode else np.zeros(7)
    for day in np.flatnonzero(present):
        values = rel[(weekday == day) & np.isfinite(rel)]
        if len(values) < MIN_PER_WEEKDAY:
            return None
        pattern[day] = np.median(values)
    if ratio_mode:
        mean = pattern[present].mean()
        if not mean > 0 or (pattern[present] <= 0).any():
            return None
        return pattern / mean
    return pattern - pattern[present].mean()


def _score_lines(part: pd.DataFrame, name: str) -> dict[str, Any]:
    """Each line against the same payee's lines (8 or more), else against the series'."""
    amount = part["amount"].to_numpy(float)
    size = np.abs(amount)
    usable = size > 0
    if usable.sum() < 8:
        return _unscored(len(amount), "too short")
    logs = np.where(usable, np.log(np.where(usable, size, 1.0)), np.nan)
    z, scale = _robust_z(logs)
    typical = np.full(len(amount), float(np.exp(np.nanmedian(logs))))
    own = np.zeros(len(amount), bool)
    payees = part["payee"].to_numpy(object)
    for payee in pd.unique(payees[usable]):
        rows = np.flatnonzero((payees == payee) & usable)
        if payee and len(rows) >= 8:
            z[rows], _ = _robust_z(logs[rows])
            typical[rows], own[rows] = float(np.exp(np.median(logs[rows]))), True
    subject = f"{name} line" if name else "line"
    reasons = []
    for value, payee, usual, by_payee in zip(amount, payees, typical, own, strict=True):
        to = f" to {payee}" if payee else ""
        versus = f"the typical {subject} to {payee}" if by_payee else f"the typical {subject}"
        reasons.append(f"this {subject}{to} is {_compare(abs(value), usual)} {versus} "
                       f"(amount {_fmt(value)}, typical about {_fmt(usual)})")
    return {"score": np.where(usable, z, 0.0), "expected": typical, "reason": reasons,
            "shift": [""] * len(amount), "explained": [""] * len(amount),
            "profile": {"kind": "lines", "weekly": False, "scale": scale}}


def _unscored(n: int, kind: str) -> dict[str, Any]:
    return {"score": np.zeros(n), "expected": np.full(n, np.nan), "reason": [""] * n,
            "shift": [""] * n, "explained": [""] * n,
            "profile": {"kind": kind, "weekly": False, "scale": float("nan")}}


# ---------------------------------------------------------------------------- duplicates


def _duplicates(data: pd.DataFrame, max_days: int) -> list[tuple[int, str]]:
    """(row, reason) for each later row of a same amount/payee/series pair close in time."""
    found = []
    candidates = data[(data["payee"] != "") & (data["amount"] != 0)]
    for _, group in candidates.groupby(["series", "payee", "amount"], sort=False):
        if len(group) < 2:
            continue
        group = group.sort_values("ds", kind="stable")
        positions = data.index.get_indexer(group.index)
        days = group["ds"].to_numpy()
        for k in range(1, len(group)):
            gap = int((days[k] - days[k - 1]) / np.timedelta64(1, "D"))
            if gap > max_days:
                continue
            when = "on the same day" if gap == 0 else \
                f"{gap} day{'s' if gap > 1 else ''} earlier ({pd.Timestamp(days[k - 1]).date()})"
            found.append((int(positions[k]), "possible duplicate payment: same amount "
                          f"{_fmt(group['amount'].iloc[k])} to {group['payee'].iloc[k]} {when}"))
    return found


# ---------------------------------------------------------------------------- words


def _daily_reason(name: str, day: pd.Timestamp, value: float, expected: float, weekly: bool,
                  ratio_mode: bool, sign: float) -> str:
    subject = name or "amount"
    typical = f"a typical {day:%A}" if weekly else "its usual level"
    who = f"{day:%A}'s {subject}" if weekly else f"{subject} on {day:%a %d %b %Y}"
    shown, shown_expected = sign * value, sign * expected
    if ratio_mode:
        how = _compare(value, expected)
    else:
        gap = value - expected
        how = f"{_fmt(abs(gap))} {'above' if gap > 0 else 'below'}"
    return f"{who} is {how} {typical} (amount {_fmt(shown)}, typical about {_fmt(shown_expected)})"


def _holiday_reason(holiday: str, name: str, day: pd.Timestamp, value: float, expected: float,
                    weekly: bool, ratio_mode: bool, sign: float) -> str:
    subject = name or "amount"
    typical = f"a usual {day:%A}" if weekly else "its usual level"
    if ratio_mode:
        how = _compare(value, expected)
    else:
        gap = value - expected
        how = f"{_fmt(abs(gap))} {'above' if gap > 0 else 'below'}"
    return (f"{holiday}: {subject} {how} {typical} (amount {_fmt(sign * value)}, typical "
            f"about {_fmt(sign * expected)})")


def _compare(value: float, typical: float) -> str:
    if typical <= 0:
        return "well above" if value > 0 else "in line with"
    ratio = value / typical
    if ratio >= 3:
        return f"{ratio:.1f} times"
    pct = round(abs(ratio - 1) * 100)
    return f"{pct}% {'above' if ratio > 1 else 'below'}"


def _fmt(value: float) -> str:
    return f"{value:,.2f}"
