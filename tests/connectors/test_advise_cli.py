"""`shelfwise advise`: one command, every decision, as a folder of CSVs or one workbook."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import numpy as np
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from connectors.cli import main
from tests.conftest import REPO

FIXTURES = REPO / "tests" / "fixtures"
DECISIONS = ["reorder", "forecast", "upsell", "segments", "anomalies", "revenue", "fraud"]
SKUS = ["TEA-1", "MUG-2", "POT-3", "CUP-4"]


def shop_orders(days: int = 120, seed: int = 4) -> list[dict]:
    """Webhook bodies of a small shop: 4 SKUs, 40 customers, tea often bought with a mug."""
    rng = np.random.default_rng(seed)
    start, orders = datetime(2025, 3, 1, 9), []
    for day in range(days):
        for k in range(int(rng.integers(2, 7))):
            first = int(rng.integers(0, 4))
            items = [first, 1] if first == 0 and rng.random() < 0.6 else [first]
            n = len(orders) + 1
            lines = [{"id": 10 * n + j, "product_id": 100 + i, "variant_id": 200 + i,
                      "sku": SKUS[i], "title": SKUS[i], "quantity": int(rng.integers(1, 3)),
                      "price": "9.50"} for j, i in enumerate(items)]
            customer = int(rng.integers(1, 41))
            orders.append({
                "id": 1000 + n, "name": f"#{1000 + n}", "currency": "EUR",
                "created_at": (start + timedelta(days=day, hours=k)).isoformat() + "Z",
                "total_price": f"{9.5 * sum(li['quantity'] for li in lines):.2f}",
                "email": f"c{customer}@example.com",
                "customer": {"id": 500 + customer, "email": f"c{customer}@example.com"},
                "line_items": lines})
    return orders


@pytest.fixture(scope="module")
def orders_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("shop") / "orders.jsonl"
    path.write_text("".join(json.dumps(o) + "\n" for o in shop_orders()), encoding="utf-8")
    return path


def advise(*args: str):
    return CliRunner().invoke(main, ["advise", *args, "--quiet"])


def test_json_lines_give_a_folder_with_every_decision(orders_file, tmp_path):
    stock = tmp_path / "stock.csv"
    stock.write_text("unique_id,on_hand,lead_time\nTEA-1,80,5\nMUG-2,3,\n", encoding="utf-8")
    out = tmp_path / "report"
    result = advise(str(orders_file), "--inventory", str(stock), "-o", str(out),
                    "--lead-time", "10")
    assert result.exit_code == 0, result.output
    assert sorted(p.stem for p in out.iterdir()) == sorted(DECISIONS)
    plan = pd.read_csv(out / "reorder.csv").set_index("unique_id")
    fc = pd.read_csv(out / "forecast.csv")
    assert sorted(plan.index) == sorted(SKUS)
    assert plan.loc["POT-3", "on_hand"] == 0 and plan.loc["TEA-1", "on_hand"] == 80
    days = fc.groupby("unique_id")
    assert (days.size() == 30).all()
    assert np.allclose(days["forecast"].sum()[plan.index], plan["forecast_30_days"])
    assert (days["model"].first()[plan.index] == plan["model"]).all()
    upsell = pd.read_csv(out / "upsell.csv")
    top = upsell[(upsell["rank"] == 1)].set_index("product_id")["recommended_id"]
    assert top["gid://shopify/Product/100"] == "gid://shopify/Product/101"  # tea -> mug
    assert len(pd.read_csv(out / "fraud.csv")) == 20
    assert pd.read_csv(out / "segments.csv")["customer_id"].nunique() == 40


def test_an_xlsx_has_a_sheet_per_decision(orders_file, tmp_path):
    book = tmp_path / "weekly.xlsx"
    result = advise(str(orders_file), "-o", str(book), "--as-of", "2025-06-01",
                    "--horizon", "14")
    assert result.exit_code == 0, result.output
    sheets = openpyxl.load_workbook(book, read_only=True)
    assert sheets.sheetnames == DECISIONS
    reorder = pd.read_excel(book, sheet_name="reorder")
    forecast = pd.read_excel(book, sheet_name="forecast")
    assert {"reorder_point", "forecast_30_days", "model"} <= set(reorder.columns)
    assert forecast["ds"].min() == "2025-06-01" and len(forecast) == 14 * 4


def test_an_order_export_and_an_inventory_export(tmp_path):
    out = tmp_path / "report"
    result = advise(str(FIXTURES / "shopify_orders_export.csv"), "--inventory",
                    str(FIXTURES / "shopify_inventory_export.csv"), "-o", str(out))
    assert result.exit_code == 0, result.output
    plan = pd.read_csv(out / "reorder.csv")
    assert len(plan) and plan["model"].notna().all() and (plan["reorder_point"] >= 0).all()
    assert plan["on_hand"].gt(0).any()


def test_bad_orders_exit_2_naming_the_line_and_field(orders_file, tmp_path):
    lines = orders_file.read_text().splitlines()
    bad = json.loads(lines[4])
    bad.pop("created_at")
    lines[4] = json.dumps(bad)
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n")
    result = advise(str(path), "-o", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "bad.jsonl, line 5, field 'created_at'" in result.output
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_country_keeps_its_public_holidays_out_of_the_unusual_days(tmp_path):
    """Closed on Good Friday and Easter Monday 2025: unusual, unless the shop is German."""
    easter = ("2025-04-18", "2025-04-21")
    path = tmp_path / "orders.jsonl"
    path.write_text("".join(json.dumps(o) + "\n" for o in shop_orders()
                            if o["created_at"][:10] not in easter), encoding="utf-8")
    unusual = {}
    for country in (None, "DE"):
        out = tmp_path / f"report-{country}"
        result = advise(str(path), "-o", str(out), *(["--country", country] if country else []))
        assert result.exit_code == 0, result.output
        unusual[country] = set(pd.read_csv(out / "anomalies.csv")["ds"])
    assert set(easter) <= unusual[None]
    assert not set(easter) & unusual["DE"]


def test_an_unknown_country_exits_2_naming_it(orders_file, tmp_path):
    result = advise(str(orders_file), "--country", "XX", "-o", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "'--country': country 'XX' is not a country code" in result.output
    assert not (tmp_path / "out").exists()


def test_bulk_export_rows_read_like_webhooks(tmp_path):
    rows = []
    for order in shop_orders(days=60):
        gid = f"gid://shopify/Order/{order['id']}"
        rows.append({"id": gid, "name": order["name"], "createdAt": order["created_at"],
                     "email": order["email"],
                     "totalPriceSet": {"shopMoney": {"amount": order["total_price"],
                                                     "currencyCode": "EUR"}},
                     "customer": {"id": f"gid://shopify/Customer/{order['customer']['id']}"}})
        for li in order["line_items"]:
            rows.append({"id": f"gid://shopify/LineItem/{li['id']}", "__parentId": gid,
                         "sku": li["sku"], "quantity": li["quantity"],
                         "product": {"id": f"gid://shopify/Product/{li['product_id']}"},
                         "variant": {"id": f"gid://shopify/ProductVariant/{li['variant_id']}"},
                         "originalUnitPriceSet": {"shopMoney": {"amount": li["price"]}}})
    rows.append(rows.pop(1))  # a child after its parent's neighbours, as Shopify may
    bulk, hooks = tmp_path / "bulk.jsonl", tmp_path / "hooks.jsonl"
    bulk.write_text("".join(json.dumps(r) + "\n" for r in rows))
    hooks.write_text("".join(json.dumps(o) + "\n" for o in shop_orders(days=60)))
    for path in (bulk, hooks):
        assert advise(str(path), "-o", str(tmp_path / path.stem)).exit_code == 0
    for name in ("reorder", "segments"):
        pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "bulk" / f"{name}.csv"),
                                      pd.read_csv(tmp_path / "hooks" / f"{name}.csv"))


def test_demo_export_writes_what_advise_reads(tmp_path):
    result = CliRunner().invoke(main, ["demo", "--export", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    orders = (tmp_path / "demo" / "orders.jsonl").read_text().splitlines()
    stock = pd.read_csv(tmp_path / "demo" / "inventory.csv")
    assert len(orders) > 1000 and json.loads(orders[0])["line_items"]
    assert len(stock) == 28 and {"unique_id", "on_hand"} <= set(stock.columns)


def test_an_export_without_customers_still_gets_its_advice(tmp_path):
    """Square sales without customer ids: every decision but the segments, not an exit 2."""
    sales = pd.read_csv(FIXTURES / "square_items.csv", dtype=str, keep_default_na=False)
    sales["Customer ID"] = ""
    source = tmp_path / "items.csv"
    sales.to_csv(source, index=False)
    result = CliRunner().invoke(main, ["advise", str(source), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    reorder = pd.read_csv(tmp_path / "out" / "reorder.csv")
    assert len(reorder) > 0
    assert pd.read_csv(tmp_path / "out" / "segments.csv").empty
    assert "guests too" in result.stderr
