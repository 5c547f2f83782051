"""Benchmark: full sync and write-back of a 10,000-order store against the Shopify stand-in.

    .venv/bin/python benchmarks/shopify_sync.py [--orders 10000] [--products 300]

Runs in the project's own environment (it needs the test extras: graphql-core). The
stand-in (tests/shopify_bulk.py) validates every document against the Admin schema,
executes the bulk queries with graphql-core and serves the JSON Lines files over loopback
HTTP; the app polls the bulk operations, ingests the files into SQLite, runs the
forecasts, the reorder plan, upsell and risk models, and writes the metafields back in
batches of 25. Prints one Markdown table row per stage.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def run(orders: int = 10_000, products: int = 300, variants: int = 2,
        poll: float = 0.2) -> dict:
    """Sync and recommend once; seconds per stage and the counts."""
    from tests.app_support import API_KEY, API_SECRET, SHOP, app_config
    from tests.shopify_bulk import BulkStandIn, make_store
    from webhooks import advice, catalog, create_app, shops
    from webhooks.storage import db

    store = make_store(n_orders=orders, n_products=products, variants_per_product=variants,
                       days=365)
    with BulkStandIn(API_KEY, API_SECRET, store=store) as standin, \
            tempfile.TemporaryDirectory() as tmp:
        app = create_app(app_config(tmp, standin.origin))
        token = standin.add_token(SHOP)
        with app.app_context():
            with db().session() as session:
                shops.save_token(session, SHOP, token, shops.ADMIN)
            started = time.perf_counter()
            summary = catalog.sync_now(SHOP, interval=poll)
            synced = time.perf_counter()
            result = advice.recommend(SHOP)
            done = time.perf_counter()
        assert standin.rejected == [], standin.rejected[:1]
        return {"orders": summary["counts"]["orders"],
                "line_items": summary["counts"]["line_items"],
                "products": summary["counts"]["products"],
                "variants": summary["counts"]["variants"],
                "metafields": result.metafields_written,
                "calls": len(standin.calls), "batches": len(standin.metafield_batches),
                "sync_s": synced - started, "recommend_s": done - synced,
                "total_s": done - started, "stages": result.seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--products", type=int, default=300)
    parser.add_argument("--variants", type=int, default=2)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    r = run(args.orders, args.products, args.variants)
    print("| orders | line items | products / variants | metafields (calls of 25) | "
          "sync | recommend + write-back | total |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {r['orders']:,} | {r['line_items']:,} | {r['products']} / {r['variants']} | "
          f"{r['metafields']:,} ({r['batches']}) | {r['sync_s']:.1f} s | "
          f"{r['recommend_s']:.1f} s | {r['total_s']:.1f} s |")
    print(f"recommend stages (s): {r['stages']}; GraphQL calls: {r['calls']}")


if __name__ == "__main__":
    main()
