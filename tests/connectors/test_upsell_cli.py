"""`shelfwise upsell` through click's CliRunner: the contract columns and the exit-2 errors."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from click.testing import CliRunner

from connectors.cli import main

LINES = """order_id,product_id,quantity,created_at
1001,bike,1,2024-05-01
1001,helmet,1,2024-05-01
1002,bike,1,2024-05-02
1002,helmet,2,2024-05-02
1002,bottle,1,2024-05-02
1003,bike,1,2024-05-03
1003,bottle,1,2024-05-03
1004,lock,1,2024-05-04
1005,helmet,1,2024-05-05
1005,lights,1,2024-05-05
"""


@pytest.fixture
def lines(tmp_path):
    path = tmp_path / "lines.csv"
    path.write_text(LINES, encoding="utf-8")
    return path


def run(*args):
    result = CliRunner().invoke(main, ["upsell", *map(str, args)])
    return result, result.stdout, result.stderr


def test_companions_per_product(lines, tmp_path):
    out = tmp_path / "recs.csv"
    result, _, _ = run(lines, "-o", out, "--top", "2")
    assert result.exit_code == 0, result.output
    recs = pd.read_csv(out)
    assert list(recs.columns[:7]) == ["product_id", "rank", "recommended_id", "score",
                                      "support", "confidence", "lift"]
    assert recs.groupby("product_id").size().max() == 2
    assert set(recs["product_id"]) == {"bike", "helmet", "bottle", "lock", "lights"}
    bike = recs[recs["product_id"] == "bike"].set_index("rank")
    assert bike.loc[1, "recommended_id"] == "bottle"  # in 2 of the bike's 3 orders, and
    assert bike.loc[2, "recommended_id"] == "helmet"  # rarer than the helmet (cosine)
    assert bike.loc[1, "confidence"] == pytest.approx(2 / 3, abs=1e-6)
    assert bike.loc[1, "support"] == pytest.approx(2 / 5, abs=1e-6)


def test_writes_to_standard_output_by_default(lines):
    result, stdout, _ = run(lines, "--top", "1")
    assert result.exit_code == 0
    assert stdout.splitlines()[0].startswith("product_id,rank,recommended_id,score")


def test_query_completes_carts_without_items_in_them(lines, tmp_path):
    query = tmp_path / "carts.csv"
    query.write_text("query_id,product_id\nc1,bike\nc1,helmet\nc2,unknown\n", encoding="utf-8")
    result, stdout, _ = run(lines, "--query", query, "--top", "3", "--exclude", "lights")
    assert result.exit_code == 0, result.output
    recs = pd.read_csv(io.StringIO(stdout))
    assert list(recs.columns) == ["query_id", "rank", "recommended_id", "score"]
    c1 = recs[recs["query_id"] == "c1"]
    assert c1["recommended_id"].iloc[0] == "bottle"
    assert not set(c1["recommended_id"]) & {"bike", "helmet", "lights"}
    assert len(recs[recs["query_id"] == "c2"]) == 3  # unknown cart: best-sellers


@pytest.mark.parametrize(("text", "where"), [
    (LINES.replace("1002,helmet,2", "1002,helmet,two"), "row 5, column 'quantity'"),
    (LINES.replace("1,2024-05-03\n1004", "1,someday\n1004"), "row 8, column 'created_at'"),
    (LINES.replace("1004,lock", ",lock"), "row 9, column 'order_id'"),
    (LINES.replace("product_id", "sku"), "row 1, column 'product_id'"),
])
def test_bad_lines_exit_2_naming_file_row_and_column(tmp_path, text, where):
    path = tmp_path / "orders.csv"
    path.write_text(text, encoding="utf-8")
    result, stdout, stderr = run(path)
    assert result.exit_code == 2
    assert stdout == ""
    assert stderr.startswith("Error: orders.csv, " + where)
    assert len(stderr.strip().splitlines()) == 1


def test_bad_query_file_is_named(lines, tmp_path):
    query = tmp_path / "carts.csv"
    query.write_text("query_id,product_id\nc1,\n", encoding="utf-8")
    result, _, stderr = run(lines, "--query", query)
    assert result.exit_code == 2
    assert "carts.csv, row 2, column 'product_id'" in stderr


def test_missing_file_and_bad_top(tmp_path, lines):
    result, _, stderr = run(tmp_path / "nope.csv")
    assert result.exit_code == 2 and "nope.csv" in stderr
    result, _, _ = run(lines, "--top", "0")
    assert result.exit_code == 2


def test_help():
    result = CliRunner().invoke(main, ["upsell", "--help"])
    assert result.exit_code == 0
    assert "--query" in result.output and "Example" in result.output
