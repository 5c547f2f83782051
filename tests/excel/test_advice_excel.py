"""ADVICE through xlwings' conversion: one decision of engine.advise per call."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from tests.excel_harness import call

START = datetime(2025, 1, 1)


def sales_range(days: int = 90, items=("TEA", "MUG")) -> tuple:
    rng = np.random.default_rng(2)
    rows = [("unique_id", "ds", "y")]
    rows += [(item, START + timedelta(days=d), float(rng.poisson(3)))
             for item in items for d in range(days)]
    return tuple(rows)


def test_reorder_and_forecast_come_from_one_model(udfs):
    stock = (("unique_id", "on_hand"), ("TEA", 50.0), ("MUG", 2.0))
    plan = call(udfs.ADVICE, "reorder", sales_range(), stock, None, None, 5.0)
    fc = call(udfs.ADVICE, "Forecast", sales_range(), stock, None, None, 5.0)
    head = plan[0]
    rows = {r[head.index("unique_id")]: dict(zip(head, r, strict=True)) for r in plan[1:]}
    assert rows["MUG"]["on_hand"] == 2 and rows["MUG"]["order_now"] > 0
    assert fc[0] == ["unique_id", "ds", "forecast", "lo_80", "hi_80", "lo_95", "hi_95", "model"]
    for item, row in rows.items():
        mine = [r for r in fc[1:] if r[0] == item]
        assert len(mine) == 30 and mine[0][1] == "2025-04-01"
        assert abs(sum(r[2] for r in mine) - row["forecast_30_days"]) < 1e-9
        assert {r[7] for r in mine} == {row["model"]}


def test_bad_input_gives_one_shelfwise_message(udfs):
    good = sales_range(40)
    cases = [
        (("reorders", good), "decision must be one of"),
        (("reorder", good[:1]), "sales_table needs a header row"),
        (("reorder", good, (("unique_id", "on_hand"), ("TEA", "lots"))), "stock_table"),
        (("reorder", good, None, None, None, -1.0), "lead_time"),
        (("reorder", good, None, None, None, 7.0, "someday"), "as_of"),
        (("segments", good), "no segments"),
    ]
    for args, words in cases:
        out = call(udfs.ADVICE, *args)
        text = out if isinstance(out, str) else out[0][0]
        assert text.startswith("Shelfwise:") and words in text, (args[0], text)
