"""A 10,000-order store syncs and gets all its advice written back in under 2 minutes.

The same run as `benchmarks/shopify_sync.py` (whose numbers are in benchmarks/RESULTS.md):
bulk operations against the stand-in, ingestion into SQLite, every model, metafieldsSet.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "shopify_sync.py"


def test_ten_thousand_orders_sync_and_write_back_in_under_two_minutes():
    spec = importlib.util.spec_from_file_location("shopify_sync_bench", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    result = bench.run(orders=10_000, products=300, variants=2)
    assert result["orders"] == 10_000 and result["variants"] == 600
    # every product gets its companions, every variant its three numbers
    assert result["metafields"] == 300 + 3 * 600
    assert result["batches"] == -(-result["metafields"] // 25)
    assert result["total_s"] < 120, result
