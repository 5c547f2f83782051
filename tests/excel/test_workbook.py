"""The sample workbook: real weekly sales, formulas typed, and the module named for xlwings."""

from __future__ import annotations

import re

import pytest

from tests.conftest import REPO

openpyxl = pytest.importorskip("openpyxl")
WORKBOOK = REPO / "excel_addin" / "workbook" / "shelfwise_demo.xlsm"


def test_workbook_formulas_call_functions_the_module_exports():
    from excel_addin import udfs

    book = openpyxl.load_workbook(WORKBOOK, keep_vba=True)
    sheet = book["Weekly sales"]
    units = [sheet.cell(row, 2).value for row in range(2, sheet.max_row + 1)]
    assert len(units) == 104 and all(isinstance(u, int) and u >= 0 for u in units)
    formulas = [c.value for row in sheet.iter_rows() for c in row
                if isinstance(c.value, str) and c.value.startswith("=")]
    names = {m for f in formulas for m in re.findall(r"([A-Z_]+)\(", f)}
    assert names and names <= set(udfs.__all__)
    assert book["xlwings.conf"]["B1"].value == "excel_addin.udfs"


def test_workbook_folder_config_names_the_module():
    conf = (WORKBOOK.parent / "xlwings.conf").read_text()
    assert conf.strip() == '"UDF Modules","excel_addin.udfs"'
