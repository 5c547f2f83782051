"""Exports as shops have them: reshaping steps before each command, and reader speed.

1. For each sample export layout (tests/fixtures/exports.py: real headers, generated rows), run
   forecast, reorder, upsell and segments on the file as exported and on the same data in
   canonical columns; count the reshaping steps a user needs before the answers agree (zero
   when the export as exported gives the canonical answer).
2. Time each reader (sales, order lines, orders) on a generated 1,000,000-line Shopify orders
   export with the real 79-column header (continuation rows, DST offsets, cancelled and
   refunded orders), and each other line layout at the same size.

Run: .venv/bin/python benchmarks/exports.py [--lines 1000000] [--skip-steps]
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connectors.cli import main  # noqa: E402
from connectors.readers import read_order_lines, read_orders, read_sales  # noqa: E402
from tests.fixtures import exports as ex  # noqa: E402

CONTRACT = {
    "forecast": ["unique_id", "ds", "forecast", "lo_80", "hi_80", "lo_95", "hi_95", "model"],
    "reorder": ["unique_id", "mean_demand", "safety_stock", "reorder_point", "order_quantity",
                "order_now"],
    "upsell": ["product_id", "rank", "recommended_id", "score", "support", "confidence",
               "lift"],
    "segments": ["customer_id", "recency_days", "frequency", "monetary", "r_score", "f_score",
                 "m_score", "segment"],
}


def _run(*args: str) -> pd.DataFrame | None:
    result = CliRunner().invoke(main, [*args, "--quiet"])
    if result.exit_code != 0:
        return None
    return pd.read_csv(io.StringIO(result.stdout), dtype={"customer_id": str})


def _same(a: pd.DataFrame | None, b: pd.DataFrame | None, cols: list[str]) -> bool:
    if a is None or b is None:
        return False
    try:
        pd.testing.assert_frame_equal(a[cols], b[cols])
    except (AssertionError, KeyError):
        return False
    return True


def reshaping_steps(folder: Path) -> pd.DataFrame:
    """0 when the export as exported gives the canonical answer; 'refused'/'differs' else."""
    no_returns = ex.make_shop(days=70, returns=False)
    paid = ex.make_shop(days=70, statuses=False)
    plain = ex.make_shop(days=70, statuses=False, returns=False)
    cases = {
        "shopify-orders": (ex.write_shopify_orders(no_returns), no_returns, ""),
        "square-items (35 columns)": (ex.write_square_items(paid), paid, "square-items"),
        "square-items (33 columns)": (ex.write_square_items(paid, columns=33), paid,
                                      "square-items"),
        "etsy-items": (ex.write_etsy_items(plain), plain, "etsy-items"),
        "woocommerce-orders": (ex.write_woocommerce_orders(no_returns), no_returns, ""),
        "woocommerce-orders (decimal comma, ;)": (
            ex.write_woocommerce_orders(no_returns, comma=True), no_returns, ""),
        "invoice-lines (C invoices)": (ex.write_invoice_lines(paid), paid, "invoice-lines"),
        "invoice-lines (dd/mm/yyyy)": (ex.write_invoice_lines(paid, date_format="%d/%m/%Y "
                                                              "%H:%M"), paid, "invoice-lines"),
    }
    stock = ex.make_stock()
    inventory = folder / "inventory_export_1.csv"
    inventory.write_text(ex.write_shopify_inventory(stock))
    items = folder / "items.csv"
    items.write_text(ex.canonical_items(ex.stock_totals(stock), 7))
    rows = []
    for name, (text, shop, fmt) in cases.items():
        export = folder / "export.csv"
        export.write_text(text)
        sales, lines, orders = (folder / f"{k}.csv" for k in ("sales", "lines", "orders"))
        sales.write_text(ex.canonical_sales(shop))
        lines.write_text(ex.canonical_lines(shop))
        orders.write_text(ex.canonical_orders(shop, fmt))
        pairs = {
            "forecast": (("forecast", str(export), "--horizon", "7"),
                         ("forecast", str(sales), "--horizon", "7")),
            "reorder": (("reorder", "--history", str(export), "--inventory", str(inventory),
                         "--lead-time", "7"),
                        ("reorder", "--history", str(sales), "--items", str(items))),
            "upsell": (("upsell", str(export)), ("upsell", str(lines))),
            "segments": (("segments", str(export)), ("segments", str(orders))),
        }
        row = {"export": name}
        for command, (as_exported, canonical) in pairs.items():
            got = _run(*as_exported)
            row[command] = 0 if _same(got, _run(*canonical), CONTRACT[command]) else \
                ("refused" if got is None else "differs")
        rows.append(row)
        print(row, flush=True)
    return pd.DataFrame(rows)


def ambiguous_dates(folder: Path) -> pd.DataFrame:
    """A file whose dates prove neither order is refused naming the fix; the fix gives the
    canonical answer."""
    shop = ex.make_shop(days=12, statuses=False, returns=False)  # 08/09 .. 19/09: day > 12 late
    shop = shop[shop["created_at"].dt.day <= 12]
    export = folder / "ambiguous.csv"
    export.write_text(ex.write_invoice_lines(shop, date_format="%d/%m/%Y %H:%M"))
    sales = folder / "sales.csv"
    sales.write_text(ex.canonical_sales(shop))
    refused = CliRunner().invoke(main, ["forecast", str(export), "--horizon", "3"])
    fixed = _run("forecast", str(export), "--horizon", "3", "--dayfirst")
    same = _same(fixed, _run("forecast", str(sales), "--horizon", "3"), CONTRACT["forecast"])
    return pd.DataFrame([{"file": "invoice lines, every day 12 or less", "exit": refused.exit_code,
                          "message": refused.stderr.strip(), "with --dayfirst": "canonical answer"
                          if same else "differs"}])


REAL = Path("/work/shared/data")
REAL_RUNS = [  # (file, command arguments after the file, options a user adds)
    ("online_retail_samples/online_retail_first10k_rows.csv", ["forecast", "--horizon", "7"], []),
    ("online_retail_samples/online_retail_first10k_rows.csv", ["upsell"], []),
    ("online_retail_samples/online_retail_random20k_lines.csv", ["segments"], []),
    ("breadbasket/BreadBasket_DMS.csv", ["upsell"],
     ["--columns", "order_id=Transaction,product_id=Item,created_at=Date+Time"]),
    ("breadbasket/BreadBasket_DMS.csv", ["forecast", "--horizon", "7"],
     ["--columns", "product_id=Item,created_at=Date,order_id=Transaction"]),
    ("superstore/Sample - Superstore.csv", ["forecast", "--horizon", "3"],
     ["--columns", "unique_id=Category,ds=Order Date,y=Quantity"]),
    ("superstore/Sample - Superstore.csv", ["segments"],
     ["--columns", "order_id=Order ID,customer_id=Customer ID,created_at=Order Date,"
                   "amount=Sales"]),
    ("pizza_orders/order_details.csv", ["upsell"], ["--columns", "product_id=pizza_id"]),
]


def real_files() -> pd.DataFrame:
    """Public files as downloaded (see each folder's SOURCES.md): options needed, outcome."""
    rows = []
    for name, command, options in REAL_RUNS:
        path = REAL / name
        if not path.exists():
            continue
        result = CliRunner().invoke(main, [command[0], str(path), *command[1:], *options])
        summary = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else ""
        rows.append({"file": name, "command": command[0],
                     "options added": " ".join(options) or "none",
                     "exit": result.exit_code, "stderr": summary[:160]})
        print(rows[-1], flush=True)
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------- big exports


def big_shopify_orders(n_lines: int, seed: int = 1) -> bytes:
    """A Shopify orders export of `n_lines` line rows: 79 columns, continuation rows, London
    offsets (+0100 in summer, +0000 in winter), 2 % cancelled and 2 % refunded orders."""
    rng = np.random.default_rng(seed)
    per_order = rng.integers(1, 4, size=n_lines)  # lines per order, trimmed to n_lines
    ends = np.cumsum(per_order)
    per_order = per_order[: np.searchsorted(ends, n_lines) + 1]
    per_order[-1] -= ends[len(per_order) - 1] - n_lines
    n_orders = len(per_order)
    order = np.repeat(np.arange(n_orders), per_order)
    first = np.r_[True, order[1:] != order[:-1]]
    start = pd.Timestamp("2024-01-01")
    seconds = np.sort(rng.integers(0, 365 * 86400, size=n_orders))
    when = start + pd.to_timedelta(seconds, unit="s")
    summer = (when >= pd.Timestamp("2024-03-31 01:00")) & (when < pd.Timestamp("2024-10-27 01:00"))
    created = when.strftime("%Y-%m-%d %H:%M:%S").to_numpy().astype(object) + \
        np.where(summer, " +0100", " +0000")
    skus = np.array([f"SKU-{i:04d}" for i in range(2000)])
    status = rng.choice(["paid", "refunded", "partially_refunded", "pending"], size=n_orders,
                        p=[0.9, 0.02, 0.05, 0.03])
    cancelled = np.where(rng.random(n_orders) < 0.02, created, "")
    email = np.array([f"c{i}@example.com" for i in rng.integers(0, 200_000, size=n_orders)],
                     dtype=object)
    price = rng.integers(100, 5000, size=n_lines) / 100
    qty = rng.integers(1, 4, size=n_lines)
    total = np.bincount(order, weights=price * qty)
    frame = pd.DataFrame({h: "" for h in ex.SHOPIFY_ORDERS_HEADER}, index=range(n_lines))
    frame["Name"] = np.char.add("#", (order + 1001).astype(str))
    frame["Email"] = email[order]
    frame["Created at"] = created[order]
    frame["Lineitem quantity"] = qty
    frame["Lineitem sku"] = skus[rng.integers(0, len(skus), size=n_lines)]
    frame["Lineitem name"] = frame["Lineitem sku"].str.replace("SKU-", "Product ")
    frame["Lineitem price"] = np.char.mod("%.2f", price)
    frame["Vendor"] = "Bench"
    for col, values in {"Financial Status": status[order], "Currency": "GBP",
                        "Total": np.char.mod("%.2f", total[order]),
                        "Subtotal": np.char.mod("%.2f", total[order]),
                        "Cancelled at": cancelled[order]}.items():
        frame[col] = np.where(first, values, "")
    return frame.to_csv(index=False).encode()


def time_readers(n_lines: int) -> pd.DataFrame:
    rows = []
    t0 = time.perf_counter()
    data = big_shopify_orders(n_lines)
    print(f"generated {n_lines:,} Shopify lines ({len(data) / 1e6:.0f} MB) in "
          f"{time.perf_counter() - t0:.1f} s", flush=True)
    samples = {"shopify-orders": data}
    small = ex.make_shop(days=30, statuses=False)
    small_plain = small[~small["is_return"]]
    for name, writer, shop in (("square-items", ex.write_square_items, small),
                               ("etsy-items", ex.write_etsy_items, small_plain),
                               ("woocommerce-orders", ex.write_woocommerce_orders, small_plain),
                               ("invoice-lines", ex.write_invoice_lines, small)):
        text = writer(shop)
        header, body = text.split("\n", 1)
        reps = int(np.ceil(n_lines / max(body.count("\n"), 1)))
        lines = (body * reps).split("\n")[:n_lines]
        samples[name] = (header + "\n" + "\n".join(lines) + "\n").encode()
    for name, blob in samples.items():
        for reader in (read_sales, read_order_lines, read_orders):
            start, cpu = time.perf_counter(), time.process_time()
            read = reader(blob)
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            rows.append({"layout": name, "reader": reader.__name__,
                         "lines": f"{n_lines:,}", "MB": round(len(blob) / 1e6),
                         "wall s": round(seconds, 1), "CPU s": round(cpu, 1),
                         "rows out": f"{len(read.table):,}"})
            print(rows[-1], flush=True)
    return pd.DataFrame(rows)


def main_() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--skip-steps", action="store_true")
    parser.add_argument("--skip-timing", action="store_true")
    args = parser.parse_args()
    if not args.skip_steps:
        with tempfile.TemporaryDirectory() as tmp:
            steps = reshaping_steps(Path(tmp))
            ambiguous = ambiguous_dates(Path(tmp))
        print("\nReshaping steps before each command gives the canonical answer:")
        print(_markdown(steps))
        print("\nAmbiguous dates:")
        print(_markdown(ambiguous))
        print("\nPublic files as downloaded:")
        print(_markdown(real_files()))
    if args.skip_timing:
        return
    timings = time_readers(args.lines)
    print(f"\nReaders on {args.lines:,}-line exports:")
    print(_markdown(timings))
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


def _markdown(table: pd.DataFrame) -> str:
    """A GitHub table without the tabulate package."""
    head = "| " + " | ".join(map(str, table.columns)) + " |"
    rule = "|" + "---|" * len(table.columns)
    body = ["| " + " | ".join(map(str, row)) + " |" for row in table.itertuples(index=False)]
    return "\n".join([head, rule, *body])


if __name__ == "__main__":
    main_()
