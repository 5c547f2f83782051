"""Load and fault test on loopback: `shelfwise serve` (gunicorn + embedded huey worker, SQLite).

Hundreds of signed `orders/create` deliveries with repeats, forged and malformed ones and
one invalid order come from several concurrent senders; the background worker is killed
half-way (the server restarts it); the stand-in throttles and fails some calls. Every
forged delivery must be refused, every other one answered 200, every valid order assessed
exactly once, no document rejected, and the token unreadable in the database file.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from pathlib import Path

from tests import load_harness as lh
from tests.app_support import SHOP

N_ORDERS = 300


def count(db: Path, sql: str) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
        return conn.execute(sql).fetchone()[0]


def test_serve_under_load_with_worker_killed(tmp_path, load_standin):
    env = lh.app_env(tmp_path, load_standin.origin)
    log = tmp_path / "serve.log"
    token = load_standin.add_token(SHOP)
    lh.register_shop(env, token, log)
    port = lh.free_port()
    url = f"http://127.0.0.1:{port}"
    serve = lh.start([str(lh.BIN / "shelfwise"), "serve", "--port", str(port)], env, log)
    killed, killed_at = [], []

    db = tmp_path / "shelfwise.sqlite3"

    def kill_worker():
        # in the middle of the work: once the worker has written some assessments
        lh.wait_assessed(lambda: count(db, "SELECT count(*) FROM assessments "
                                           "WHERE state = 'written'"), 20, timeout=60)
        killed_at.append(count(db, "SELECT count(*) FROM assessments WHERE state = 'written'"))
        for pid in lh.child_pids(serve.pid):
            if b"webhooks.worker" in Path(f"/proc/{pid}/cmdline").read_bytes():
                os.kill(pid, signal.SIGKILL)  # a hard kill: no cleanup, tasks in flight lost
                killed.append(pid)

    try:
        lh.wait_healthy(url, [serve])
        deliveries = lh.plan(N_ORDERS)
        result = lh.send(url, deliveries, senders=8, halfway=kill_worker)
        written = lh.wait_assessed(
            lambda: count(db, "SELECT count(*) FROM assessments WHERE state = 'written'"),
            len(result.orders))
        deadline = time.monotonic() + 60
        while count(db, "SELECT count(*) FROM webhook_deliveries WHERE status = 'queued'") \
                and time.monotonic() < deadline:
            time.sleep(0.5)
        settled = count(db, "SELECT count(*) FROM webhook_deliveries WHERE status = 'queued'") == 0
        print("\n" + result.summary())
        print(f"worker killed: {killed} after {killed_at} assessments")
    finally:
        lh.stop(serve)
    assert killed, "the background worker was not found to kill"
    assert killed_at[0] < len(result.orders), "the worker was killed after the work was done"
    lh.check_run(result, load_standin, written, settled)
    assert result.percentile(99) < 1.0, result.summary()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("shelfwise.sqlite3*"))
    assert token.encode() not in raw
    assert b"restarting" in log.read_bytes()
