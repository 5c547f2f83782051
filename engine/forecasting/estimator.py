"""`Forecaster`: the automatic forecaster as an estimator on a long DataFrame of sales."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from engine.errors import InputError
from engine.forecasting import calendar
from engine.forecasting.auto import DEFAULT_LEVELS, AutoForecaster, _fmt
from engine.forecasting.panel import sales_panel


class Forecaster:
    """Fit the automatic forecaster to a long sales table; predict any horizon.

    Parameters
    ----------
    freq : str or None, default=None
        pandas offset alias (`D`, `W-SUN`, `MS`, ...); inferred from the dates when None.
    season_length : int or None, default=None
        Periods per season; None: the usual one for the frequency (7, 52, 12, ...).
    id_col, time_col, target_col : str, default="unique_id", "ds", "y"
        Column names of the series id, the date and the value.
    signed : bool, default=False
        False: negative values are returns, left out of demand and reported in
        `returns_`; True: keep the sign (cash flow, net amounts).
    chunk_size : int or None, default=None
        Series fitted together; the forecasts do not depend on it.

    Attributes
    ----------
    model_ : AutoForecaster
        The fitted panel forecaster.
    ids_ : ndarray of str
        Series ids, in output order.
    returns_ : DataFrame
        `<id_col>, returned_units` for series with returns (empty when none or signed).
    partial_periods_ : str
        Which incomplete first/last period was left out ("" when none).

    Examples
    --------
    >>> import pandas as pd
    >>> sales = pd.DataFrame({"sku": ["mug"] * 40, "day": pd.date_range("2024-01-01", periods=40),
    ...                       "units": [4, 6, 5, 0, 7, 5, 6, 4] * 5})
    >>> model = Forecaster(id_col="sku", time_col="day", target_col="units").fit(sales)
    >>> model.predict(3, level=[80]).columns.tolist()
    ['sku', 'day', 'forecast', 'lo_80', 'hi_80', 'model', 'model_id']
    """

    def __init__(self, *, freq: str | None = None, season_length: int | None = None,
                 id_col: str = "unique_id", time_col: str = "ds", target_col: str = "y",
                 signed: bool = False, chunk_size: int | None = None):
        self.freq = freq
        self.season_length = season_length
        self.id_col = id_col
        self.time_col = time_col
        self.target_col = target_col
        self.signed = signed
        self.chunk_size = chunk_size

    def fit(self, df: pd.DataFrame, *, h: int = 12,
            on_progress: Callable[[int], None] | None = None) -> Forecaster:
        """Lay the table out by period and choose a model per group of similar series.

        `h` only sizes the forecasts computed now; `predict` takes any horizon.
        """
        panel = sales_panel(df, freq=self.freq, id_col=self.id_col, time_col=self.time_col,
                            target_col=self.target_col, signed=bool(self.signed),
                            whole_periods=True)
        m = self.season_length or calendar.season_length_for(panel.freq)
        options = {} if self.chunk_size is None else {"chunk_size": self.chunk_size}
        self.model_ = AutoForecaster(_whole(h, "horizon"), season_length=_whole(m, "season_length"),
                                     **options).fit(panel.panel, on_progress=on_progress)
        self.ids_, self.last_, self.freq_ = panel.ids, panel.last, panel.freq
        returns = panel.returns if panel.returns is not None else pd.Series(dtype=float)
        returns = returns[returns > 0]
        self.returns_ = pd.DataFrame({self.id_col: returns.index.astype(str),
                                      "returned_units": returns.to_numpy(float)})
        self.partial_periods_ = panel.partial_periods
        return self

    def predict(self, h: int, level: Sequence[float] | None = DEFAULT_LEVELS) -> pd.DataFrame:
        """`h` rows per series: `<id_col>, <time_col>, forecast, lo_<L>, hi_<L>..., model,
        model_id`; ``attrs`` carry `returns` and `partial_periods`."""
        if not hasattr(self, "model_"):
            raise RuntimeError("Forecaster is not fitted yet: call fit() first")
        h = _whole(h, "horizon")
        levels = _levels(level or [])
        out = self.model_.predict(h, level=levels)
        dates = calendar.future_periods(self.last_, h, self.freq_)
        frame = pd.DataFrame({self.id_col: np.repeat(self.ids_, h),
                              self.time_col: np.tile(dates.to_numpy(), len(self.ids_))})
        frame["forecast"] = out["mean"].ravel()
        for lv in levels:
            frame[f"lo_{_fmt(lv)}"] = out[f"lo_{_fmt(lv)}"].ravel()
            frame[f"hi_{_fmt(lv)}"] = out[f"hi_{_fmt(lv)}"].ravel()
        frame["model"] = np.repeat(out["model"], h)
        frame["model_id"] = np.repeat(self.model_.model_ids_, h)
        frame.attrs["returns"] = self.returns_.copy()
        frame.attrs["partial_periods"] = self.partial_periods_
        return frame


def _levels(level: Sequence[float]) -> list[float]:
    levels = sorted({float(lv) for lv in np.atleast_1d(level)})
    for lv in levels:
        if not 0 < lv < 100:
            raise InputError(f"interval level must be between 0 and 100 (percent), got {_fmt(lv)}")
    return levels


def _whole(value, name: str) -> int:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a whole number, got {value!r}") from None
    if not number.is_integer() or number < 1:
        raise InputError(f"{name} must be a whole number of at least 1, got {value!r}")
    return int(number)
