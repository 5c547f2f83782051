"""`shelfwise fraud` through click's runner: JSON Lines in, the contract's CSV out."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pandas as pd
from click.testing import CliRunner

from connectors.cli import main
from tests.engine.test_fraud_engine import START, TEMPLATE, address, make_order, shop_history


def write_jsonl(path, orders, *, extra_lines=()):
    lines = [json.dumps(o) for o in orders] + list(extra_lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def new_orders():
    t = START + timedelta(days=61)
    burst = [make_order(9000 + i, t + timedelta(minutes=2 * i), email=f"q{i}x8z{i}k2@mail.com",
                        total=3.0, ip="203.0.113.7", card=f"4242{i:02d}-00{i:02d}",
                        billing=address("Random Person", f"{i} Test Street"))
             for i in range(8)]
    regular = make_order(8001, t, email="anna@mail.com", customer_id=500, total=48.0,
                         ip="10.0.1.0", billing=address("anna Doe", "0 Oak Street"),
                         card="411100-0000")
    return [regular] + burst


def test_scores_every_order_with_history(tmp_path):
    orders = write_jsonl(tmp_path / "orders.jsonl", new_orders())
    history = write_jsonl(tmp_path / "history.jsonl", shop_history())
    out = tmp_path / "scores.csv"
    result = CliRunner().invoke(main, ["fraud", orders, "--history", history, "-o", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, dtype={"order_id": str})
    assert list(table.columns) == ["order_id", "score", "risk_level", "reasons"]
    assert table["order_id"].tolist() == ["8001"] + [str(9000 + i) for i in range(8)]
    assert table["score"].between(0, 1).all()
    assert table.loc[0, "risk_level"] == "LOW" and table["risk_level"].iloc[-1] == "HIGH"
    assert "; " in table["reasons"].iloc[-1]


def test_without_history_writes_to_stdout(tmp_path):
    orders = write_jsonl(tmp_path / "orders.jsonl", [TEMPLATE], extra_lines=[""])
    result = CliRunner().invoke(main, ["fraud", orders])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(io.StringIO(result.stdout), dtype={"order_id": str})
    assert table["order_id"].tolist() == ["820982911946154508"]


def test_bad_field_exits_2_naming_file_line_and_field(tmp_path):
    bad = {**TEMPLATE, "id": 2, "total_price": "abc"}
    orders = write_jsonl(tmp_path / "orders.jsonl", [TEMPLATE, bad])
    result = CliRunner().invoke(main, ["fraud", orders])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert lines == ["Error: orders.jsonl, line 2, field 'total_price': 'abc' is not a number"]


def test_bad_json_and_bad_history_name_their_file(tmp_path):
    orders = write_jsonl(tmp_path / "orders.jsonl", [TEMPLATE], extra_lines=['{"id": 3,'])
    result = CliRunner().invoke(main, ["fraud", orders])
    assert result.exit_code == 2
    assert result.output.startswith("Error: orders.jsonl, line 2: is not valid JSON")
    good = write_jsonl(tmp_path / "ok.jsonl", [TEMPLATE])
    history = write_jsonl(tmp_path / "past.jsonl", [{**TEMPLATE, "created_at": "soon"}])
    result = CliRunner().invoke(main, ["fraud", good, "--history", history])
    assert result.exit_code == 2
    assert "past.jsonl, line 1, field 'created_at'" in result.output


def test_help_shows_an_example():
    result = CliRunner().invoke(main, ["fraud", "--help"])
    assert result.exit_code == 0 and "Example: shelfwise fraud" in result.output
