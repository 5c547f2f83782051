"""The merchant dashboard: session-token gate, demo gate, sections, CSV, framing header."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime

import pytest
from sqlalchemy import select

from connectors.cli.demo import build_demo_app
from connectors.demo_store import DEMO_SHOP
from tests.app_support import API_KEY, API_SECRET, SECRET_KEY, session_token
from webhooks import advice, create_app, demo, shops
from webhooks.queue import huey
from webhooks.storage import CatalogSync, Order, db
from webhooks.tasks.privacy import customers_redact

SECTIONS = ("forecasts", "reorder", "upsell", "orders", "segments", "anomalies")


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    app = build_demo_app(str(tmp_path_factory.mktemp("demo")))
    with app.app_context():
        demo.build()
    yield app
    huey.immediate = False


@pytest.fixture(scope="module")
def plain_app(tmp_path_factory):
    """Not in demo mode; the demo store loaded as an ordinary shop with a token."""
    tmp_path = tmp_path_factory.mktemp("plain")
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": SECRET_KEY,
                      "SHOPIFY_API_KEY": API_KEY, "SHOPIFY_API_SECRET": API_SECRET,
                      "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"})
    with app.app_context():
        demo.build()
        with db().session() as session:
            shops.save_token(session, DEMO_SHOP, "shpat_test", shops.ADMIN)
    return app


def test_demo_home_leads_to_the_demo_dashboard(demo_app):
    client = demo_app.test_client()
    res = client.get("/")
    assert res.status_code == 302 and "/dashboard?shop=" in res.headers["Location"]
    res = client.get("/", follow_redirects=True)
    assert res.status_code == 200
    page = res.get_data(as_text=True)
    for section in SECTIONS:
        assert f"id='{section}'" in page
    assert page.count("<svg class=\"chart\"") == 8 and "class=\"band band-95\"" in page
    assert "units/day" in page and " units</td>" in page and "days</td>" in page
    assert re.search(r"risk-(high|medium)", page)  # the demo's risky orders show
    assert "Demo store." in page
    assert "app-bridge.js" not in page  # not embedded: nothing loaded from the network
    assert res.headers["Content-Security-Policy"] == (
        f"frame-ancestors https://{DEMO_SHOP} https://admin.shopify.com;")


def test_demo_mode_opens_only_the_demo_shop(demo_app):
    client = demo_app.test_client()
    res = client.get("/dashboard?shop=other.myshopify.com&embedded=1")
    assert res.status_code in (302, 401)  # the session-token bounce, or refused
    assert "id='reorder'" not in res.get_data(as_text=True)


def test_outside_demo_mode_a_session_token_is_needed(plain_app):
    client = plain_app.test_client()
    res = client.get(f"/dashboard?shop={DEMO_SHOP}")
    assert res.status_code in (302, 401)
    assert "id='reorder'" not in res.get_data(as_text=True)
    token = session_token(DEMO_SHOP)
    res = client.get(f"/dashboard?shop={DEMO_SHOP}&embedded=1&id_token={token}")
    assert res.status_code == 200
    page = res.get_data(as_text=True)
    assert all(f"id='{s}'" in page for s in SECTIONS)
    assert "app-bridge.js" in page and f"content='{API_KEY}'" in page
    assert res.headers["Content-Security-Policy"].startswith(
        f"frame-ancestors https://{DEMO_SHOP} https://admin.shopify.com")
    assert "Demo store." not in page


def test_reorder_csv_needs_the_signed_link_outside_demo_mode(plain_app):
    client = plain_app.test_client()
    assert client.get(f"/dashboard/reorder.csv?shop={DEMO_SHOP}").status_code == 403
    page = client.get(f"/dashboard?shop={DEMO_SHOP}&embedded=1&id_token="
                      f"{session_token(DEMO_SHOP)}").get_data(as_text=True)
    link = re.search(r"href='(/dashboard/reorder\.csv\?[^']+)'", page).group(1)
    res = client.get(link.replace("&amp;", "&"))
    assert res.status_code == 200 and res.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(res.get_data(as_text=True))))
    assert len(rows) == 28
    assert {"product", "on_hand", "reorder_point", "order_now", "stockout_date"} <= set(rows[0])
    other = link.replace("shelfwise-demo", "other-shop").replace("&amp;", "&")
    assert client.get(other).status_code == 403


def test_demo_csv_download(demo_app):
    res = demo_app.test_client().get(f"/dashboard/reorder.csv?shop={DEMO_SHOP}")
    assert res.status_code == 200
    assert "attachment" in res.headers["Content-Disposition"]


def test_the_60_day_window_is_stated(plain_app):
    with plain_app.app_context(), db().session() as session:
        shop = shops.get_shop(session, DEMO_SHOP)
        session.add(CatalogSync(shop_id=shop.id, stage="done", status="done",
                                orders_since=datetime(2026, 9, 23), finished_at=datetime.now()))
    page = plain_app.test_client().get(
        f"/dashboard?shop={DEMO_SHOP}&embedded=1&id_token={session_token(DEMO_SHOP)}"
    ).get_data(as_text=True)
    assert "id='order-window'" in page and "read_all_orders" in page and "Sep 23, 2026" in page


def test_demo_command_builds_without_serving(tmp_path):
    from click.testing import CliRunner

    from connectors.cli import main

    try:
        res = CliRunner().invoke(main, ["demo", "--no-serve", "--instance", str(tmp_path)])
    finally:
        huey.immediate = False
    assert res.exit_code == 0, res.output
    assert "28 products" in res.output


def test_redacted_orders_leave_the_dashboard(plain_app):
    with plain_app.app_context():
        with db().session() as session:
            shop = shops.get_shop(session, DEMO_SHOP)
            latest = session.scalars(select(Order).where(Order.shop_id == shop.id)
                                     .order_by(Order.created_at.desc()).limit(1)).one()
            order_id, customer = latest.order_id, json.loads(latest.payload)["customer"]
        customers_redact(DEMO_SHOP, {"shop_domain": DEMO_SHOP, "customer": customer,
                                     "orders_to_redact": [int(order_id)]})
        kept = advice.load_insights(shop.id)["orders"][0]
    assert kept and order_id not in {o["order_id"] for o in kept}


def test_recompute_now_in_demo_mode(demo_app):
    client = demo_app.test_client()
    with demo_app.app_context(), db().session() as session:
        shop_id = shops.get_shop(session, DEMO_SHOP).id
    with demo_app.app_context():
        before = advice.load_insights(shop_id)["summary"][1]
    page = client.get(f"/dashboard?shop={DEMO_SHOP}").get_data(as_text=True)
    assert "id='refresh'" in page
    res = client.post(f"/dashboard/refresh?shop={DEMO_SHOP}")
    assert res.status_code == 200 and res.json == {"status": "done"}
    with demo_app.app_context():
        assert advice.load_insights(shop_id)["summary"][1] > before


def test_recompute_now_needs_a_session_token(plain_app, monkeypatch):
    from webhooks.tasks import catalog as catalog_tasks

    asked = []
    monkeypatch.setattr(catalog_tasks, "refresh", lambda shop: asked.append(shop) or "queued")
    client = plain_app.test_client()
    assert client.post(f"/dashboard/refresh?shop={DEMO_SHOP}").status_code in (302, 401)
    assert asked == []
    res = client.post(f"/dashboard/refresh?shop={DEMO_SHOP}",
                      headers={"Authorization": f"Bearer {session_token(DEMO_SHOP)}"})
    assert res.status_code == 202 and asked == [DEMO_SHOP]
