"""The webhook load suite on the scale-out setup: PostgreSQL, Redis, gunicorn with two web
workers and two huey consumer processes (one killed with SIGKILL half-way and restarted).

The services come from `.ci/services.sh` (Debian packages). On a developer machine without
them these tests skip and say why; in CI (`CI=true`) a missing service fails the run.
"""

from __future__ import annotations

import os
import signal
import uuid

import pytest

from tests import load_harness as lh
from tests.app_support import SHOP

POSTGRES = os.environ.get("SHELFWISE_TEST_POSTGRES_URL",
                          "postgresql://shelfwise:shelfwise@127.0.0.1:5432/shelfwise_test")
REDIS = os.environ.get("SHELFWISE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
N_ORDERS = 200


def _services_or_skip() -> None:
    problems = []
    try:
        import psycopg

        with psycopg.connect(POSTGRES, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as err:
        problems.append(f"PostgreSQL at {POSTGRES}: {type(err).__name__}: {err}")
    try:
        import redis

        redis.Redis.from_url(REDIS, socket_connect_timeout=3).ping()
    except Exception as err:
        problems.append(f"Redis at {REDIS}: {type(err).__name__}: {err}")
    if problems:
        message = ("scale-out services unavailable (run `bash .ci/services.sh` as root): "
                   + "; ".join(problems))
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def database():
    """A fresh PostgreSQL database for one run, dropped afterwards."""
    _services_or_skip()
    import psycopg

    name = f"shelfwise_t{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = POSTGRES.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def queue():
    """A queue name of this run's own: runs on one machine may share the Redis."""
    import redis

    name = f"shelfwisetest{uuid.uuid4().hex[:10]}"  # huey keeps only [a-z0-9_] of a name
    yield name
    client = redis.Redis.from_url(REDIS)
    keys = client.keys(f"huey.*.{name}")
    if keys:
        client.delete(*keys)


def test_scale_out_under_load_with_a_consumer_killed(tmp_path, database, queue, load_standin):
    import psycopg

    env = lh.app_env(tmp_path, load_standin.origin, SHELFWISE_DATABASE_URL=database,
                     SHELFWISE_QUEUE_URL=REDIS, SHELFWISE_QUEUE_NAME=queue)
    log = tmp_path / "services.log"
    token = load_standin.add_token(SHOP)
    lh.register_shop(env, token, log)
    port = lh.free_port()
    url = f"http://127.0.0.1:{port}"
    web = lh.start([str(lh.BIN / "gunicorn"), "--workers", "2", "--threads", "4",
                    "--bind", f"127.0.0.1:{port}", "webhooks:create_app()"], env, log)
    consumer = [str(lh.BIN / "python"), "-m", "webhooks.worker", "--workers", "2"]
    workers = [lh.start(consumer, env, log), lh.start(consumer, env, log)]
    restarted = []

    def kill_and_restart():
        lh.wait_assessed(written, 20, timeout=60)  # in the middle of the work
        restarted.append(written())
        lh.stop(workers[0], sig=signal.SIGKILL)
        workers.append(lh.start(consumer, env, log))

    def written():
        with psycopg.connect(database) as conn:
            return conn.execute(
                "SELECT count(*) FROM assessments WHERE state = 'written'").fetchone()[0]

    def queued():
        with psycopg.connect(database) as conn:
            return conn.execute(
                "SELECT count(*) FROM webhook_deliveries WHERE status = 'queued'").fetchone()[0]

    try:
        lh.wait_healthy(url, [web, *workers])
        result = lh.send(url, lh.plan(N_ORDERS, seed=7), senders=8, halfway=kill_and_restart)
        n_written = lh.wait_assessed(written, len(result.orders))
        settled = lh.wait_assessed(lambda: -queued(), 0, timeout=60) == 0
        print("\nscale-out: " + result.summary())
        with psycopg.connect(database) as conn:
            stored = conn.execute("SELECT shops::text FROM shops").fetchall()
    finally:
        for proc in [web, *workers]:
            lh.stop(proc)
    assert restarted and restarted[0] < len(result.orders)
    lh.check_run(result, load_standin, n_written, settled)
    assert stored and all(token not in row[0] for row in stored)
