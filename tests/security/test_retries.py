"""Review item 6: retries follow Shopify's patience, failed deliveries can be replayed, and
the sweep requeues only deliveries whose lease ran out (100 pending stay 100)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from huey.storage import MemoryStorage

from connectors.cli import main as cli
from tests.app_support import SHOP, app_config, order, post, rows
from webhooks import deliveries
from webhooks.queue import huey
from webhooks.storage import Assessment, Delivery, db, utcnow
from webhooks.tasks import sweep


def test_the_schedule_backs_off_over_more_than_four_hours():
    assert sum(deliveries.RETRY_DELAYS) >= 4 * 3600
    assert list(deliveries.RETRY_DELAYS) == sorted(deliveries.RETRY_DELAYS)


def test_minutes_of_shopify_errors_do_not_give_a_delivery_up(app, client, token, standin):
    standin.fail_next(10_000, status=503)  # Shopify's side is down for a long while
    assert post(client, "orders/create", order(11)).status_code == 200
    [pending] = rows(app, Delivery)
    with app.app_context():
        for _ in range(8):  # what the old code allowed in about 3 minutes
            assert deliveries.handle_delivery(pending.id) == "retrying"
    pending = rows(app, Delivery)[0]
    assert pending.status == "queued" and pending.attempts == 9
    # the next try is scheduled hours away, and the lease covers the wait
    assert pending.lease_until - utcnow() > timedelta(hours=1)
    etas = [t.eta for t in huey.scheduled()]
    assert etas and max(etas) - utcnow() > timedelta(hours=1)


def test_deliveries_list_and_retry_replay_a_failed_delivery(app, client, token, standin,
                                                            tmp_path, monkeypatch):
    spent = len(deliveries.RETRY_DELAYS)
    standin.fail_next(10_000, status=503)
    assert post(client, "orders/create", order(12)).status_code == 200
    [failed] = rows(app, Delivery)
    with app.app_context():
        for _ in range(spent):
            deliveries.handle_delivery(failed.id)
    failed = rows(app, Delivery)[0]
    assert failed.status == "failed" and failed.body is not None
    standin._fail_next.clear()
    config = app_config(tmp_path, standin.origin)
    for name, value in {"SHELFWISE_INSTANCE_PATH": str(tmp_path),
                        "SHELFWISE_DATABASE_URL": config["DATABASE_URL"],
                        "SHELFWISE_SECRET_KEY": config["SECRET_KEY"],
                        "SHOPIFY_API_KEY": config["SHOPIFY_API_KEY"],
                        "SHOPIFY_API_SECRET": config["SHOPIFY_API_SECRET"],
                        "SHELFWISE_SHOPIFY_ORIGIN": standin.origin}.items():
        monkeypatch.setenv(name, value)
    runner = CliRunner()
    listed = runner.invoke(cli, ["deliveries", "list"])
    assert listed.exit_code == 0, listed.output
    assert f"{failed.id}\t" in listed.output and "orders/create\tfailed" in listed.output
    assert "gave up after" in listed.output
    replay = runner.invoke(cli, ["deliveries", "retry", str(failed.id)])
    assert replay.exit_code == 0, replay.output
    assert rows(app, Delivery)[0].status == "done"
    assert [a.state for a in rows(app, Assessment)] == ["written"]
    again = runner.invoke(cli, ["deliveries", "retry", str(failed.id)])
    assert again.exit_code == 1 and "not replayable" in again.output
    assert runner.invoke(cli, ["deliveries", "retry"]).exit_code == 2


@pytest.fixture
def real_queue(monkeypatch):
    """A queue that keeps what is enqueued (tasks are not run inline)."""
    monkeypatch.setattr(huey, "immediate", False)
    monkeypatch.setattr(huey, "storage", MemoryStorage("shelfwise-test"))
    return huey


def test_the_sweep_never_multiplies_pending_deliveries(app, client, token, real_queue):
    for i in range(100):
        assert post(client, "orders/create", order(20_000 + i)).status_code == 200
    assert real_queue.pending_count() == 100
    with app.app_context():
        for _ in range(3):
            sweep.requeue_stale.call_local()
            deliveries.requeue_expired()
    assert real_queue.pending_count() == 100
    # a worker died holding 10 of them: once their lease runs out they go again, once
    with app.app_context(), db().session() as session:
        for d in session.query(Delivery).order_by(Delivery.id).limit(10):
            d.lease_until = utcnow() - timedelta(seconds=1)
    with app.app_context():
        assert deliveries.requeue_expired() == 10
        assert deliveries.requeue_expired() == 0
    assert real_queue.pending_count() == 110
    assert {d.shop_domain for d in rows(app, Delivery)} == {SHOP}
