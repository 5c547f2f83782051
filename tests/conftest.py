"""Shared fixtures: the bundled sample sales and the Excel harness."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
SAMPLE_SALES = REPO / "connectors" / "samples" / "store_daily_sales.csv"


@pytest.fixture
def udfs(monkeypatch):
    """`excel_addin.udfs` as Excel sees it: decorator options applied, conversion real."""
    from tests.excel_harness import load_udfs

    return load_udfs(monkeypatch)
