"""Attacks on the running app beyond the review's list (QA): each one broke something once.

Each test sends what a hostile client could send and checks the app answers with a short
refusal (never a 500 or a traceback) and keeps working for honest requests.
"""

from __future__ import annotations

import socket
import time

from sqlalchemy.engine import make_url

from tests.app_support import API_SECRET, SHOP, bearer, session_token

# --- session tokens ----------------------------------------------------------------------------

def test_a_signed_token_with_a_non_text_dest_is_401_not_500(client):
    for dest in (5, ["x"], {"a": 1}):
        token = session_token(dest=dest)
        assert client.get("/api/assessments", headers=bearer(token)).status_code == 401
        res = client.get(f"/dashboard?shop={SHOP}&embedded=1&id_token={token}")
        assert res.status_code == 401 and b"Traceback" not in res.data


def test_a_token_valid_for_years_is_refused(client):
    forever = session_token(exp=int(time.time()) + 10 * 365 * 86400)
    assert client.get("/api/assessments", headers=bearer(forever)).status_code == 401
    assert client.get("/api/assessments", headers=bearer(session_token())).status_code == 200


# --- the patch-id-token page -------------------------------------------------------------------

def test_the_patch_page_refuses_a_reload_a_browser_bends_into_another_host(client):
    for target in ("/\t/attacker.example", "/\n/attacker.example", "/ /attacker.example",
                   "/\r\n//attacker.example", "/x\\..\\\\attacker.example", "/\x00"):
        res = client.get("/auth/patch-id-token",
                         query_string={"shop": SHOP, "shopify-reload": target})
        assert res.status_code == 400, repr(target)
    res = client.get("/auth/patch-id-token",
                     query_string={"shop": SHOP, "shopify-reload": f"/dashboard?shop={SHOP}"})
    assert res.status_code == 200


# --- errors are short, storage failures are 503 ------------------------------------------------

def test_every_error_is_one_short_line_never_an_html_page(tmp_path, standin):
    from tests.app_support import app_config
    from webhooks import create_app

    app = create_app({**app_config(tmp_path, standin.origin), "TESTING": False})

    @app.get("/qa-boom")
    def boom():
        raise RuntimeError(f"leaked {app.config['SHOPIFY_API_SECRET']}")

    client = app.test_client()
    for method, path, status in [("GET", "/webhooks/shopify", 405), ("PUT", "/webhooks/shopify",
                                 405), ("DELETE", "/healthz", 405), ("GET", "/nowhere", 404),
                                 ("GET", "/static/../webhooks/settings.py", 404),
                                 ("GET", "/static/%2e%2e/settings.py", 404),
                                 ("GET", "/qa-boom", 500)]:
        res = client.open(path, method=method)
        assert res.status_code == status, (method, path)
        assert res.mimetype == "text/plain" and len(res.data) < 80, res.data
        assert API_SECRET.encode() not in res.data
    assert "POST" in client.put("/webhooks/shopify").headers["Allow"]
    res = client.get("/api/nowhere")
    assert res.status_code == 404 and res.get_json() == {"error": "404 Not Found"}


def _read_only(app) -> None:
    """Point `app` at its own database file opened read-only (as a file root cannot write)."""
    from webhooks.storage import Database

    path = make_url(app.config["DATABASE_URL"]).database
    app.extensions["shelfwise.db"] = Database(f"sqlite:///file:{path}?mode=ro&uri=true")


def test_a_read_only_database_is_503_on_healthz_and_on_a_webhook(app, client, token):
    from tests.app_support import delivery, order

    assert client.get("/healthz").status_code == 200
    _read_only(app)
    res = client.get("/healthz")
    assert res.status_code == 503 and res.get_json()["database"].startswith("error")
    body, headers = delivery("orders/create", order(9100))
    res = client.post("/webhooks/shopify", data=body, headers=headers)
    assert res.status_code == 503 and res.data == b"storage unavailable"


def test_an_unreachable_queue_is_503_on_healthz(client, monkeypatch):
    from webhooks import health
    from webhooks.queue import make_huey

    with socket.socket() as sock:  # a loopback port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setattr(health, "huey", make_huey(f"redis://127.0.0.1:{port}/0", "qa"))
    res = client.get("/healthz")
    assert res.status_code == 503
    assert res.get_json() == {"database": "ok", "queue": "error: ConnectionError"}


# --- slow clients against the real server (`shelfwise serve`: gunicorn and its worker) -------

def _http(port: int, request: bytes, timeout: float = 4) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        return sock.recv(4096)


def test_slow_clients_do_not_block_the_server(tmp_path, standin):
    """Twenty clients that send half a request and wait hold no thread: a health check and a
    signed order sent meanwhile are answered at once, and the order is assessed."""
    from tests import load_harness as lh
    from tests.app_support import delivery, order

    env = lh.app_env(tmp_path, standin.origin)
    log = tmp_path / "serve.log"
    lh.register_shop(env, standin.add_token(SHOP), log)
    port = lh.free_port()
    serve = lh.start([str(lh.BIN / "shelfwise"), "serve", "--port", str(port), "--threads",
                      "4"], env, log)
    slow = []
    try:
        lh.wait_healthy(f"http://127.0.0.1:{port}", [serve])
        for i in range(20):
            sock = socket.create_connection(("127.0.0.1", port))
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " if i % 2 else
                         b"POST /webhooks/shopify HTTP/1.1\r\nHost: x\r\n"
                         b"Content-Length: 900\r\n\r\n{")
            slow.append(sock)
        time.sleep(0.5)
        health = _http(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert health.startswith(b"HTTP/1.1 200")
        body, headers = delivery("orders/create", order(9200))
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        answer = _http(port, (f"POST /webhooks/shopify HTTP/1.1\r\nHost: x\r\n{head}"
                              f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
                       .encode() + body)
        assert answer.startswith(b"HTTP/1.1 200")
        deadline = time.monotonic() + 20
        while "gid://shopify/Order/9200" not in standin.assessments:
            assert time.monotonic() < deadline, "the order was never assessed"
            time.sleep(0.2)
        slow[0].settimeout(10)
        assert slow[0].recv(100) == b""  # a request that never arrives whole is dropped
    finally:
        for sock in slow:
            sock.close()
        lh.stop(serve)


def test_the_patch_page_of_an_app_without_shopify_credentials_is_404_not_500(tmp_path,
                                                                            standin):
    """`shelfwise demo` runs without SHOPIFY_API_SECRET: its bounce page has nothing to do."""
    from tests.app_support import app_config
    from webhooks import create_app

    app = create_app({**app_config(tmp_path, standin.origin), "SHOPIFY_API_SECRET": None,
                      "DEMO_SHOP": "shelfwise-demo.myshopify.com", "TESTING": False})
    res = app.test_client().get("/auth/patch-id-token", query_string={
        "shop": "shelfwise-demo.myshopify.com", "shopify-reload": "/dashboard"})
    assert res.status_code == 404 and b"Shopify admin" in res.data


def test_the_server_hands_odd_framings_to_gunicorn_at_once_instead_of_waiting():
    """Requests gunicorn must refuse (bare newlines, an unknown transfer coding) are not held
    for the slow-client deadline; a chunked body waits for its last chunk."""
    from webhooks.server import request_complete

    head = b"POST /webhooks/shopify HTTP/1.1\r\nHost: x\r\n"
    assert request_complete(b"POST /webhooks/shopify HTTP/1.1\nHost: x\n\n{}")
    assert request_complete(head + b"Transfer-Encoding: xchunked\r\n\r\n{")
    assert not request_complete(head + b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}")
    assert request_complete(head + b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n")
    assert request_complete(head + b"Transfer-Encoding: chunked\r\n\r\n0\r\nX-T: 1\r\n\r\n")
    assert not request_complete(head + b"Content-Length: 5\r\n\r\n{")
    assert request_complete(head + b"Content-Length: 99999999999\r\n\r\n{")  # 413 at once
    assert request_complete(head + b"Content-Length: 5\r\nExpect: 100-continue\r\n\r\n")


# --- signed bodies that do not hold together --------------------------------------------------

def test_an_order_whose_graphql_id_is_not_its_own_is_refused_and_the_next_is_assessed(
        app, client, standin, token):
    """The assessment is written to ``admin_graphql_api_id``: a body naming another order
    (or a customer, or no text at all) there must not get one written to that object."""
    from tests.app_support import order, post, rows
    from webhooks.storage import Delivery

    for gid in ("gid://shopify/Customer/1", "gid://shopify/Order/999", {"a": 1}):
        assert post(client, "orders/create", {**order(9300), "admin_graphql_api_id": gid}
                    ).status_code == 200
    assert post(client, "orders/create", order(9301)).status_code == 200
    assert [d.status for d in rows(app, Delivery)] == ["bad", "bad", "bad", "done"]
    assert set(standin.assessments) == {"gid://shopify/Order/9301"}


def test_healthz_answers_503_soon_while_another_process_holds_the_write_lock(app, client):
    """A stuck writer (another process) makes the app unable to record a delivery: the
    health check says so within seconds instead of waiting out the 30 s busy timeout."""
    import sqlite3

    path = make_url(app.config["DATABASE_URL"]).database
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        res = client.get("/healthz")
        assert res.status_code == 503 and res.get_json()["database"] == "error: OperationalError"
        assert time.monotonic() - started < 10
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert client.get("/healthz").status_code == 200


def test_a_delivery_whose_body_a_redaction_deleted_is_marked_redacted_not_bad(app, token):
    """shop/redact drops the bodies of the shop's waiting deliveries; the worker must say
    so, not report a JSON error."""
    from webhooks.deliveries import handle_delivery
    from webhooks.storage import Delivery, db, utcnow

    with app.app_context():
        with db().session() as session:
            row = Delivery(webhook_id="qa-redacted", digest="qa", shop_domain=SHOP,
                           topic="orders/create", status="queued", body=None, attempts=0,
                           received_at=utcnow())
            session.add(row)
            session.flush()
            delivery_id = row.id
        assert handle_delivery(delivery_id) == "redacted"
        with db().session() as session:
            assert session.get(Delivery, delivery_id).status == "redacted"


def test_a_csv_link_opens_only_its_own_shop_and_only_for_fifteen_minutes(app, client):
    from itsdangerous import TimestampSigner, URLSafeTimedSerializer

    from tests.app_support import SECRET_KEY
    from webhooks.dashboard import CSV_LINK_SECONDS

    def link(shop: str, age: int = 0) -> str:
        class Signer(TimestampSigner):  # signs as if `age` seconds ago
            def get_timestamp(self) -> int:
                return int(time.time()) - age

        return URLSafeTimedSerializer(SECRET_KEY, salt="shelfwise-reorder-csv",
                                      signer=Signer).dumps(shop)

    url = "/dashboard/reorder.csv?shop={}&sig={}"
    assert client.get(url.format(SHOP, link(SHOP))).status_code == 200
    assert client.get(url.format("other-shop.myshopify.com", link(SHOP))).status_code == 403
    assert client.get(url.format(SHOP, link(SHOP, CSV_LINK_SECONDS + 5))).status_code == 403
