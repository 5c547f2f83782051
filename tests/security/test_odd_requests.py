"""Review item 4: oversized and odd requests never reach a 500, and a huge body is not read.

The size check runs on a real HTTP server on loopback: the request announces 64 MiB and
sends almost nothing, so an app that reads the body before answering never answers.
"""

from __future__ import annotations

import socket
import threading

import pytest
from werkzeug.serving import make_server

from tests.app_support import SHOP, delivery, order, post, rows
from webhooks.storage import Delivery, Order


@pytest.fixture
def server(app):
    """The app served over real HTTP on loopback (werkzeug, threaded)."""
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv.server_port
    srv.shutdown()
    srv.server_close()


def test_a_huge_body_is_refused_with_413_before_it_is_read(server):
    head = ("POST /webhooks/shopify HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: application/json\r\nX-Shopify-Topic: orders/create\r\n"
            f"X-Shopify-Shop-Domain: {SHOP}\r\nX-Shopify-Webhook-Id: big-1\r\n"
            "X-Shopify-Hmac-Sha256: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n"
            f"Content-Length: {64 * 1024 * 1024}\r\n\r\n")
    with socket.create_connection(("127.0.0.1", server), timeout=5) as sock:
        sock.sendall(head.encode() + b"{" * 1024)
        answer = sock.recv(4096).decode("latin-1")  # times out if the app waits to read
    assert answer.startswith("HTTP/1.1 413")


def test_a_signed_body_over_one_mebibyte_is_413(app, client, token):
    big = order(1, note="x" * (1024 * 1024))
    assert post(client, "orders/create", big).status_code == 413
    assert rows(app, Delivery) == []


@pytest.mark.parametrize("header", ["é" * 44, "not base64 !!", "", "AAAA", "\u2603=="])
def test_an_odd_hmac_header_is_401_not_500(client, token, header):
    body, headers = delivery("orders/create", order(2))
    headers["X-Shopify-Hmac-Sha256"] = header
    assert client.post("/webhooks/shopify", data=body, headers=headers).status_code == 401


@pytest.mark.parametrize("raw", [b"", b"{", b"null", b"[]", b'"text"', b"\xff\xfe\x00",
                                 b"[" * 50_000 + b"]" * 50_000, b'{"id": NaN}',
                                 b'{"id": 1, "created_at": {"$gt": ""}, "total_price": 1}'])
def test_a_malformed_signed_body_is_acknowledged_never_500(app, client, token, raw):
    res = post(client, "orders/create", None, raw=raw)
    assert res.status_code == 200
    [stored] = rows(app, Delivery)
    assert stored.status == "bad"
    assert rows(app, Order) == []


@pytest.mark.parametrize("headers", [
    {"X-Shopify-Topic": "orders/create; DROP TABLE shops"},
    {"X-Shopify-Topic": "../../etc"},
    {"X-Shopify-Shop-Domain": "evil.example.com"},
    {"X-Shopify-Shop-Domain": "ünï.myshopify.com"},
    {"X-Shopify-Webhook-Id": ""},
])
def test_odd_headers_on_a_signed_body_are_400_not_500(app, client, token, headers):
    body, base = delivery("orders/create", order(3))
    res = client.post("/webhooks/shopify", data=body, headers={**base, **headers})
    assert res.status_code in (400, 401)
    assert rows(app, Delivery) == []
