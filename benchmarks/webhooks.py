"""Webhook load on loopback: acknowledgement latency, throughput and exactly-once (issue 13).

    .venv/bin/python benchmarks/webhooks.py                      # shelfwise serve, SQLite
    .venv/bin/python benchmarks/webhooks.py --scale-out          # gunicorn -w 2, 2 consumers,
                                                                 # PostgreSQL + Redis
    .venv/bin/python benchmarks/webhooks.py --floor bare         # the machine's floor:
    .venv/bin/python benchmarks/webhooks.py --floor minimal      # HMAC + SQLite + enqueue

Starts the local Shopify stand-in and the app's processes, then sends from a process of
its own (`--senders` threads) 2,000 signed `orders/create` deliveries by default, with
10 % repeated under the same webhook id (and 5 % under a new one), 10 % forged, 2 %
malformed signed bodies and one signed order without ``created_at`` in the middle. Half-way
a background worker is killed with SIGKILL and restarted. It waits until every valid order
is assessed and checks each was assessed exactly once. Prints p50/p99 acknowledgement
latency, answers per second and the end-to-end time. The floor runs serve the trivial
apps of `benchmarks/webhook_floor.py` the way `shelfwise serve` serves the app.
Traffic stays on 127.0.0.1; every run is bounded.
"""

from __future__ import annotations

import argparse
import collections
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests import load_harness as lh  # noqa: E402
from tests.app_support import API_KEY, API_SECRET, SHOP  # noqa: E402
from tests.shopify_standin import ShopifyStandIn  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def _gunicorn(target: str, port: int, workers: int = 1) -> list[str]:
    """gunicorn as `shelfwise serve` runs it (gthread, 8 threads per worker)."""
    return [str(lh.BIN / "gunicorn"), "--workers", str(workers), "--worker-class", "gthread",
            "--threads", "8", "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
            target]


def floor(kind: str, args) -> None:
    """Serve a floor app and send the same deliveries; latency and rate only."""
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, FLOOR_DIR=tmp, SHOPIFY_API_SECRET=API_SECRET,
                   PYTHONPATH=str(REPO))
        port = lh.free_port()
        log = Path(tmp) / "floor.log"
        proc = lh.start(_gunicorn(f"benchmarks.webhook_floor:{kind}_app()", port), env, log)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_port(url, proc)
            result = lh.send_from_process(url, lh.plan(args.orders), senders=args.senders)
        finally:
            lh.stop(proc)
    print(f"setup: floor {kind} (gunicorn gthread x8, 1 process); senders {args.senders}")
    print(result.summary())
    print(f"statuses: {_statuses(result)}")


def _statuses(result) -> dict:
    return {kind: dict(collections.Counter(codes)) for kind, codes in result.statuses.items()}


def _wait_port(url: str, proc) -> None:
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args} exited")
        try:
            httpx.get(url + "/", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise TimeoutError(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=2000, help="distinct orders (2000)")
    parser.add_argument("--senders", type=int, default=16, help="concurrent senders (16)")
    parser.add_argument("--scale-out", action="store_true",
                        help="PostgreSQL + Redis, gunicorn -w 2 and two consumers")
    parser.add_argument("--floor", choices=("bare", "minimal"),
                        help="serve a floor app instead of Shelfwise")
    parser.add_argument("--no-kill", action="store_true", help="do not kill a worker")
    args = parser.parse_args()
    if args.floor:
        floor(args.floor, args)
        return

    standin = ShopifyStandIn(API_KEY, API_SECRET, bucket_size=1000, restore_rate=500)
    standin.throttle_every, standin.fail_every = 9, 13
    with tempfile.TemporaryDirectory() as tmp, standin:
        tmp = Path(tmp)
        extra = {"SHELFWISE_REQUEUE_AFTER_SECONDS": "30"}
        if args.scale_out:
            import psycopg

            base = os.environ.get("SHELFWISE_TEST_POSTGRES_URL", "postgresql://shelfwise:"
                                  "shelfwise@127.0.0.1:5432/shelfwise_test")
            name = f"shelfwise_bench{os.getpid()}"
            with psycopg.connect(base, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
                conn.execute(f'CREATE DATABASE "{name}"')
            extra.update({"SHELFWISE_DATABASE_URL": base.rsplit("/", 1)[0] + f"/{name}",
                          "SHELFWISE_QUEUE_URL": os.environ.get("SHELFWISE_TEST_REDIS_URL",
                                                                "redis://127.0.0.1:6379/15"),
                          "SHELFWISE_QUEUE_NAME": name})
        env = lh.app_env(tmp, standin.origin, **extra)
        log = tmp / "bench.log"
        lh.register_shop(env, standin.add_token(SHOP), log)
        port = lh.free_port()
        url = f"http://127.0.0.1:{port}"
        consumer = [str(lh.BIN / "python"), "-m", "webhooks.worker", "--workers", "2",
                    "--nice", "10"]
        if args.scale_out:
            procs = [lh.start(_gunicorn("webhooks:create_app()", port, workers=2), env, log),
                     lh.start(consumer, env, log), lh.start(consumer, env, log)]
        else:
            procs = [lh.start([str(lh.BIN / "shelfwise"), "serve", "--port", str(port)], env,
                              log)]
        killed = []

        def kill():
            lh.wait_assessed(written, 20, timeout=120)  # in the middle of the work
            killed.append(written())
            if args.scale_out:
                lh.stop(procs[1], sig=signal.SIGKILL)
                procs.append(lh.start(consumer, env, log))
                return
            for pid in lh.child_pids(procs[0].pid):
                if b"webhooks.worker" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    os.kill(pid, signal.SIGKILL)

        written, queued = _counters(extra, tmp)
        try:
            lh.wait_healthy(url, procs)
            started = time.perf_counter()
            result = lh.send_from_process(url, lh.plan(args.orders), senders=args.senders,
                                          halfway=None if args.no_kill else kill)
            n = lh.wait_assessed(written, len(result.orders), timeout=1200)
            total = time.perf_counter() - started
            settled = lh.wait_assessed(lambda: -queued(), 0, timeout=120) == 0
        finally:
            for proc in procs:
                lh.stop(proc)
            if args.scale_out:
                with psycopg.connect(base, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                import redis

                queue = redis.Redis.from_url(extra["SHELFWISE_QUEUE_URL"])
                keys = queue.keys(f"huey.*.{name}")
                if keys:
                    queue.delete(*keys)
        per_order = collections.Counter(m["variables"]["orderId"] for m in standin.mutations
                                        if m["name"] == "orderRiskAssessmentCreate")
        setup = "scale-out (PostgreSQL, Redis, gunicorn -w 2, 2 consumers)" if args.scale_out \
            else "shelfwise serve (SQLite, 1 web process, 1 worker)"
        print(f"setup: {setup}; senders {args.senders}; worker killed after {killed} "
              "assessments")
        print(result.summary())
        print(f"statuses: {_statuses(result)}")
        bad = any(str(b) in g for b in result.bad_orders for g in per_order)
        print(f"assessed {n}/{len(result.orders)} orders, {len(per_order)} written to the "
              f"stand-in, max per order {max(per_order.values(), default=0)}; all assessed "
              f"{total:.1f}s after the first delivery ({n / total:.1f} orders/s end to end); "
              f"bad order assessed: {bad}; documents rejected: {len(standin.rejected)}; "
              f"queue settled: {settled}")
        lh.check_run(result, standin, n, settled)
        print("check: every valid order assessed exactly once, forged 401, the rest 200")


def _counters(extra, tmp):
    sql_written = "SELECT count(*) FROM assessments WHERE state = 'written'"
    sql_queued = "SELECT count(*) FROM webhook_deliveries WHERE status = 'queued'"
    if "SHELFWISE_DATABASE_URL" in extra:
        import psycopg

        def count(sql):
            with psycopg.connect(extra["SHELFWISE_DATABASE_URL"]) as conn:
                return conn.execute(sql).fetchone()[0]
    else:
        import sqlite3

        def count(sql):
            with sqlite3.connect(f"file:{tmp}/shelfwise.sqlite3?mode=ro", uri=True,
                                 timeout=30) as conn:
                return conn.execute(sql).fetchone()[0]
    return (lambda: count(sql_written)), (lambda: count(sql_queued))


if __name__ == "__main__":
    main()
