"""The merchant dashboard: session-token gate, demo gate, sections, CSV, framing header."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import select

from connectors.cli.demo import build_demo_app
from connectors.demo_store import DEMO_SHOP
from tests.app_support import API_KEY, API_SECRET, SECRET_KEY, SHOP, bearer, session_token
from webhooks import advice, create_app, dashboard, demo, shops
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
def plain_app(demo_app, tmp_path_factory):
    """Not in demo mode: the demo store's database opened as an ordinary shop with a token
    (the models run once for both apps)."""
    tmp_path = tmp_path_factory.mktemp("plain")
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": SECRET_KEY,
                      "SHOPIFY_API_KEY": API_KEY, "SHOPIFY_API_SECRET": API_SECRET,
                      "DATABASE_URL": demo_app.config["DATABASE_URL"]})
    with app.app_context(), db().session() as session:
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
                      headers=bearer(session_token(DEMO_SHOP)))
    assert res.status_code == 202 and asked == [DEMO_SHOP]


# --- the pages are templates: same page as the f-string version, no markup in Python ---------

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "dashboard"


class _Page(HTMLParser):
    """A page as a list of elements (tag, attributes) and texts, whitespace normalised."""

    def __init__(self):
        super().__init__()
        self.items: list[tuple] = []
        self._text = ""

    def _flush(self):
        if " ".join(self._text.split()):
            self.items.append(("text", " ".join(self._text.split())))
        self._text = ""

    def handle_starttag(self, tag, attrs):
        self._flush()
        attrs = {k: re.sub(r"&sig=[^&]+", "&sig=…", v or "") for k, v in attrs}
        if not (tag == "link" or (tag == "script" and "src" in attrs)):  # now static files
            self.items.append((tag, sorted(attrs.items())))

    def handle_endtag(self, tag):
        self._flush()
        if tag != "script":
            self.items.append(("/" + tag,))

    def handle_data(self, data):
        self._text += data


def _elements(html: str) -> list[tuple]:
    page = _Page()
    page.feed(re.sub(r"<(script|style)>.*?</\1>", "", html, flags=re.S))  # inline, before
    page.close()
    return page.items


def _stored_insights() -> dict:
    """The stored advice behind tests/data/dashboard/before.html (a slice of the demo's)."""
    fixture = json.loads((REFERENCE / "insights.json").read_text(encoding="utf-8"))
    computed = datetime.fromisoformat(fixture.pop("computed"))
    insights = {kind: (content, computed) for kind, content in fixture.items()
                if kind != "window"}
    insights["_window"] = (datetime.fromisoformat(fixture["window"]), None)
    return insights


def test_the_page_is_the_one_the_f_strings_wrote(client, token, monkeypatch):
    """before.html was rendered by the f-string dashboard (commit 4a5bcb4^) from
    insights.json; the templates give the same elements, attributes and texts."""
    monkeypatch.setattr(dashboard, "_insights", lambda domain: _stored_insights())
    res = client.get(f"/dashboard?shop={SHOP}&embedded=1&id_token={session_token(SHOP)}")
    assert res.status_code == 200
    before = (REFERENCE / "before.html").read_text(encoding="utf-8")
    assert _elements(res.get_data(as_text=True)) == _elements(before)


def test_typical_revenue_is_the_models_expected_value(client, token, monkeypatch):
    insights = _stored_insights()
    insights["anomalies"] = ([{"ds": "2026-11-03", "amount": 99.0, "score": 4.0,
                               "reason": "Tuesday's revenue is high", "expected": 12.5}], None)
    monkeypatch.setattr(dashboard, "_insights", lambda domain: insights)
    page = client.get(f"/dashboard?shop={SHOP}&embedded=1&id_token={session_token(SHOP)}"
                      ).get_data(as_text=True)
    assert "<td class='num'>about 12.50 USD</td>" in page


def test_styles_and_scripts_are_static_files(client):
    for name, mimetype in (("shelfwise.css", "text/css"), ("dashboard.js", "text/javascript")):
        res = client.get(f"/static/{name}")
        assert res.status_code == 200 and res.mimetype == mimetype
        res.close()


MARKUP = re.compile(r"<(!doctype|html|head|body|div|p|span|table|tr|td|th|ul|li|svg|g|line|text|"
                    r"rect|polyline|polygon|circle|section|script|style|figure|h[1-6]|code|"
                    r"strong|a|button|main|header|footer)[\s>/]", re.IGNORECASE)


def test_no_html_or_css_inside_the_apps_python():
    package = Path(dashboard.__file__).resolve().parent
    found = [f"{path.relative_to(package)}:{n}: {line.strip()}"
             for path in sorted(package.rglob("*.py"))
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if MARKUP.search(line) or re.search(r"\{[^{}]*:[^{}]*;[^{}]*\}", line)
             and "px" in line]
    assert found == []


def test_demo_recompute_runs_once_at_a_time(demo_app):
    """While one recompute runs, another click is told so instead of starting a second."""
    from webhooks.queue import huey as queue

    client = demo_app.test_client()
    with queue.lock_task(f"shelfwise-recompute-{DEMO_SHOP}"):
        res = client.post(f"/dashboard/refresh?shop={DEMO_SHOP}")
    assert res.status_code == 202 and res.json == {"status": "running"}
