"""One advice path: the CLI, Excel and the app's recommend job give the same numbers.

The demo store (the bundled M5 sample in Shopify's shapes, 12 items) goes through `shelfwise advise`
(its orders as JSON Lines), through Excel's ADVICE (its tables as ranges) and through the
app's recommend job (stored in a real SQLite file by demo mode). Forecasts, reorder points,
upsell pairs and segment labels must agree for the same items, and in every surface an
item's forecast_30_days and reorder_point come from one model, named beside them.
"""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
from click.testing import CliRunner

from connectors import demo_store
from connectors.cli import main as cli
from connectors.shopify.catalog import gid
from connectors.shopify.orders import daily_sales, order_lines, orders_table, parse_orders
from tests.excel_harness import call
from webhooks import advice, demo, shops
from webhooks.storage import db

TODAY = date(2026, 1, 15)
AS_OF = datetime(2026, 1, 15)


def excel_range(table: pd.DataFrame) -> tuple:
    """A table as Excel passes a range: a header row, then rows of cells."""
    rows = table.astype(object).where(table.notna(), None).to_numpy().tolist()
    cells = [[v.to_pydatetime() if isinstance(v, pd.Timestamp) else v for v in row]
             for row in rows]
    return tuple(tuple(r) for r in [list(table.columns), *cells])


def spilled(out: list) -> pd.DataFrame:
    assert isinstance(out, list), out
    return pd.DataFrame(out[1:], columns=out[0])


def by_item(table: pd.DataFrame, key: str = "unique_id") -> pd.DataFrame:
    return table.set_index(key).sort_index()


def small_demo(monkeypatch, tmp_path):
    """The demo store on 12 of its items and its last 150 days (the test stays quick)."""
    sales = pd.read_csv(demo_store.SAMPLE, parse_dates=["ds"])
    keep = sorted(sales["unique_id"].unique())[::2][:12]
    sales = sales[sales["unique_id"].isin(keep) & (sales["ds"] > sales["ds"].max()
                                                    - pd.Timedelta(days=150))]
    sample = tmp_path / "sample.csv"
    sales.to_csv(sample, index=False, date_format="%Y-%m-%d")
    build = demo_store.build
    monkeypatch.setattr(demo_store, "build", lambda today=None: build(today, sample=sample))
    return len(keep)


def test_cli_excel_and_app_agree_on_the_demo_store(app, tmp_path, udfs, monkeypatch):
    items = small_demo(monkeypatch, tmp_path)
    store = demo_store.build(TODAY)
    sku_of = dict(zip(store.products["variant_gid"], store.products["sku"], strict=True))

    # the command line, from the orders as Shopify sends them
    orders_file, stock_file = demo_store.write_files(store, tmp_path)
    run = CliRunner().invoke(cli, ["advise", str(orders_file), "--inventory", str(stock_file),
                                   "--as-of", "2026-01-15", "-o", str(tmp_path / "report")])
    assert run.exit_code == 0, run.output
    report = {name: pd.read_csv(tmp_path / "report" / f"{name}.csv", dtype={"customer_id": str})
              for name in ("reorder", "forecast", "upsell", "segments")}

    # Excel, from the same orders laid out as sheets
    records = parse_orders(store.orders)
    lines = order_lines(records)
    lines["item"] = lines["sku"]
    sheets = {"sales": daily_sales(lines, "item"),
              "stock": store.products.rename(columns={"sku": "unique_id"})[
                  ["unique_id", "on_hand"]],
              "orders": orders_table(records)[["customer_id", "created_at", "amount"]],
              "lines": lines[["order_id", "product_id", "created_at"]]}
    ranges = [excel_range(sheets[k]) for k in ("sales", "stock", "orders", "lines")]
    excel = {name: spilled(call(udfs.ADVICE, name, *ranges, 7.0, AS_OF))
             for name in ("reorder", "forecast", "upsell", "segments")}

    # the app's recommend job on its stored copy of the store
    with app.app_context():
        demo.load(TODAY)
        result = advice.recommend(demo_store.DEMO_SHOP, write=False, as_of=AS_OF)
        with db().session() as session:
            shop_id = shops.get_shop(session, demo_store.DEMO_SHOP).id
        stored = {k: v for k, (v, _) in advice.load_insights(shop_id).items()}
    app_plan = pd.DataFrame([{"unique_id": sku_of[v], **values} for v, values in
                             stored["writeback"]["variants"].items()])
    app_rows = by_item(pd.DataFrame(stored["reorder"]).assign(
        unique_id=lambda t: t["variant_gid"].map(sku_of)))

    # reorder points and 30-day forecasts: identical in the three surfaces
    cli_plan, xl_plan = by_item(report["reorder"]), by_item(excel["reorder"])
    assert len(cli_plan) == len(xl_plan) == len(app_plan) == items
    for col in ("reorder_point", "order_quantity", "forecast_30_days", "order_now"):
        assert np.array_equal(cli_plan[col].to_numpy(float), xl_plan[col].to_numpy(float)), col
    for col in ("reorder_point", "order_quantity", "forecast_30_days"):
        assert np.array_equal(by_item(app_plan)[col].to_numpy(float),
                              cli_plan[col].to_numpy(float)), col
    assert (app_rows["reorder_point"] == np.ceil(cli_plan["reorder_point"])).all()
    assert (app_rows["model"] == cli_plan["model"]).all()
    assert (xl_plan["model"] == cli_plan["model"]).all()

    # one model per item: its forecast sums to forecast_30_days and carries the plan's model
    for fc, plan in ((report["forecast"], cli_plan), (excel["forecast"], xl_plan)):
        per_item = fc.groupby("unique_id")
        assert np.allclose(per_item["forecast"].sum()[plan.index], plan["forecast_30_days"],
                           rtol=1e-12)
        assert (per_item["model"].first()[plan.index] == plan["model"]).all()
    assert np.array_equal(report["forecast"]["forecast"].to_numpy(float),
                          excel["forecast"]["forecast"].to_numpy(float))
    for chart in stored["forecast"]:
        mine = report["forecast"][report["forecast"]["unique_id"] == sku_of[chart["variant_gid"]]]
        assert np.allclose([f[1] for f in chart["forecast"]], mine["forecast"], atol=5e-4)
        assert chart["model"] == mine["model"].iloc[0]

    # upsell pairs: the same companions in the same order
    def pairs(table: pd.DataFrame) -> list:
        best = table[table["rank"] <= advice.COMPANIONS]
        return sorted(zip(best["product_id"], best["rank"].astype(int),
                          best["recommended_id"], strict=True))

    assert len(pairs(report["upsell"])) >= items and pairs(report["upsell"]) == pairs(
        excel["upsell"])
    assert sorted((p, rank, r) for p, recs in stored["writeback"]["products"].items()
                  for rank, r in enumerate(recs, start=1)) == pairs(report["upsell"])

    # segment labels: the same label for every customer
    cli_labels = dict(zip(report["segments"]["customer_id"], report["segments"]["segment"],
                          strict=True))
    xl_labels = dict(zip(excel["segments"]["customer_id"].astype(str),
                         excel["segments"]["segment"], strict=True))
    app_labels = {c.rsplit("/", 1)[-1]: s for c, s in result.customer_segments.items()}
    assert len(cli_labels) > 50 and cli_labels == xl_labels == app_labels
    assert gid("Customer", next(iter(cli_labels))) in result.customer_segments
