"""Webhook load on loopback: latency and throughput of `POST /webhooks/shopify` (issue 6).

    .venv/bin/python benchmarks/webhooks.py                  # shelfwise serve, SQLite
    .venv/bin/python benchmarks/webhooks.py --scale-out      # gunicorn -w 2, 2 consumers,
                                                             # PostgreSQL + Redis (.ci/services.sh)

Starts the local Shopify stand-in and the app's processes, sends signed `orders/create`
deliveries (15 % repeated, 5 % same order under a new webhook id, 10 % forged) from
concurrent senders, kills a background worker half-way, and waits until every order is
assessed. Prints p50/p99 answer latency, deliveries per second, and the end-to-end time
until every order was assessed. Traffic stays on 127.0.0.1; the run is bounded.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=500, help="distinct orders (500)")
    parser.add_argument("--senders", type=int, default=8, help="concurrent senders (8)")
    parser.add_argument("--scale-out", action="store_true",
                        help="PostgreSQL + Redis, gunicorn -w 2 and two consumers")
    parser.add_argument("--no-kill", action="store_true", help="do not kill a worker")
    args = parser.parse_args()

    standin = ShopifyStandIn(API_KEY, API_SECRET, bucket_size=1000, restore_rate=500)
    standin.throttle_every, standin.fail_every = 9, 13
    with tempfile.TemporaryDirectory() as tmp, standin:
        tmp = Path(tmp)
        extra = {}
        if args.scale_out:
            import psycopg

            base = os.environ.get("SHELFWISE_TEST_POSTGRES_URL", "postgresql://shelfwise:"
                                  "shelfwise@127.0.0.1:5432/shelfwise_test")
            name = f"shelfwise_bench{os.getpid()}"
            with psycopg.connect(base, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
                conn.execute(f'CREATE DATABASE "{name}"')
            extra = {"SHELFWISE_DATABASE_URL": base.rsplit("/", 1)[0] + f"/{name}",
                     "SHELFWISE_QUEUE_URL": os.environ.get("SHELFWISE_TEST_REDIS_URL",
                                                           "redis://127.0.0.1:6379/15"),
                     "SHELFWISE_QUEUE_NAME": name}
        env = lh.app_env(tmp, standin.origin, **extra)
        log = tmp / "bench.log"
        lh.register_shop(env, standin.add_token(SHOP), log)
        port = lh.free_port()
        url = f"http://127.0.0.1:{port}"
        consumer = [str(lh.BIN / "python"), "-m", "webhooks.worker", "--workers", "2"]
        if args.scale_out:
            procs = [lh.start([str(lh.BIN / "gunicorn"), "--workers", "2", "--threads", "4",
                               "--bind", f"127.0.0.1:{port}", "webhooks:create_app()"], env, log),
                     lh.start(consumer, env, log), lh.start(consumer, env, log)]
        else:
            procs = [lh.start([str(lh.BIN / "shelfwise"), "serve", "--port", str(port)], env,
                              log)]

        def kill():
            lh.wait_assessed(written, 20, timeout=60)  # in the middle of the work
            if args.scale_out:
                lh.stop(procs[1], sig=signal.SIGKILL)
                procs.append(lh.start(consumer, env, log))
                return
            for pid in lh.child_pids(procs[0].pid):
                if b"webhooks.worker" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    os.kill(pid, signal.SIGKILL)

        written = _counter(env, extra, tmp)
        try:
            lh.wait_healthy(url, procs)
            started = time.perf_counter()
            result = lh.send(url, lh.plan(args.orders), senders=args.senders,
                             halfway=None if args.no_kill else kill)
            n = lh.wait_assessed(written, len(result.orders), timeout=600)
            total = time.perf_counter() - started
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
        print(f"setup: {setup}; senders {args.senders}")
        print(result.summary())
        print(f"statuses: valid {collections.Counter(result.statuses['valid'])}, forged "
              f"{collections.Counter(result.statuses['forged'])}")
        print(f"assessed {n}/{len(result.orders)} orders, {len(per_order)} written to the "
              f"stand-in, max per order {max(per_order.values(), default=0)}; all assessed "
              f"{total:.1f}s after the first delivery ({n / total:.1f} orders/s end to end); "
              f"documents rejected: {len(standin.rejected)}")


def _counter(env, extra, tmp):
    if "SHELFWISE_DATABASE_URL" in extra:
        import psycopg

        def count():
            with psycopg.connect(extra["SHELFWISE_DATABASE_URL"]) as conn:
                return conn.execute("SELECT count(*) FROM assessments "
                                    "WHERE state = 'written'").fetchone()[0]
        return count
    import sqlite3

    def count():
        with sqlite3.connect(f"file:{tmp}/shelfwise.sqlite3?mode=ro", uri=True,
                             timeout=30) as conn:
            return conn.execute("SELECT count(*) FROM assessments "
                                "WHERE state = 'written'").fetchone()[0]
    return count


if __name__ == "__main__":
    main()
