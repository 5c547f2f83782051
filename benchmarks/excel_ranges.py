"""Excel functions on ranges as people select them: whole columns, headers, room below.

    .venv/bin/python benchmarks/excel_ranges.py

For each function, the time of one call on a whole column (B:B, 1,048,576 cells: a header,
the data, blanks below) through xlwings' real conversion pipeline (tests/excel_harness.py),
split into xlwings' own conversion and Shelfwise's call; and whether the answer equals the
one on the bare data. Data are generated (weekly sales, order lines).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pytest
from xlwings import conversion

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.excel_harness import call, load_udfs  # noqa: E402

ROWS = 1_048_576


def column(header, values):
    return tuple([(header,)] + [(v,) for v in values] + [(None,)] * (ROWS - 1 - len(values)))


def timed(function, *args):
    meta = function.__xlmeta__
    start = time.perf_counter()
    converted = [conversion.read(None, a, dict(meta["args"][n]))
                 for a, n in zip(args, meta["args"], strict=False)]
    middle = time.perf_counter()
    function(*converted)
    return middle - start, time.perf_counter() - middle


def main() -> None:
    udfs = load_udfs(pytest.MonkeyPatch())
    rng = np.random.default_rng(0)
    sales = [float(v) for v in rng.poisson(20, 104)]
    orders = [float(1000 + i // 3) for i in range(3000)]
    products = [f"p{int(v)}" for v in rng.zipf(1.6, 3000) % 40]
    cases = [
        ("FORECAST_DEMAND", (column("Units", sales),), (tuple((v,) for v in sales),)),
        ("REORDER_POINT", (column("Units", sales), 2.0), (tuple((v,) for v in sales), 2.0)),
        ("UPSELL", (column("Order", orders), column("Product", products), "p1"),
         (tuple((v,) for v in orders), tuple((v,) for v in products), "p1")),
    ]
    print("| function | xlwings conversion (s) | Shelfwise call (s) | same answer as bare data |")
    print("|---|---|---|---|")
    for name, whole, bare in cases:
        function = getattr(udfs, name)
        convert, run = timed(function, *whole)
        same = call(function, *whole) == call(function, *bare)
        print(f"| {name}(whole column) | {convert:.2f} | {run:.2f} | {same} |")


if __name__ == "__main__":
    main()
