"""Open a CSV export as text cells: encoding, delimiter and header found once, for every reader.

Only the columns a reader needs are parsed (`usecols`), so a 79-column Shopify export of a
million lines reads in seconds. Record numbers follow a spreadsheet: header row 1, first record
row 2 (a table's index label `i` is file row `i + 2`).
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO

import numpy as np
import pandas as pd

from connectors.files import FileError, file_name

#: A cell longer than this is not a value a person typed (a pasted blob, a broken quote).
MAX_CELL = 100_000
_ENCODINGS = (("utf-8-sig", None), ("cp1252", "Windows-1252 (not UTF-8)"),
              ("latin-1", "Latin-1 (not UTF-8)"))


def norm(header: str) -> str:
    """A header as compared: case, spaces and a stray BOM do not matter."""
    return re.sub(r"\s+", " ", str(header).replace("\ufeff", "")).strip().lower()


@dataclass
class RawFile:
    """A CSV file's header and the bytes to read its records from."""

    name: str
    header: list[str]
    data: bytes | str
    encoding: str
    sep: str
    notes: list[str] = field(default_factory=list)
    skip: int = 1  # lines before the records: the header (and Excel's `sep=;` line)

    def position(self, header: str) -> int | None:
        """Position of a header (first one when it appears twice), compared as `norm` does."""
        key = norm(header)
        for i, h in enumerate(self.header):
            if norm(h) == key:
                return i
        return None

    def parts(self, header: str) -> list[str]:
        """The headers a `A+B` name joins, when each is in the file (else [])."""
        if "+" not in header:
            return []
        parts = [p.strip() for p in header.split("+")]
        found = [self.position(p) for p in parts]
        return [self.header[i] for i in found] if None not in found else []

    def has(self, header: str) -> bool:
        """Whether the file has `header` (`A|B`: either of them)."""
        return any(self.position(h) is not None for h in header.split("|"))

    def columns(self, headers: Iterable[str], *, keep_spaces: Iterable[str] = ()
                ) -> pd.DataFrame:
        """The named columns as text cells ("" when empty), named as asked; one parse.

        Cells are stripped of surrounding spaces, except in `keep_spaces` (dates and
        numbers, whose parsers ignore spaces: stripping a million distinct times costs).
        """
        wanted = list(dict.fromkeys(headers))
        keep = set(keep_spaces)
        joined = {h: self.parts(h) for h in wanted if self.position(h) is None and self.parts(h)}
        wanted = list(dict.fromkeys([h for h in wanted if h not in joined]
                                    + [p for parts in joined.values() for p in parts]))
        where = {}
        for h in wanted:
            pos = [i for i, have in enumerate(self.header) if norm(have) == norm(h)]
            if len(pos) > 1:
                raise FileError(self.name, f"appears {len(pos)} times in the header (columns "
                                f"{', '.join(str(p + 1) for p in pos)}); rename or delete one",
                                row=1, column=self.header[pos[0]])
            if pos:
                where[h] = pos[0]
        if not where:
            return pd.DataFrame(index=pd.RangeIndex(0))
        order = sorted(set(where.values()))
        try:
            table = pd.read_csv(self._stream(), sep=self.sep, header=None, skiprows=self.skip,
                                usecols=order, dtype=object, keep_default_na=False,
                                na_filter=False, encoding=self.encoding, engine="c",
                                skip_blank_lines=True, quoting=csv.QUOTE_MINIMAL,
                                skipinitialspace=True, low_memory=False)
        except pd.errors.EmptyDataError:
            return pd.DataFrame({h: pd.Series(dtype=object) for h in wanted if h in where})
        except pd.errors.ParserError as err:
            raise FileError(self.name, f"is not a readable CSV file ({_first_line(err)})") \
                from err
        except (ValueError, csv.Error) as err:  # usecols beyond a short record
            raise FileError(self.name, f"is not a readable CSV file ({_first_line(err)})") \
                from err
        out = pd.DataFrame({h: table[where[h]] if h in keep else
                            self._stripped(table[where[h]], h) for h in wanted if h in where})
        blank = out.iloc[:, 0].to_numpy() == ""  # rows of commas only: checked on candidates
        if blank.any():
            rows = np.flatnonzero(blank)
            blank[rows] = (out.iloc[rows] == "").all(axis=1).to_numpy()
            out = out[~blank]
        for h, parts in joined.items():  # --columns created_at="Date+Time"
            out[h] = out[parts[0]].str.cat([out[p] for p in parts[1:]], sep=" ").str.strip()
        return out

    def _stripped(self, cells: pd.Series, header: str) -> pd.Series:
        """Cells without surrounding spaces, each distinct value once; a cell longer than
        `MAX_CELL` is refused (a broken quote swallowed the file)."""
        codes, uniques = pd.factorize(cells.to_numpy(dtype=object), use_na_sentinel=False)
        clean = np.array([str(u).strip() if isinstance(u, str) else "" for u in uniques],
                         dtype=object)
        longest = max(map(len, clean), default=0)
        if longest > MAX_CELL:
            at = int(np.argmax(np.fromiter(map(len, clean), dtype=np.int64) > MAX_CELL))
            row = int(cells.index[int(np.argmax(codes == at))]) + 2
            raise FileError(self.name, f"a cell of {len(clean[at]):,} characters is not a "
                            "value (a broken quote?)", row=row, column=header)
        return pd.Series(clean[codes], index=cells.index)

    def _stream(self) -> IO:
        return io.BytesIO(self.data) if isinstance(self.data, bytes) else io.StringIO(self.data)


def open_csv(source: str | os.PathLike | IO | bytes) -> RawFile:
    """Read a CSV's bytes, decide its encoding and delimiter and read its header row.

    UTF-8 (with or without BOM) is expected; a file that is not UTF-8 is read as
    Windows-1252 and says so in the notes. Raises `FileError` for a missing or empty file.
    """
    name = "<data>" if isinstance(source, bytes) and not hasattr(source, "name") else \
        file_name(source)
    data = _bytes(source, name)
    if not data.strip():
        raise FileError(name, "is empty; expected a header row")
    if data[:4] in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0"):  # zip (xlsx, ods) or old .xls
        raise FileError(name, "is a spreadsheet workbook, not a CSV file: open it and save it "
                        "as 'CSV UTF-8'")
    notes = []
    for encoding, note in _ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if note:
            notes.append(f"read as {note}")
        break
    if "\x00" in text:
        raise FileError(name, "is not a text file (it holds NUL bytes: a spreadsheet or a "
                        "UTF-16 file? save it as 'CSV UTF-8')")
    first = _first_record(text)
    if first.lower().startswith("sep=") and len(first.strip()) == 5:  # Excel's hint line
        sep = first.strip()[4]
        first = _first_record(text[text.find(first) + len(first) + 1:])
    else:
        sep = _delimiter(first)
    skip = text[:text.find(first)].count("\n") + 1  # blank lines and hints before the header
    try:
        header = next(csv.reader([first], delimiter=sep), [])
    except csv.Error as err:
        raise FileError(name, f"is not a readable CSV file ({err})", row=1) from err
    header = [h.replace("\ufeff", "").strip() for h in header]
    if not any(header):
        raise FileError(name, "has no header row", row=1)
    if encoding == "utf-8-sig":
        return RawFile(name, header, data, "utf-8-sig", sep, notes, skip)
    return RawFile(name, header, text, encoding, sep, notes, skip)


def _bytes(source, name: str) -> bytes:
    if isinstance(source, bytes):
        return source
    if isinstance(source, str | os.PathLike):
        if str(source) == "-":
            import sys

            return sys.stdin.buffer.read()
        try:
            with open(source, "rb") as handle:
                return handle.read()
        except FileNotFoundError as err:
            raise FileError(name, "file not found") from err
        except IsADirectoryError as err:
            raise FileError(name, "is a folder, not a file") from err
    data = source.read()
    return data.encode("utf-8") if isinstance(data, str) else data


def _first_record(text: str) -> str:
    """The first non-blank line (the header), without splitting the whole file."""
    start = 0
    text = text.lstrip("\ufeff")
    while start < len(text):
        ends = [i for i in (text.find("\n", start), text.find("\r", start)) if i >= 0]
        end = min(ends) if ends else len(text)
        line = text[start:end]
        if line.strip():
            return line
        start = end + 1
    return ""


def _delimiter(line: str) -> str:
    """Comma unless the header clearly uses tabs or semicolons (Excel re-saves)."""
    counts = {sep: line.count(sep) for sep in (",", "\t", ";")}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 and counts[best] > counts[","] else ","


def _first_line(err: Exception) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
