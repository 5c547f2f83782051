"""Dates and numbers as shops write them, read right or refused with the fix named.

Dates: ISO (`2024-03-12 10:00:00 -0400`: the local date and time as written, the offset is not
applied), and `D/M/Y` or `M/D/Y` with `/`, `-` or `.`, read day-first only when a value proves it
(a first field over 12) or `--dayfirst` says so. Numbers: currency symbols, thousands separators,
a decimal comma when the file's numbers prove it (`2,5`, `1.234,50`).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from connectors.files import FileError

_ISO = re.compile(
    r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"
    r"(?:[T ]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,]\d+)?)?)?"
    r"\s*(?:Z|UTC|GMT|[+-]\d{2}:?\d{2}|[+-]\d{2})?$")
_NUMERIC = re.compile(
    r"^(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.](?P<y>\d{4}|\d{2})"
    r"(?:[T ]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,]\d+)?)?"
    r"\s*(?P<p>[AaPp]\.?[Mm]\.?)?)?"
    r"\s*(?:Z|UTC|GMT|[+-]\d{2}:?\d{2})?$")


def parse_dates(cells: pd.Series, *, file: str, column: str, dayfirst: bool | None = None,
                default_dayfirst: bool | None = None, notes: list[str] | None = None
                ) -> pd.Series:
    """Text cells to naive local timestamps (NaT where empty); a bad cell raises `FileError`.

    `dayfirst` is the user's choice; `default_dayfirst` the platform's known order (Etsy
    writes month first). A column whose values prove one order is read that way; one that
    proves neither and has no order given is refused naming `--dayfirst` and `--monthfirst`.
    """
    codes, uniques = pd.factorize(cells.to_numpy(dtype=object), sort=False)
    values = pd.Series(uniques, dtype=object)
    fast = _fast_iso(values)
    if fast is not None:
        return pd.Series(fast[codes], index=cells.index, name=cells.name)
    values = values.str.strip()
    out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[ns]")
    empty = (values == "").to_numpy()
    iso = values.str.extract(_ISO)
    is_iso = iso["y"].notna().to_numpy()
    if is_iso.any():
        out[is_iso] = _assemble(iso[is_iso])
    num = values.str.extract(_NUMERIC)
    is_num = num["a"].notna().to_numpy() & ~is_iso
    if is_num.any():
        part = num[is_num]
        first = part["a"].astype(int).to_numpy()
        second = part["b"].astype(int).to_numpy()
        order = _date_order(values[is_num], first, second, file=file, column=column,
                            cells=cells, codes=codes, idx=np.flatnonzero(is_num),
                            dayfirst=dayfirst, default=default_dayfirst)
        if order and notes is not None and dayfirst is None and default_dayfirst is None:
            proof = values[is_num].iloc[int(np.argmax(first > 12))]
            notes.append(f"dates in {column!r} read day-first ({proof!r} proves it)")
        year = part["y"].astype(int).to_numpy()
        year = np.where(year < 100, np.where(year < 69, 2000 + year, 1900 + year), year)
        hour = part["H"].fillna(0).astype(int).to_numpy()
        pm = part["p"].fillna("").str.lower().str.startswith("p").to_numpy()
        am = part["p"].fillna("").str.lower().str.startswith("a").to_numpy()
        hour = np.where(pm & (hour < 12), hour + 12, np.where(am & (hour == 12), 0, hour))
        frame = pd.DataFrame({"y": year, "m": second if order else first,
                              "d": first if order else second, "H": hour,
                              "M": part["M"].fillna(0).astype(int).to_numpy(),
                              "S": part["S"].fillna(0).astype(int).to_numpy()})
        out[is_num] = _assemble(frame)
    rest = ~is_iso & ~is_num & ~empty
    if rest.any():  # words: "Dec 1, 2023", "1 March 2024"
        parsed = pd.to_datetime(values[rest], errors="coerce", format="mixed",
                                dayfirst=bool(dayfirst))
        if getattr(parsed.dt, "tz", None) is not None:
            parsed = parsed.dt.tz_localize(None)
        out[rest] = parsed.to_numpy(dtype="datetime64[ns]")
    bad = np.isnat(out) & ~empty
    if bad.any():
        value = values[bad].iloc[0]
        row = _row_of(cells, codes, int(np.flatnonzero(bad)[0]))
        raise FileError(file, f"{_show(value)} is not a date (use YYYY-MM-DD)", row=row,
                        column=column)
    return pd.Series(out[codes], index=cells.index, name=cells.name)


_ISO_FORMATS = ((19, "%Y-%m-%d %H:%M:%S"), (19, "%Y-%m-%dT%H:%M:%S"), (16, "%Y-%m-%d %H:%M"),
                (10, "%Y-%m-%d"))
_ISO_TAIL = re.compile(r"^(?:[.,]\d+)?\s*(?:Z|UTC|GMT|[+-]\d{2}:?\d{2})?$")


def _fast_iso(values: pd.Series) -> np.ndarray | None:
    """ISO dates and times (an offset written after them is ignored), in C; None when the
    column holds anything else."""
    if not len(values) or (values.str.len() < 10).any():
        return None
    for width, fmt in _ISO_FORMATS:
        head = values.str.slice(0, width)
        parsed = pd.to_datetime(head, format=fmt, errors="coerce")
        if parsed.isna().any():
            continue
        tail = values.str.slice(width)
        if (tail != "").any() and not tail.str.match(_ISO_TAIL).all():
            continue
        return parsed.to_numpy(dtype="datetime64[ns]")
    return None


def _assemble(parts: pd.DataFrame) -> np.ndarray:
    frame = pd.DataFrame({
        "year": pd.to_numeric(parts["y"]), "month": pd.to_numeric(parts["m"]),
        "day": pd.to_numeric(parts["d"]), "hour": pd.to_numeric(parts["H"]).fillna(0),
        "minute": pd.to_numeric(parts["M"]).fillna(0),
        "second": pd.to_numeric(parts["S"]).fillna(0)})
    return pd.to_datetime(frame, errors="coerce").to_numpy(dtype="datetime64[ns]")


def _date_order(values, first, second, *, file, column, cells, codes, idx, dayfirst, default):
    day_proof, month_proof = first > 12, second > 12
    if day_proof.any() and month_proof.any():
        a = values.iloc[int(np.argmax(day_proof))]
        b = values.iloc[int(np.argmax(month_proof))]
        raise FileError(file, f"mixes day-first ({_show(a)}) and month-first ({_show(b)}) "
                        "dates; make the column one order", row=_row_of(cells, codes,
                                                                        idx[np.argmax(month_proof)]),
                        column=column)
    if day_proof.any():
        if dayfirst is False:
            raise FileError(file, f"{_show(values.iloc[int(np.argmax(day_proof))])} cannot be "
                            "month-first; drop --monthfirst",
                            row=_row_of(cells, codes, idx[np.argmax(day_proof)]), column=column)
        return True
    if month_proof.any():
        if dayfirst is True:
            raise FileError(file, f"{_show(values.iloc[int(np.argmax(month_proof))])} cannot "
                            "be day-first; drop --dayfirst",
                            row=_row_of(cells, codes, idx[np.argmax(month_proof)]), column=column)
        return False
    if dayfirst is not None:
        return dayfirst
    if default is not None:
        return default
    if (first == second).all():
        return False
    raise FileError(file, f"dates like {_show(values.iloc[int(np.argmax(first != second))])} "
                    "could be day-first or month-first; say which with --dayfirst or "
                    "--monthfirst", row=_row_of(cells, codes, idx[np.argmax(first != second)]),
                    column=column)


# ---------------------------------------------------------------------------- numbers

_CURRENCY = re.compile(r"[$£€¥₹¤]|\b(?:USD|EUR|GBP|CAD|AUD|CHF|JPY|SEK|NOK|DKK)\b|kr|zł"
                       r"|\s|'|\u00a0|\u202f", re.IGNORECASE)
_COMMA_PROOF = re.compile(r"^-?\d{1,3}(?:\.\d{3})+,\d+$|^-?\d+,\d{1,2}$|^-?\d+,\d{4,}$"
                          r"|^-?\d{1,3}(?:\.\d{3}){2,}$|^-?0,\d+$")
_POINT_PROOF = re.compile(r"^-?\d{1,3}(?:,\d{3})+\.\d+$|^-?\d+\.\d{1,2}$|^-?\d+\.\d{4,}$"
                          r"|^-?\d{1,3}(?:,\d{3}){2,}$|^-?0\.\d+$")


def clean_numbers(cells: pd.Series) -> pd.Series:
    """Cells without currency symbols, spaces and apostrophes; `(5)` and `5-` become `-5`."""
    text = cells.astype(object).str.replace(_CURRENCY, "", regex=True)
    text = text.str.replace(r"^\((.*)\)$", r"-\1", regex=True)
    text = text.str.replace(r"^(.*\d)-$", r"-\1", regex=True)
    return text.str.replace(r"^\+", "", regex=True)


def decimal_comma(columns: dict[str, pd.Series], *, file: str) -> bool:
    """Whether the file writes a decimal comma, from what its number cells prove.

    Raises `FileError` when some cells prove a decimal comma and others a decimal point.
    """
    uniques = {col: pd.Series(pd.unique(cells.to_numpy(dtype=object)), dtype=object)
               for col, cells in columns.items()}
    comma = point = None
    for col, unique in uniques.items():  # only a comma can prove a decimal comma
        if unique.str.contains(",", regex=False).any():
            clean = clean_numbers(unique)
            proof = clean.str.match(_COMMA_PROOF)
            if proof.any():
                comma = (col, clean[proof].iloc[0])
                break
    if comma is None:
        return False
    for col, unique in uniques.items():
        clean = clean_numbers(unique)
        proof = clean.str.match(_POINT_PROOF)
        if proof.any():
            point = (col, clean[proof].iloc[0])
            break
    if comma and point:
        raise FileError(file, f"numbers mix a decimal comma ({comma[1]!r} in {comma[0]!r}) and "
                        f"a decimal point ({point[1]!r} in {point[0]!r})", column=comma[0])
    return comma is not None


def parse_numbers(cells: pd.Series, *, file: str, column: str, comma: bool = False,
                  words: dict[str, float] | None = None) -> pd.Series:
    """Text cells to floats (NaN where empty); text in a number cell raises `FileError`.

    `comma`: the file writes a decimal comma (`1.234,5`); otherwise commas group thousands.
    `words` maps a few words to numbers (`not stocked` -> 0).
    """
    codes, uniques = pd.factorize(cells.to_numpy(dtype=object))  # few distinct amounts
    fast = pd.to_numeric(pd.Series(uniques, dtype=object), errors="coerce").to_numpy(float)
    if not (np.isnan(fast) & (uniques != "")).any() and not np.isinf(fast).any():
        return pd.Series(fast[codes], index=cells.index, name=cells.name)
    values = pd.Series(uniques, dtype=object).str.strip()
    text = clean_numbers(values)
    if comma:
        text = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        text = text.str.replace(",", "", regex=False)
    numbers = np.array(pd.to_numeric(text, errors="coerce"), dtype=float)
    if words:
        lower = values.str.strip().str.lower()
        for word, number in words.items():
            numbers[(lower == word).to_numpy()] = number
    empty = (values == "").to_numpy()
    bad = np.isnan(numbers) & ~empty | np.isinf(numbers)
    if bad.any():
        row = _row_of(cells, codes, int(np.flatnonzero(bad)[0]))
        raise FileError(file, f"{_show(values[bad].iloc[0])} is not a number", row=row,
                        column=column)
    return pd.Series(numbers[codes], index=cells.index, name=cells.name)


def _row_of(cells: pd.Series, codes: np.ndarray, unique_pos: int) -> int:
    """File row (header = 1) of the first cell holding unique value `unique_pos`."""
    return int(cells.index[int(np.argmax(codes == unique_pos))]) + 2


def _show(value: str) -> str:
    value = str(value)
    return repr(value if len(value) <= 40 else value[:37] + "...")
