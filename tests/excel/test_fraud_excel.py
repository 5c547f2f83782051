"""FRAUD_SCORE through xlwings' conversion, as Excel calls it."""

from __future__ import annotations

import datetime as dt

from tests.excel_harness import call

HEADER = ("Order ID", "Email", "Total", "Billing Country", "Shipping Country", "Created At",
          "IP", "Shipping Method")


def table():
    rows = [HEADER]
    t0 = dt.datetime(2024, 5, 1, 9, 0)
    for i in range(40):  # regular customers, a few orders each
        rows.append((1000.0 + i, f"customer{i % 10}@mail.com", 40.0 + i % 7, "US", "US",
                     t0 + dt.timedelta(hours=7 * i), f"10.0.0.{i % 10}", "Standard"))
    for i in range(8):  # card testing: tiny orders, one IP, minutes apart, random emails
        rows.append((2000.0 + i, f"x{i}qz7k{i}v@mail.com", 2.0, "US", "US",
                     t0 + dt.timedelta(days=13, minutes=3 * i), "203.0.113.9", "Standard"))
    rows.append((None,) * len(HEADER))  # a blank row under the table
    return tuple(rows)


def test_spills_score_level_and_reasons_under_a_header(udfs):
    out = call(udfs.FRAUD_SCORE, table())
    assert out[0] == ["score", "risk_level", "reasons"]
    body = out[1:]
    assert len(body) == 48
    assert all(0 <= row[0] <= 1 for row in body)
    assert {row[1] for row in body[:40]} == {"LOW"}
    assert body[-1][1] == "HIGH" and "card-testing" in body[-1][2]


def test_bad_input_gives_a_shelfwise_message(udfs):
    rows = table()
    no_total = tuple(tuple(c for j, c in enumerate(r) if j != 2) for r in rows)
    text_total = rows[:3] + ((rows[3][:2] + ("lots",) + rows[3][3:]),) + rows[4:]
    bad_date = rows[:2] + ((rows[2][:5] + ("someday",) + rows[2][6:]),) + rows[3:]
    for case, words in ((no_total, "'total' column"), (text_total, "row 4 of the table"),
                        (bad_date, "column 'created_at'"), ((HEADER,), "header row")):
        out = call(udfs.FRAUD_SCORE, case)
        text = out if isinstance(out, str) else out[0][0]
        assert isinstance(text, str) and text.startswith("Shelfwise: "), out
        assert words in text, text
