"""The readers: dates, numbers, layouts and bad files, read right or refused naming the fix."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.cli import main
from connectors.files import FileError
from connectors.readers import read_order_lines, read_orders, read_sales, read_stock
from tests.fixtures import exports as ex


def cli(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input)


def one_error_line(result) -> str:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


# ---------------------------------------------------------------------------- dates


def test_ambiguous_dates_are_refused_naming_both_options(tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text("unique_id,ds,y\na,03/04/2024,1\na,04/04/2024,2\na,05/04/2024,3\n")
    line = one_error_line(cli("forecast", str(path), "--horizon", "2"))
    assert "sales.csv" in line and "row 2" in line and "'ds'" in line
    assert "--dayfirst" in line and "--monthfirst" in line


def test_dayfirst_and_monthfirst_settle_it():
    text = b"unique_id,ds,y\na,03/04/2024,1\na,04/04/2024,2\n"
    assert read_sales(text, dayfirst=True).table["ds"].dt.month.tolist() == [4, 4]
    assert read_sales(text, dayfirst=False).table["ds"].dt.month.tolist() == [3, 4]


def test_a_day_over_12_proves_day_first_and_says_so():
    read = read_sales(b"unique_id,ds,y\na,01-04-2024,1\na,25-04-2024,2\n")
    assert read.table["ds"].dt.strftime("%Y-%m-%d").tolist() == ["2024-04-01", "2024-04-25"]
    assert "day-first" in read.summary


def test_a_contradicting_option_or_mixed_orders_are_refused():
    with pytest.raises(FileError, match="drop --monthfirst"):
        read_sales(b"unique_id,ds,y\na,25/04/2024,1\n", dayfirst=False)
    with pytest.raises(FileError, match="mixes day-first") as err:
        read_sales(b"unique_id,ds,y\na,25/04/2024,1\na,04/25/2024,1\n")
    assert err.value.row == 3 and err.value.column == "ds"


def test_dayfirst_export_gives_the_canonical_forecast(tmp_path):
    shop = ex.make_shop(days=40, statuses=False, returns=False)
    export = tmp_path / "retail.csv"
    export.write_text(ex.write_invoice_lines(shop, date_format="%d/%m/%Y %H:%M"))
    (tmp_path / "sales.csv").write_text(ex.canonical_sales(shop))
    got = cli("forecast", str(export), "--horizon", "5", "--quiet")
    want = cli("forecast", str(tmp_path / "sales.csv"), "--horizon", "5", "--quiet")
    assert got.exit_code == 0, got.output
    columns = ["unique_id", "ds", "forecast", "lo_95", "hi_95", "model"]
    pd.testing.assert_frame_equal(pd.read_csv(io.StringIO(got.stdout))[columns],
                                  pd.read_csv(io.StringIO(want.stdout))[columns])


def test_etsy_dates_are_month_first_by_the_platform():
    text = ex.write_etsy_items(ex.make_shop(days=5, statuses=False, returns=False))
    read = read_sales(text.encode())
    assert read.table["ds"].min() == pd.Timestamp("2025-09-08")


def test_timestamps_become_days_unless_freq_says_otherwise():
    text = b"unique_id,ds,y\na,2024-01-01 09:00,1\na,2024-01-01 17:00,2\na,2024-01-02 10:00,4\n"
    assert read_sales(text).table["y"].tolist() == [3, 4]
    assert len(read_sales(text, freq="h").table) == 3


# ---------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(("cells", "expected"), [
    (["$4.25", "$1,234.50", "-$2.00"], [4.25, 1234.5, -2.0]),
    (["£3", "€12.00", "(5.00)"], [3.0, 12.0, -5.0]),
    (["2,5", "1.234,50", "3"], [2.5, 1234.5, 3.0]),
    (["1,000", "2,500", "7"], [1000.0, 2500.0, 7.0]),
])
def test_money_and_separators(cells, expected):
    text = "order_id,customer_id,created_at,amount\n" + "".join(
        f'{i},c{i},2024-01-0{i + 1},"{c}"\n' for i, c in enumerate(cells))
    if any(c.startswith("-") or c.startswith("(") for c in cells):
        with pytest.raises(FileError, match="negative"):
            read_orders(text.encode())
        return
    assert read_orders(text.encode()).table["amount"].tolist() == expected


def test_decimal_comma_quantities_are_not_multiplied_by_ten():
    text = b"unique_id;ds;y\na;2024-01-01;2,5\na;2024-01-02;1,25\n"
    read = read_sales(text)
    assert read.table["y"].tolist() == [2.5, 1.25]
    assert "decimal comma" in read.summary


def test_text_in_a_number_column_names_file_row_and_column(tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text("unique_id,ds,y\na,2024-01-01,3\na,2024-01-02,lots\n")
    line = one_error_line(cli("forecast", str(path), "--horizon", "2"))
    assert line == "Error: sales.csv, row 3, column 'y': 'lots' is not a number"


def test_mixed_decimal_marks_are_refused():
    with pytest.raises(FileError, match="decimal comma"):
        read_sales(b'unique_id,ds,y\na,2024-01-01,"2,5"\na,2024-01-02,1.25\n')


# ---------------------------------------------------------------------------- layouts


def test_nothing_matches_lists_every_missing_column_and_format(tmp_path):
    path = tmp_path / "mystery.csv"
    path.write_text("when,what,how many\n2024-01-01,tea,3\n")
    line = one_error_line(cli("forecast", str(path), "--horizon", "2"))
    for name in ("canonical", "shopify-orders", "square-items", "etsy-items",
                 "woocommerce-orders", "invoice-lines"):
        assert name in line
    for column in ("'unique_id'", "'ds'", "'y'", "'Lineitem quantity'", "'Sale Date'"):
        assert column in line
    assert "--columns" in line


def test_missing_canonical_columns_are_named_all_at_once(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("customer_id\nc1\n")
    line = one_error_line(cli("segments", str(path)))
    assert "'created_at', 'amount' are missing" in line


def test_columns_maps_any_file_and_format_forces_one(tmp_path):
    shop = ex.make_shop(days=30, returns=False, statuses=False)
    path = tmp_path / "orders_export.csv"
    path.write_text(ex.write_shopify_orders(shop))
    auto = read_sales(str(path)).table
    mapped = read_sales(str(path), columns={"unique_id": "Lineitem sku", "ds": "Created at",
                                            "y": "Lineitem quantity"}).table
    pd.testing.assert_frame_equal(auto, mapped)
    forced = read_sales(str(path), fmt="shopify-orders").table
    pd.testing.assert_frame_equal(auto, forced)
    with pytest.raises(FileError, match="not a square-items export: missing columns 'Date'"):
        read_sales(str(path), fmt="square-items")
    result = cli("forecast", str(path), "--horizon", "2", "--quiet", "--columns",
                 'unique_id="Lineitem sku",ds="Created at",y="Lineitem quantity"')
    assert result.exit_code == 0, result.output


def test_customers_missing_or_na_are_left_out_of_segments_and_counted(tmp_path):
    path = tmp_path / "retail.csv"
    rows = ["536365,85123A,Mug,6,2010-12-01 08:26,2.55,17850,United Kingdom",
            "536366,85123A,Mug,6,2010-12-02 08:26,2.55,NA,United Kingdom",
            "536367,22423,Tea,2,2010-12-03 08:26,1.00,,United Kingdom",
            "536368,22423,Tea,2,2010-12-04 08:26,1.00,17850.0,United Kingdom"]
    path.write_text(",".join(ex.UCI_HEADER) + "\n" + "\n".join(rows) + "\n")
    read = read_orders(str(path))
    assert read.table["customer_id"].tolist() == ["17850", "17850"]
    assert "2 orders without a customer left out" in read.summary


def test_line_rows_are_grouped_into_orders():
    text = ex.write_shopify_orders(ex.make_shop(days=10, statuses=False, returns=False))
    lines, orders = read_order_lines(text.encode()), read_orders(text.encode())
    assert lines.table["order_id"].nunique() == len(orders.table) + \
        orders.counts["no_customer"]


def test_not_stocked_counts_as_zero_and_both_inventory_generations_agree():
    stock = ex.make_stock()
    new = read_stock(ex.write_shopify_inventory(stock).encode(), by_location=True).table
    old = read_stock(ex.write_shopify_inventory(stock, new=False).encode(),
                     by_location=True).table
    pd.testing.assert_frame_equal(new, old)
    tea = new[(new["unique_id"] == "TEA-100") & (new["location"] == "Warehouse")]
    assert tea["on_hand"].tolist() == [0.0]


# ---------------------------------------------------------------------------- bad files


def test_empty_file_and_header_only(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    assert "empty.csv: is empty" in one_error_line(cli("forecast", str(path), "--horizon", "2"))
    path.write_text("unique_id,ds,y\n")
    assert "no rows" in one_error_line(cli("forecast", str(path), "--horizon", "2"))


def test_bom_and_latin1_are_read(tmp_path):
    bom = "\ufeffunique_id,ds,y\ncafé,2024-01-01,1\ncafé,2024-01-02,2\n"
    assert read_sales(bom.encode("utf-8")).table["unique_id"].iloc[0] == "café"
    latin = read_sales(bom[1:].encode("latin-1"))
    assert latin.table["unique_id"].iloc[0] == "café"
    assert "not UTF-8" in latin.summary


def test_blank_lines_and_excels_sep_line_before_the_header():
    assert read_sales(b"\n\nunique_id,ds,y\na,2024-01-01,1\n").table["y"].tolist() == [1]
    excel = b"sep=;\r\nunique_id;ds;y\r\na;01.04.2024;2,5\r\na;25.04.2024;1\r\n"
    assert read_sales(excel).table["y"].tolist() == [2.5, 1.0]


def test_duplicate_needed_header_is_named(tmp_path):
    with pytest.raises(FileError, match="appears 2 times") as err:
        read_sales(b"unique_id,ds,y,y\na,2024-01-01,1,2\n")
    assert err.value.column == "y" and err.value.row == 1
    # a duplicate column that no reader needs does not matter
    assert len(read_sales(b"unique_id,ds,y,note,note\na,2024-01-01,1,x,y\n").table) == 1


def test_huge_cell_is_refused_with_its_row():
    text = "unique_id,ds,y\na,2024-01-01,1\n" + "b" * 200_000 + ",2024-01-02,1\n"
    with pytest.raises(FileError, match="characters is not a value") as err:
        read_sales(text.encode())
    assert err.value.row == 3


def test_missing_file_names_it(tmp_path):
    line = one_error_line(cli("segments", str(tmp_path / "nope.csv")))
    assert "nope.csv: file not found" in line


def test_stdin_is_read():
    result = cli("forecast", "-", "--horizon", "2", "--quiet",
                 input="unique_id,ds,y\na,2024-01-01,1\na,2024-01-02,2\na,2024-01-03,3\n")
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(io.StringIO(result.stdout))) == 2


# ---------------------------------------------------------------------------- any bytes


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=400) | st.text(alphabet=",;\t\n\"' 0123456789-/:.$abcABC€£",
                                          max_size=300).map(str.encode))
def test_any_bytes_are_read_or_refused_with_a_file_error(data):
    for reader in (read_sales, read_order_lines, read_orders, read_stock):
        try:
            read = reader(b"unique_id,ds,y\n" + data if reader is read_sales else data)
        except FileError as err:
            assert str(err).startswith("<data>")
        else:
            assert not read.table.empty
