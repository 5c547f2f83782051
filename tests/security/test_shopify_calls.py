"""Review item 9 (the app's side): a GraphQL error that can never succeed is not retried,
and a ``bulk_operations/finish`` acts only on the sending shop's own sync."""

from __future__ import annotations

import pytest

from tests.app_support import API_KEY, API_SECRET, SHOP, order, post, register_token, rows
from tests.shopify_bulk import BulkStandIn, make_store
from webhooks import catalog
from webhooks.queue import huey
from webhooks.storage import CatalogSync, Delivery, db


def test_a_graphql_error_that_cannot_succeed_fails_at_once(app, client, token, standin):
    standin.error_field["orderRiskAssessmentCreate"] = "ACCESS_DENIED"  # a missing scope
    assert post(client, "orders/create", order(31)).status_code == 200
    [failed] = rows(app, Delivery)
    assert failed.status == "failed" and "Access_Denied" in failed.error
    assert failed.attempts == 1 and failed.body is not None  # replayable once fixed
    assert huey.scheduled() == []  # no retry scheduled
    assert sum("orderRiskAssessmentCreate" in c["query"] for c in standin.calls) == 1


def test_a_throttled_or_internal_error_is_still_retried(app, client, token, standin):
    standin.error_field["orderRiskAssessmentCreate"] = "INTERNAL_SERVER_ERROR"
    assert post(client, "orders/create", order(32)).status_code == 200
    [pending] = rows(app, Delivery)
    assert pending.status == "queued" and huey.scheduled()


@pytest.fixture
def standin():
    with BulkStandIn(API_KEY, API_SECRET, store=make_store(n_orders=20, n_products=3),
                     bulk_delay=30.0) as server:
        yield server


def test_a_bulk_finish_from_another_shop_does_not_touch_this_shops_sync(app, client, token,
                                                                        standin):
    other = "other-shop.myshopify.com"
    register_token(app, standin, other)
    with app.app_context():
        sync_id = catalog.start_sync(SHOP)
    with app.app_context(), db().reading() as session:
        op_gid = session.get(CatalogSync, sync_id).operation_gid
    calls = len(standin.calls)
    res = post(client, "bulk_operations/finish", {
        "admin_graphql_api_id": op_gid, "completed_at": "2026-12-02T06:00:00Z",
        "created_at": "2026-12-02T05:59:00Z", "error_code": None, "status": "completed",
        "type": "query"}, shop=other)
    assert res.status_code == 200
    assert [d.error for d in rows(app, Delivery)] == [None]
    assert len(standin.calls) == calls  # no bulkOperation query with the other shop's token
    assert rows(app, CatalogSync)[0].status == "running"
