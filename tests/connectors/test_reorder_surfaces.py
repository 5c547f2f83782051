"""`shelfwise reorder` and the Excel reorder functions."""

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from connectors.cli import main
from excel_addin import udfs


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(3)
    ds = pd.date_range("2024-01-01", periods=90, freq="D")
    sales = pd.DataFrame({"unique_id": np.repeat(["a", "b"], 90), "ds": np.tile(ds, 2),
                          "y": np.concatenate([rng.poisson(5, 90), rng.poisson(0.3, 90)])})
    sales.to_csv(tmp_path / "sales.csv", index=False)
    pd.DataFrame({"unique_id": ["a", "b"], "on_hand": [3, 40], "lead_time": [7, 7],
                  "pack_size": [6, 1]}).to_csv(tmp_path / "items.csv", index=False)
    return tmp_path


def test_cli_writes_plan(files):
    out = files / "plan.csv"
    result = CliRunner().invoke(main, ["reorder", "--history", str(files / "sales.csv"),
                                       "--items", str(files / "items.csv"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    plan = pd.read_csv(out)
    assert list(plan.columns[:6]) == ["unique_id", "mean_demand", "safety_stock",
                                      "reorder_point", "order_quantity", "order_now"]
    a = plan.set_index("unique_id").loc["a"]
    assert a["order_now"] > 0 and a["order_now"] % 6 == 0


def test_cli_bad_items_exit_2_naming_file_row_column(files):
    (files / "items.csv").write_text("unique_id,on_hand,lead_time\na,3,7\nb,lots,7\n")
    result = CliRunner().invoke(main, ["reorder", "--history", str(files / "sales.csv"),
                                       "--items", str(files / "items.csv")])
    assert result.exit_code == 2
    assert "items.csv" in result.output and "row 3" in result.output
    assert "'on_hand'" in result.output


def test_cli_bad_engine_check_names_items_file(files):
    (files / "items.csv").write_text("unique_id,on_hand,lead_time,service_level\na,3,7,95\n")
    result = CliRunner().invoke(main, ["reorder", "--history", str(files / "sales.csv"),
                                       "--items", str(files / "items.csv")])
    assert result.exit_code == 2
    assert "items.csv, row 2, column 'service_level'" in result.output


def test_excel_numbers():
    sales = [[v] for v in np.random.default_rng(0).poisson(4, 60).tolist()]
    ss = udfs.SAFETY_STOCK(sales, 7)
    rp = udfs.REORDER_POINT(sales, 7, 0.95)
    assert isinstance(ss, float) and isinstance(rp, float) and rp >= ss
    assert udfs.EOQ(1200, 50, 3) == pytest.approx(200.0)


def test_excel_plan_spills_with_header():
    sales = [["unique_id", "ds", "y"]] + [["a", f"2024-01-{d:02d}", d % 3] for d in range(1, 29)]
    items = [["unique_id", "on_hand", "lead_time"], ["a", 2, 3]]
    rows = udfs.REORDER_PLAN(sales, items)
    assert rows[0][:3] == ["unique_id", "mean_demand", "safety_stock"] and rows[1][0] == "a"


def test_excel_bad_input_gives_message_cell():
    assert udfs.EOQ("lots", 50, 3).startswith("Shelfwise:")
    assert udfs.REORDER_POINT([[1], ["x"], [2]], 7).startswith("Shelfwise:")
    assert udfs.REORDER_PLAN([["unique_id"]], [["unique_id"]]).startswith("Shelfwise:")
    assert udfs.SAFETY_STOCK([[1], [2], [3]], 7, 1.5).startswith("Shelfwise:")
