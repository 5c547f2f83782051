"""`shelfwise perishables` on CSV files, per the command-line contract (Additions)."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from click.testing import CliRunner

from connectors.cli import main
from tests.engine.test_perishables import bakery

CONTRACT = ["unique_id", "ds", "quantity", "critical_ratio", "expected_sales",
            "expected_waste", "expected_lost_sales"]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bakery")
    sales, features = bakery(days=90)
    sales.assign(ds=sales["ds"].dt.strftime("%Y-%m-%d")).to_csv(folder / "sales.csv",
                                                               index=False)
    features.assign(ds=features["ds"].dt.strftime("%Y-%m-%d")).to_csv(
        folder / "features.csv", index=False)
    pd.DataFrame({"unique_id": ["bun"], "price": ["2.50"], "cost": ["0.50"],
                  "salvage": ["0.10"]}).to_csv(folder / "items.csv", index=False)
    return folder


def run(args):
    result = CliRunner().invoke(main, ["perishables", *map(str, args)])
    return result, (pd.read_csv(io.StringIO(result.stdout)) if result.exit_code == 0 else None)


def test_writes_the_contract_columns_for_every_item_and_day(files):
    result, table = run([files / "sales.csv", "--price", 3, "--cost", 1, "--days", 3,
                         "--items", files / "items.csv", "--features", files / "features.csv",
                         "--country", "DE"])
    assert result.exit_code == 0, result.output
    assert list(table.columns[:7]) == CONTRACT
    assert {"expected_profit", "waste_cost", "lost_margin", "reason"} <= set(table.columns)
    assert table.groupby("unique_id").size().to_dict() == {"bread": 3, "bun": 3}
    assert table["ds"].iloc[0] == "2024-03-31"
    ratio = table.groupby("unique_id")["critical_ratio"].first()
    assert ratio["bread"] == pytest.approx(2 / 3, abs=1e-4)
    assert ratio["bun"] == pytest.approx(2.0 / 2.4, abs=1e-4)
    assert table["reason"].str.contains("°C").all()
    assert "read " in result.stderr  # the one-line summary of what was read


def test_missing_price_exits_2_naming_the_option(files):
    result, _ = run([files / "sales.csv", "--cost", 1])
    assert result.exit_code == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: ") and "--price" in last


def test_price_below_cost_exits_2(files):
    result, _ = run([files / "sales.csv", "--price", 1, "--cost", 2])
    assert result.exit_code == 2 and "price must be above cost" in result.stderr


def test_bad_feature_cell_names_file_row_and_column(files, tmp_path):
    features = pd.read_csv(files / "features.csv", dtype=str)
    features.loc[3, "temperature"] = "warm"
    features.to_csv(tmp_path / "f.csv", index=False)
    result, _ = run([files / "sales.csv", "--price", 3, "--cost", 1,
                     "--features", tmp_path / "f.csv"])
    assert result.exit_code == 2
    assert "f.csv" in result.stderr and "row 5" in result.stderr
    assert "temperature" in result.stderr


def test_features_that_stop_before_the_days_ahead_are_refused(files, tmp_path):
    features = pd.read_csv(files / "features.csv").iloc[:92]
    features.to_csv(tmp_path / "short.csv", index=False)
    result, _ = run([files / "sales.csv", "--price", 3, "--cost", 1, "--days", 7,
                     "--features", tmp_path / "short.csv"])
    assert result.exit_code == 2
    assert "short.csv" in result.stderr and "days ahead" in result.stderr


def test_a_features_file_without_factors_is_refused(files, tmp_path):
    pd.DataFrame({"ds": ["2024-01-01"]}).to_csv(tmp_path / "empty.csv", index=False)
    result, _ = run([files / "sales.csv", "--price", 3, "--cost", 1,
                     "--features", tmp_path / "empty.csv"])
    assert result.exit_code == 2 and "factor column" in result.stderr


def test_help_names_the_options():
    result = CliRunner().invoke(main, ["perishables", "--help"])
    assert result.exit_code == 0
    for option in ("--price", "--cost", "--salvage", "--items", "--features", "--days"):
        assert option in result.output


def test_an_unknown_country_exits_2_naming_it(files):
    result, _ = run([files / "sales.csv", "--price", 3, "--cost", 1, "--country", "XX", "-q"])
    assert result.exit_code == 2 and "country 'XX'" in result.stderr


# -- shelfwise reorder: a perishable column in items.csv (issue 15) -----------------------

def reorder(files, items):
    result = CliRunner().invoke(main, ["reorder", "--history", str(files / "sales.csv"),
                                       "--items", str(items)])
    assert result.exit_code == 0, result.output
    return pd.read_csv(io.StringIO(result.stdout)).set_index("unique_id")


def test_reorder_gives_a_perishable_item_the_newsvendor_quantity(files, tmp_path):
    from engine.perishables.plan import plan_perishables

    items = tmp_path / "items.csv"
    pd.DataFrame({"unique_id": ["bread", "bun"], "on_hand": [40, 0], "lead_time": [1, 2],
                  "unit_cost": ["1.00", "0.50"], "perishable": ["yes", "no"],
                  "price": ["3.00", "2.50"], "salvage": ["0.20", ""]}).to_csv(items, index=False)
    plan = reorder(files, items)
    sales = pd.read_csv(files / "sales.csv")
    fresh = plan_perishables(sales[sales["unique_id"] == "bread"], price=3.0, cost=1.0,
                             salvage=0.2, days=1)
    bread, bun = plan.loc["bread"], plan.loc["bun"]
    assert bread["distribution"] == "newsvendor"
    # tomorrow's shelf quantity at (3 - 1) / (3 - 0.2), whatever is on hand (thrown away)
    assert bread["order_now"] == bread["order_quantity"] == fresh["quantity"].iloc[0]
    assert bread["cycle_service_level"] == pytest.approx(2 / 2.8, abs=1e-3)
    assert bread["reason"].startswith("perishable: have ")
    assert "thrown away" in bread["reason"]
    # the item marked "no" keeps its (s, Q) row: the same as without the column
    plain = tmp_path / "plain.csv"
    pd.read_csv(items).drop(columns=["perishable", "price", "salvage"]).to_csv(plain,
                                                                               index=False)
    assert bun["distribution"] != "newsvendor" and "perishable" not in bun["reason"]
    pd.testing.assert_series_equal(bun, reorder(files, plain).loc["bun"])


def test_reorder_without_prices_uses_the_service_level_as_the_ratio(files, tmp_path):
    items = tmp_path / "items.csv"
    pd.DataFrame({"unique_id": ["bread"], "on_hand": [0], "lead_time": [1],
                  "service_level": [0.8], "perishable": ["TRUE"]}).to_csv(items, index=False)
    plan = reorder(files, items)
    assert plan.loc["bread", "distribution"] == "newsvendor"
    assert plan.loc["bread", "cycle_service_level"] == pytest.approx(0.8)
    assert "80% of days" in plan.loc["bread", "reason"]


def test_reorder_refuses_a_price_that_is_not_a_number(files, tmp_path):
    items = tmp_path / "items.csv"
    pd.DataFrame({"unique_id": ["bread"], "on_hand": [0], "lead_time": [1],
                  "price": ["three"], "perishable": ["yes"]}).to_csv(items, index=False)
    result = CliRunner().invoke(main, ["reorder", "--history", str(files / "sales.csv"),
                                       "--items", str(items)])
    assert result.exit_code == 2
    last = result.stderr.strip().splitlines()[-1]
    assert "items.csv" in last and "price" in last and "row 2" in last
