"""The machine's floor for `benchmarks/webhooks.py`: the least a webhook endpoint can do.

``bare_app()`` answers 200 and reads nothing; ``minimal_app()`` checks the HMAC, inserts
the delivery into SQLite (WAL, one transaction) and enqueues a huey task (SQLite queue),
nothing else. Served by gunicorn exactly as `shelfwise serve` serves the app
(one gthread worker, 8 threads): ``gunicorn 'benchmarks.webhook_floor:minimal_app()'``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import sqlite3
import threading

from flask import Flask, request
from huey import SqliteHuey


def bare_app() -> Flask:
    """200 for every POST, body unread."""
    app = Flask("floor_bare")

    @app.post("/webhooks/shopify")
    def receive():
        return "", 200

    return app


def minimal_app() -> Flask:
    """HMAC check + SQLite insert + enqueue (`FLOOR_DIR`, `SHOPIFY_API_SECRET`)."""
    folder = os.environ["FLOOR_DIR"]
    secret = os.environ["SHOPIFY_API_SECRET"].encode()
    queue = SqliteHuey("floor", filename=os.path.join(folder, "queue.sqlite3"), results=False)

    @queue.task()
    def process(delivery_id: int) -> None:
        return None

    local = threading.local()

    def connection() -> sqlite3.Connection:
        if not hasattr(local, "conn"):
            conn = sqlite3.connect(os.path.join(folder, "floor.sqlite3"), timeout=30,
                                   isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("CREATE TABLE IF NOT EXISTS deliveries (id INTEGER PRIMARY KEY, "
                         "webhook_id TEXT UNIQUE, topic TEXT, shop TEXT, body BLOB)")
            local.conn = conn
        return local.conn

    app = Flask("floor_minimal")

    @app.post("/webhooks/shopify")
    def receive():
        body = request.get_data()
        given = request.headers.get("X-Shopify-Hmac-Sha256", "").encode("ascii", "replace")
        digest = base64.b64encode(hmac.new(secret, body, hashlib.sha256).digest())
        if not hmac.compare_digest(digest, given):
            return "unauthorized", 401
        conn = connection()
        try:
            conn.execute("BEGIN IMMEDIATE")
            cur = conn.execute("INSERT INTO deliveries (webhook_id, topic, shop, body) "
                               "VALUES (?, ?, ?, ?)",
                               (request.headers.get("X-Shopify-Webhook-Id"),
                                request.headers.get("X-Shopify-Topic"),
                                request.headers.get("X-Shopify-Shop-Domain"), body))
            conn.execute("COMMIT")
        except sqlite3.IntegrityError:
            conn.execute("ROLLBACK")
            return "", 200
        process(cur.lastrowid)
        return "", 200

    return app
