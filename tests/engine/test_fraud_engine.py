"""Fraud scoring engine: real orders in the webhook shape (read by the one Shopify order
parser into the engine's order frame), real behaviour out."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.ensemble import IsolationForest
from sklearn.exceptions import NotFittedError

from connectors.shopify.orders import InvalidOrder, fraud_frame, parse_orders
from engine.errors import InputError
from engine.fraud import FraudScorer, order_frame, score_orders
from engine.fraud.features import FEATURES, email_randomness
from engine.fraud.model import _FlatForest, _probability
from engine.fraud.rules import MAX_FACT_CHARS
from tests.conftest import DATA

TEMPLATE = json.loads((DATA / "orders_create.json").read_text())
START = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
NAMES = ["anna", "ben", "carla", "dave", "emma", "felix", "gina", "hugo", "ines", "jack",
         "kate", "liam", "mona", "nils", "olga", "paul", "rita", "sam", "tina", "umar"]


def frame(orders: list[dict]):
    """Webhook bodies as the engine's order frame, as the app and the CLI pass them."""
    return fraud_frame(parse_orders(orders))


def address(name: str, street: str, country: str = "US") -> dict:
    first, _, last = name.partition(" ")
    return {"first_name": first, "last_name": last or "Doe", "name": name, "address1": street,
            "address2": None, "city": "Springfield", "zip": "40003", "country_code": country,
            "country": country}


def make_order(order_id: int, when: datetime, *, email: str, customer_id: int | None = None,
               total: float = 45.0, ip: str = "10.0.0.1", billing: dict | None = None,
               shipping: dict | None = None, card: str = "411111-1111", avs: str = "Y",
               cvv: str = "M", shipping_title: str = "Standard", price: float | None = None,
               quantity: int = 1, cancel_reason: str | None = None,
               customer_created: datetime | None = None) -> dict:
    """A copy of Shopify's sample orders/create body with the fields a test cares about."""
    order = copy.deepcopy(TEMPLATE)
    billing = billing or address("Anna Doe", "1 Elm Street")
    bin_, _, last4 = card.partition("-")
    unit = total / quantity if price is None else price
    order.update(
        id=order_id, created_at=when.isoformat(), email=email, contact_email=email,
        total_price=f"{total:.2f}", browser_ip=ip, billing_address=billing,
        shipping_address=shipping or dict(billing), cancel_reason=cancel_reason,
        cancelled_at=None, tags="",
        payment_details={"credit_card_bin": bin_, "credit_card_number": f"•••• {last4}",
                         "avs_result_code": avs, "cvv_result_code": cvv},
        shipping_lines=[{"title": shipping_title, "code": shipping_title, "price": "5.00"}],
    )
    order["line_items"] = [{**TEMPLATE["line_items"][0], "price": f"{unit:.2f}",
                            "quantity": quantity}]
    order["customer"] = {**TEMPLATE["customer"], "id": customer_id or order_id, "email": email,
                         "created_at": (customer_created or START - timedelta(days=200))
                         .isoformat()}
    return order


def shop_history(n_days: int = 60, *, fraud: bool = False) -> list[dict]:
    """20 regular customers ordering every few days; with `fraud`, 12 labelled fraud orders."""
    orders, oid = [], 1000
    rng = np.random.default_rng(5)
    for day in range(n_days):
        for k in range(3):
            c = int(rng.integers(len(NAMES)))
            name = NAMES[c]
            oid += 1
            orders.append(make_order(
                oid, START + timedelta(days=day, hours=2 + 3 * k), email=f"{name}@mail.com",
                customer_id=500 + c, total=float(rng.uniform(30, 70)), ip=f"10.0.1.{c}",
                billing=address(f"{name} Doe", f"{c} Oak Street"), card=f"4111{c:02d}-00{c:02d}"))
    if fraud:
        for j in range(12):
            oid += 1
            orders.append(fraud_order(oid, START + timedelta(days=3 + 4 * j, hours=1), j,
                                      cancel_reason="fraud"))
    return sorted(orders, key=lambda o: o["created_at"])


def fraud_order(oid: int, when: datetime, j: int, **kw) -> dict:
    """A first order, high value, shipped abroad to someone else, express, AVS mismatch."""
    return make_order(oid, when, email=f"zq{j}x7kw{j}p9v@mail.com", total=900.0 + 10 * j,
                      ip=f"172.16.{j}.9", billing=address("Mark Lee", f"{j} Pine Road"),
                      shipping=address("Ivan Roe", "9 Dock Lane", "RO"),
                      card=f"5500{j:02d}-77{j:02d}", avs="N", shipping_title="Express", quantity=3,
                      customer_created=when - timedelta(minutes=2), **kw)


@pytest.fixture(scope="module")
def history():
    return shop_history()


@pytest.fixture(scope="module")
def scorer(history):
    return FraudScorer().fit(frame(history))


def test_sample_webhook_is_read_field_by_field():
    row = frame([TEMPLATE]).iloc[0]
    assert row["order_id"] == "820982911946154508"
    assert row["email"] == "jon@example.com" and row["total"] == 388.0
    assert row["billing_country"] == row["shipping_country"] == "US"
    assert row["top_price"] == 199.0 and row["top_qty"] == 2 and not row["express"]
    assert row["label"] == 0  # cancelled, but for "customer", not fraud


def test_card_testing_burst_is_high(scorer, history):
    t0 = START + timedelta(days=61, hours=3)
    burst = [make_order(9000 + i, t0 + timedelta(minutes=3 * i), email=f"q{i}x8z{i}k2@mail.com",
                        total=2.0 + i % 3, ip="203.0.113.7", card=f"4242{i:02d}-00{i:02d}",
                        billing=address("Random Person", f"{i} Test Street"))
             for i in range(12)]
    out = scorer.assess(frame(burst))
    assert (out["risk_level"].iloc[4:] == "HIGH").all(), out[["score", "risk_level"]]
    assert "card-testing" in out["facts"].iloc[-1][0].description
    assert out["score"].iloc[-1] > 0.9


def test_ordinary_repeat_customer_is_low(scorer):
    order = make_order(8001, START + timedelta(days=61, hours=5), email="anna@mail.com",
                       customer_id=500, total=48.0, ip="10.0.1.0",
                       billing=address("anna Doe", "0 Oak Street"), card="411100-0000")
    out = scorer.assess(frame([order]))
    assert out.loc[0, "risk_level"] == "LOW" and out.loc[0, "score"] < 0.02
    first = out.loc[0, "facts"][0]
    assert first.sentiment == "POSITIVE" and "Returning customer" in first.description


def test_reasons_are_short_ordered_and_carry_sentiment(scorer):
    t = START + timedelta(days=62)
    orders = [fraud_order(7000 + j, t + timedelta(hours=j), j) for j in range(3)]
    orders.append(make_order(7100, t, email="ben@mail.com", customer_id=501, ip="10.0.1.1"))
    out = scorer.assess(frame(orders))
    for facts, reasons in zip(out["facts"], out["reasons"], strict=True):
        assert facts and reasons == "; ".join(f.description for f in facts)
        assert all(len(f.description) <= MAX_FACT_CHARS for f in facts)
        weights = [abs(f.weight) for f in facts]
        assert weights == sorted(weights, reverse=True)
        assert {f.sentiment for f in facts} <= {"POSITIVE", "NEGATIVE"}
        assert all((f.sentiment == "NEGATIVE") == (f.weight > 0) for f in facts)
    assert (out["risk_level"].iloc[:3] != "LOW").all()
    assert out["facts"].iloc[0][0].sentiment == "NEGATIVE"


def test_supervised_model_is_used_when_labels_exist(scorer):
    assert scorer.classifier_ is None and scorer.n_fraud_labels_ == 0
    labelled = FraudScorer().fit(frame(shop_history(fraud=True)))
    assert labelled.classifier_ is not None and labelled.n_fraud_labels_ == 12
    t = START + timedelta(days=61)
    new = [fraud_order(6000, t, 20), make_order(6001, t, email="carla@mail.com",
                                                customer_id=502, ip="10.0.1.2",
                                                billing=address("carla Doe", "2 Oak Street"),
                                                card="411102-0002")]
    scores = labelled.assess(frame(new))["score"].to_numpy()
    assert scores[0] > 0.5 > 0.05 > scores[1]
    design = labelled._design(np.random.default_rng(0).uniform(0, 3, (5, len(FEATURES))))[0]
    assert np.allclose(_probability(labelled.classifier_, design),
                       labelled.classifier_.predict_proba(design)[:, 1])


def test_labels_of_scored_orders_are_not_used(scorer):
    t = START + timedelta(days=61)
    plain = [fraud_order(5000, t, 1), make_order(5001, t + timedelta(hours=1),
                                                 email="new@mail.com", ip="172.16.1.9")]
    marked = copy.deepcopy(plain)
    marked[0]["cancel_reason"] = "fraud"
    scores = scorer.assess(frame(plain))["score"].tolist()
    assert scores == scorer.assess(frame(marked))["score"].tolist()


def test_link_to_known_fraud_in_history_is_a_strong_signal():
    history = shop_history(fraud=True)
    known = next(o for o in history if o["cancel_reason"] == "fraud")
    t = START + timedelta(days=61)
    again = make_order(4000, t, email=known["email"], total=40.0, ip="10.9.9.9")
    out = FraudScorer(supervised="off").fit(frame(history)).assess(frame([again]))
    assert out.loc[0, "facts"][0].description.startswith("Shares an email")


def test_payment_details_from_transactions_and_velocity_by_card(scorer):
    t = START + timedelta(days=61)
    orders = []
    for i in range(3):
        order = make_order(3000 + i, t + timedelta(minutes=20 * i), email=f"p{i}@mail.com",
                           ip=f"198.51.100.{i}", card="550000-1234", cvv="N")
        order["transactions"] = [{"status": "success",
                                  "payment_details": order.pop("payment_details")}]
        orders.append(order)
    last = scorer.assess(frame(orders)).loc[2, "reasons"]
    assert "security code (CVV) did not match" in last
    assert "same card paid for 2 other orders" in last


def test_score_orders_without_history_learns_from_the_orders():
    orders = shop_history(20)
    out = score_orders(frame(orders))
    assert list(out.columns[:4]) == ["order_id", "score", "risk_level", "reasons"]
    assert out["order_id"].tolist() == [str(o["id"]) for o in orders]
    assert out["score"].between(0, 1).all() and (out["risk_level"] == "LOW").mean() > 0.9


def test_bad_orders_name_the_record_and_field():
    good = make_order(1, START, email="a@b.com")
    cases = [({**good, "total_price": "12,5x"}, "total_price"),
             ({**good, "created_at": "yesterday"}, "created_at"),
             ({**good, "id": None}, "id"),
             ({**good, "line_items": [{"price": "x", "quantity": 1}]}, "line_items.0.price"),
             ({**good, "customer": "bob"}, "customer")]
    for bad, field in cases:
        with pytest.raises(InvalidOrder) as info:
            parse_orders([good, bad])
        assert (info.value.row, info.value.field) == (1, field)
    with pytest.raises(InvalidOrder) as info:
        parse_orders([good, "not an order"])
    assert info.value.row == 1


def test_engine_takes_a_frame_not_shopify_json():
    with pytest.raises(InputError, match="DataFrame"):
        FraudScorer().fit([make_order(1, START, email="a@b.com")])
    with pytest.raises(InputError) as info:
        order_frame(frame([make_order(1, START, email="a@b.com")]).drop(columns="total"))
    assert info.value.column == "total"


def test_estimator_conventions(history):
    scorer = FraudScorer(0.02, high_threshold=0.6)
    assert clone(scorer).get_params() == scorer.get_params()
    with pytest.raises(NotFittedError):
        scorer.assess(frame(history[:1]))
    assert scorer.fit(frame(history)) is scorer and hasattr(scorer, "profile_")
    with pytest.raises(InputError):
        FraudScorer(medium_threshold=0.7, high_threshold=0.5).fit(frame(history))


def test_flat_forest_matches_scikit_learn():
    rng = np.random.default_rng(0)
    x = np.column_stack([rng.normal(size=600), rng.integers(0, 3, 600), rng.exponential(size=600)])
    forest = IsolationForest(n_estimators=30, max_samples=128, random_state=1).fit(x)
    assert np.allclose(_FlatForest(forest).score_samples(x), forest.score_samples(x))


def test_email_randomness():
    assert email_randomness("jane.smith1987@gmail.com") == 0
    assert email_randomness("k3jx9qzt7w@mail.com") >= 0.5


def test_fitted_scorer_pickles_for_reuse_and_levels_follow_thresholds(scorer, history):
    import pickle

    orders = [fraud_order(1500 + j, START + timedelta(days=61, hours=j), j) for j in range(3)]
    orders += history[-20:]
    out = scorer.assess(frame(orders))
    again = pickle.loads(pickle.dumps(scorer)).assess(frame(orders))
    assert out["score"].tolist() == again["score"].tolist()
    expected = np.where(out["score"] >= 0.5, "HIGH", np.where(out["score"] >= 0.1, "MEDIUM", "LOW"))
    assert out["risk_level"].tolist() == expected.tolist()
    assert {"HIGH", "LOW"} <= set(out["risk_level"])
