"""`shelfwise forecast` on CSV files, per the command-line contract."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from click.testing import CliRunner

from connectors.cli import main
from tests.conftest import SAMPLE_SALES


@pytest.fixture
def runner():
    return CliRunner()


def test_forecast_writes_the_contract_columns(runner, tmp_path):
    out = tmp_path / "forecast.csv"
    result = runner.invoke(main, ["forecast", str(SAMPLE_SALES), "--horizon", "7", "-o", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, parse_dates=["ds"])
    assert list(table.columns)[:8] == ["unique_id", "ds", "forecast", "lo_80", "hi_80",
                                       "lo_95", "hi_95", "model"]
    sales = pd.read_csv(SAMPLE_SALES, parse_dates=["ds"])
    assert table.groupby("unique_id").size().eq(7).all()
    assert set(table["unique_id"]) == set(sales["unique_id"])
    assert table["ds"].min() == sales["ds"].max() + pd.Timedelta(days=1)
    assert (table["lo_95"] <= table["lo_80"]).all() and (table["hi_80"] <= table["hi_95"]).all()
    assert (table[["forecast", "lo_80", "lo_95"]] >= 0).all().all()


def test_levels_and_stdout(runner):
    result = runner.invoke(main, ["forecast", str(SAMPLE_SALES), "--horizon", "2",
                                  "--level", "90"])
    assert result.exit_code == 0
    table = pd.read_csv(io.StringIO(result.stdout))
    assert list(table.columns)[:6] == ["unique_id", "ds", "forecast", "lo_90", "hi_90", "model"]


def test_table_format_is_for_reading(runner):
    result = runner.invoke(main, ["forecast", str(SAMPLE_SALES), "--horizon", "2",
                                  "--output-format", "table", "--quiet"])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].split()[:8] == ["unique_id", "ds", "forecast", "lo_80",
                                                        "hi_80", "lo_95", "hi_95", "model"]


@pytest.mark.parametrize(("content", "expected"), [
    ("unique_id,ds,y\na,2024-01-01,3\na,2024-01-02,three\n",
     "bad.csv, row 3, column 'y': 'three' is not a number"),
    ("unique_id,ds,y\na,2024-01-01,3\na,someday,4\n",
     "bad.csv, row 3, column 'ds': 'someday' is not a date"),
    ("unique_id,ds\na,2024-01-01\n", "bad.csv, row 1, column 'y': required column is missing"),
    ("unique_id,ds,y\n,2024-01-01,3\n", "bad.csv, row 2, column 'unique_id': is empty"),
    ("", "bad.csv: is empty"),
])
def test_bad_input_exits_2_naming_file_row_and_column(runner, tmp_path, content, expected):
    bad = tmp_path / "bad.csv"
    bad.write_text(content)
    result = runner.invoke(main, ["forecast", str(bad), "--horizon", "3"])
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {expected}")
    assert len(result.output.strip().splitlines()) == 1


def test_missing_file_and_bad_options_exit_2(runner, tmp_path):
    missing = runner.invoke(main, ["forecast", str(tmp_path / "nope.csv"), "--horizon", "3"])
    assert missing.exit_code == 2
    assert runner.invoke(main, ["forecast", str(SAMPLE_SALES), "--horizon", "0"]).exit_code == 2


def test_every_command_has_help(runner):
    for name, command in main.commands.items():
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0, name
        assert command.help, f"{name} has no help text"
