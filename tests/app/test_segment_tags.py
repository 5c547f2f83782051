"""Customer segment tags and unusual days of revenue in the app (issue 8), end to end.

A small synced store on the Shopify stand-in (every document validated against the Admin
schema): the recommend job tags each customer that has a Shopify id with
``shelfwise-segment-<segment>``, sends nothing on an unchanged re-run, moves the tag when a
segment changes; the dashboard shows the segments chart and the revenue anomalies.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from sqlalchemy import select

from connectors.shopify import documents
from connectors.shopify.customers import TAG_PREFIX, segment_tag
from engine.segments import SEGMENT_GRID
from tests.app_support import API_KEY, API_SECRET, SHOP, app_config, session_token
from tests.shopify_bulk import FULL_SCOPES, BulkStandIn, make_store
from tests.shopify_standin import document_errors
from webhooks import advice, catalog, create_app, shops
from webhooks.queue import huey
from webhooks.storage import CustomerSegmentTag, db

NOW = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
SLUGS = {segment_tag(name) for row in SEGMENT_GRID for name in row}
TAG_MUTATIONS = ("tagsAdd", "tagsRemove")


def small_store():
    store = make_store(n_orders=240, n_products=4, variants_per_product=1, days=150, seed=3,
                       now=NOW)
    for order in store.orders[::25]:  # guest checkouts: no customer to tag
        order["customer"] = None
    big = min(store.orders, key=lambda o: abs(
        datetime.fromisoformat(o["createdAt"].rstrip("Z")) - (NOW - timedelta(days=9))))
    big["totalPriceSet"]["shopMoney"]["amount"] = "4800.00"  # a day far above the usual
    return store


@pytest.fixture(scope="module")
def standin():
    # no country: the big day is dated from today and must not fall on a public holiday
    with BulkStandIn(API_KEY, API_SECRET, store=small_store(), country=None) as s:
        yield s


@pytest.fixture(scope="module")
def app(tmp_path_factory, standin):
    huey.immediate = True
    app = create_app(app_config(tmp_path_factory.mktemp("segments"), standin.origin))
    value = standin.add_token(SHOP)
    with app.app_context():
        with db().session() as session:
            shops.save_token(session, SHOP, value, shops.ADMIN)
        catalog.sync_now(SHOP, interval=0.05)
    huey.immediate = False
    return app


@pytest.fixture(scope="module")
def first_run(app, standin):
    with app.app_context():
        result = advice.recommend(SHOP)
    return result


def tag_mutations(standin, since: int = 0) -> list[dict]:
    return [m for m in standin.mutations[since:] if m["name"] in TAG_MUTATIONS]


def stored_tags(app) -> dict[str, str]:
    with app.app_context(), db().session() as session:
        return {r.customer_gid: r.tag for r in session.scalars(select(CustomerSegmentTag))}


def customers_with_an_id(standin) -> set[str]:
    return {o["customer"]["id"] for o in standin.store.orders
            if o["customer"] and not o["cancelReason"]}


def segment_tags_of(standin, customer: str) -> set[str]:
    return {t for t in standin.tags.get(customer, set()) if t.startswith(TAG_PREFIX)}


def test_the_batch_document_is_valid_for_the_admin_schema():
    assert document_errors(documents.segment_tags_mutation([True] * 25)) == []
    assert document_errors(documents.segment_tags_mutation([False, True, False])) == []
    assert segment_tag("Can't lose them") == "shelfwise-segment-cant-lose-them"
    assert segment_tag("Potential loyalists") == "shelfwise-segment-potential-loyalists"
    assert segment_tag("At risk") == "shelfwise-segment-at-risk"


def test_recommend_tags_each_customer_with_its_segment(app, standin, first_run):
    written = stored_tags(app)
    expected = customers_with_an_id(standin)
    assert set(written) == expected and len(expected) > 50
    assert first_run.segment_tags_written == len(expected)
    added = tag_mutations(standin)
    assert all(m["name"] == "tagsAdd" for m in added)  # a first run removes nothing
    assert {m["variables"]["id"] for m in added} == expected
    assert all(len(m["variables"]["tags"]) == 1 and m["variables"]["tags"][0] in SLUGS
               for m in added)
    for customer, tag in written.items():
        assert segment_tags_of(standin, customer) == {tag}
    assert len(set(written.values())) >= 3  # several segments, not one tag for everyone
    # batched: one document per 25 customers, all valid for the schema
    batches = [c for c in standin.calls if "CustomerSegmentTags" in c["query"]]
    assert len(batches) == -(-len(expected) // 25)
    assert standin.rejected == []
    # the dashboard's segments carry the tags merchants target
    with app.app_context():
        segments = advice.load_insights(shops_id(app))["segments"][0]
    assert {s["tag"] for s in segments} == set(written.values())


def shops_id(app) -> int:
    with app.app_context(), db().session() as session:
        return shops.get_shop(session, SHOP).id


def test_a_second_run_sends_no_tag_mutations(app, standin, first_run):
    before, calls = len(standin.mutations), len(standin.calls)
    with app.app_context():
        result = advice.recommend(SHOP)
        summary = advice.load_insights(shops_id(app))["summary"][0]
    assert tag_mutations(standin, before) == []
    assert result.segment_tags_written == 0
    assert summary["segment_tags"]["unchanged"] == len(customers_with_an_id(standin))
    # not even the scope check: nothing to send, nothing asked
    assert not any("accessScopes" in c["query"] or "CustomerSegmentTags" in c["query"]
                   for c in standin.calls[calls:])


def test_the_dashboard_shows_segments_and_revenue_anomalies(app, first_run):
    client = app.test_client()
    res = client.get(f"/dashboard?shop={SHOP}&embedded=1&id_token={session_token(SHOP)}")
    page = res.get_data(as_text=True)
    assert res.status_code == 200
    segments = page[page.index("id='segments'"):page.index("id='anomalies'")]
    assert '<svg class="chart bars"' in segments and 'class="bar"' in segments
    assert "customers (" in segments and "EUR" in segments
    assert "shelfwise-segment-" in segments and "id='segment-tags'" in segments
    anomalies = page[page.index("id='anomalies'"):]
    assert "Unusual days of revenue" in anomalies and "in EUR" in anomalies
    assert '<svg class="chart revenue"' in anomalies and "EUR per day" in anomalies
    assert 'class="flag"' in anomalies
    big_day = (NOW - timedelta(days=9)).date().isoformat()
    row = re.search(rf"<tr><td>{big_day}</td><td class='num'>([\d,.]+) EUR</td>"
                    rf"<td class='num'>about ([\d,.]+) EUR</td><td class='why'>([^<]+)</td>",
                    anomalies)
    assert row, anomalies[:3000]
    assert float(row.group(1).replace(",", "")) >= 4800
    # the engine's reason as written (its figures too); "about" is the engine's expected
    assert re.fullmatch(r"\w+day's revenue is .+ a typical \w+day( \(amount [\d,.]+, typical "
                        r"about [\d,.]+\))?", unescape(row.group(3)))


def test_a_changed_segment_moves_the_tag(app, standin, first_run):
    old = stored_tags(app)
    lapsed = sorted(c for c, t in old.items() if t in (
        segment_tag("Lost"), segment_tag("Hibernating"), segment_tag("At risk")))[0]
    template = next(o for o in standin.store.orders if o["customer"])
    for k in range(6):  # the lapsed customer comes back and buys big, recently
        created = NOW - timedelta(days=1, hours=k)
        standin.store.orders.append({
            **template, "id": f"gid://shopify/Order/{9000 + k}", "name": f"#{9000 + k}",
            "createdAt": created.strftime("%Y-%m-%dT%H:%M:%SZ"), "cancelledAt": None,
            "cancelReason": None, "customer": {**template["customer"], "id": lapsed},
            "totalPriceSet": {"shopMoney": {"amount": "300.00", "currencyCode": "EUR"}}})
    with app.app_context():
        catalog.sync_now(SHOP, interval=0.05)
        before = len(standin.mutations)
        advice.recommend(SHOP)
    new = stored_tags(app)
    changed = {c for c in new if new[c] != old[c]}
    assert lapsed in changed and set(new) == set(old)
    assert new[lapsed] in (segment_tag("Champions"), segment_tag("Loyal"))
    sent = tag_mutations(standin, before)
    assert {m["variables"]["id"] for m in sent} == changed  # only the changed customers
    for customer in changed:
        mine = [m for m in sent if m["variables"]["id"] == customer]
        assert [(m["name"], m["variables"]["tags"]) for m in mine] == [
            ("tagsRemove", [old[customer]]), ("tagsAdd", [new[customer]])]
    for customer, tag in new.items():
        assert segment_tags_of(standin, customer) == {tag}  # exactly one segment tag each
    assert standin.rejected == []


def test_without_write_customers_no_tags_are_sent(app, standin):
    standin.scopes = tuple(s for s in FULL_SCOPES if s != "write_customers")
    before = len(standin.mutations)
    try:
        with app.app_context():
            api, token = shops.client(), shops.access_token(SHOP)
            outcome = advice.write_segment_tags(api, SHOP, token, shops_id(app),
                                                {"gid://shopify/Customer/999999": "Champions"})
    finally:
        standin.scopes = FULL_SCOPES
    assert outcome["written"] == 0 and "write_customers" in outcome["note"]
    assert tag_mutations(standin, before) == []


def test_a_redacted_customer_is_forgotten(app, standin, first_run):
    customer = sorted(stored_tags(app))[0]
    with app.app_context():
        assert advice.forget_customer(SHOP, customer.rsplit("/", 1)[1]) == 1
    assert customer not in stored_tags(app)
