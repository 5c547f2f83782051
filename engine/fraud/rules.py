"""Risk rules: each turns features into a plain-words fact with a weight and a sentiment.

A rule's weight is its log-likelihood ratio: how many times more often (in log odds) the
signal shows on fraudulent orders than on good ones, from industry experience (card-testing
bursts and links to known fraud are near-certain; a gift to another address is weak).
Without labels the score is ``sigmoid(logit(base_rate) + sum of fired weights + anomaly)``:
a naive-Bayes reading of the facts. Positive weights are risk signals (NEGATIVE facts in
Shopify's terms), negative weights reassure (POSITIVE facts).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

MAX_FACT_CHARS = 256
"""Shopify truncates a risk fact's description at 256 characters."""


@dataclass(frozen=True)
class Fact:
    """One reason behind a score, ready for ``orderRiskAssessmentCreate``.

    Attributes
    ----------
    description : str
        A short sentence (at most 256 characters).
    sentiment : str
        ``"NEGATIVE"`` for a risk signal, ``"POSITIVE"`` for a reassuring one.
    weight : float
        The fact's contribution to the log odds of fraud; facts are ordered by its size.
    """

    description: str
    sentiment: str
    weight: float


@dataclass(frozen=True)
class Rule:
    """A named condition on the features, its weight and how to say it."""

    name: str
    weight: float
    when: Callable[[Mapping[str, np.ndarray]], np.ndarray]
    say: Callable[[Mapping[str, float], Mapping[str, object]], str]


def _n(x: float) -> str:
    return f"{int(round(x))}"


def _money(x: float) -> str:
    return f"{x:,.2f}"


RULES: tuple[Rule, ...] = (
    Rule("card_testing", 4.5, lambda f: f["ip_low_value_1h"] >= 3,
         lambda f, o: f"{_n(f['ip_low_value_1h'])} low-value orders from the same IP address "
                      "within an hour: a card-testing pattern."),
    Rule("linked_fraud", 4.0, lambda f: f["linked_fraud"] >= 1,
         lambda f, o: "Shares an email, card, IP address, shipping address or device with an "
                      "order this shop cancelled as fraud."),
    Rule("reshipper", 2.5, lambda f: f["address_customers_30d"] >= 2,
         lambda f, o: f"The shipping address was used by {_n(f['address_customers_30d'])} other "
                      "customers in the last 30 days (possible reshipping service)."),
    Rule("card_velocity", 2.5, lambda f: f["card_24h"] >= 2,
         lambda f, o: f"The same card paid for {_n(f['card_24h'])} other orders in the last "
                      "24 hours."),
    Rule("ip_many_cards", 2.5, lambda f: f["ip_cards_24h"] >= 3,
         lambda f, o: f"{_n(f['ip_cards_24h'])} other cards were used from this IP address in "
                      "the last 24 hours."),
    Rule("cvv_no_match", 2.5, lambda f: f["cvv_no_match"] > 0,
         lambda f, o: "The card security code (CVV) did not match."),
    Rule("disposable_email", 2.5, lambda f: f["email_disposable"] > 0,
         lambda f, o: f"The email address uses a disposable email service "
                      f"({str(o['email']).rpartition('@')[2][:60]})."),
    Rule("device_velocity", 2.0, lambda f: f["device_24h"] >= 2,
         lambda f, o: f"The same device placed {_n(f['device_24h'])} other orders in the last "
                      "24 hours."),
    Rule("failed_payments", 1.5, lambda f: f["failed_payments"] >= 2,
         lambda f, o: f"{_n(f['failed_payments'])} payment attempts failed before this one."),
    Rule("first_high_value_express", 1.5, lambda f: f["first_high_value_express"] > 0,
         lambda f, o: "First order from this customer, of high value, with express shipping."),
    Rule("avs_no_match", 1.5, lambda f: f["avs_no_match"] > 0,
         lambda f, o: "The billing address did not match the card's address (AVS)."),
    Rule("email_velocity", 1.5, lambda f: f["email_24h"] >= 2,
         lambda f, o: f"The same email placed {_n(f['email_24h'])} other orders in the last "
                      "24 hours."),
    Rule("ip_many_emails", 1.5, lambda f: f["ip_emails_24h"] >= 3,
         lambda f, o: f"{_n(f['ip_emails_24h'])} other email addresses ordered from this IP "
                      "address in the last 24 hours."),
    Rule("high_value_quantity", 1.5, lambda f: f["high_value_qty"] >= 3,
         lambda f, o: f"{_n(f['high_value_qty'])} units of the shop's high-value items in one "
                      "order."),
    Rule("email_random", 1.5, lambda f: f["email_random"] >= 0.5,
         lambda f, o: "The email address looks randomly generated."),
    Rule("ip_burst", 1.0, lambda f: f["ip_1h"] >= 4,
         lambda f, o: f"{_n(f['ip_1h'])} other orders came from this IP address in the last "
                      "hour."),
    Rule("very_high_value", 1.8, lambda f: f["value_ratio_shop"] >= 8,
         lambda f, o: f"Order value {_money(float(o['total']))} is "
                      f"{f['value_ratio_shop']:.0f} times this shop's typical order."),
    Rule("high_value", 0.9, lambda f: (f["value_ratio_shop"] >= 3) & (f["value_ratio_shop"] < 8),
         lambda f, o: f"Order value {_money(float(o['total']))} is "
                      f"{f['value_ratio_shop']:.1f} times this shop's typical order."),
    Rule("country_mismatch", 1.2, lambda f: f["country_mismatch"] > 0,
         lambda f, o: f"The billing country ({o['billing_country']}) differs from the shipping "
                      f"country ({o['shipping_country']})."),
    Rule("above_customer_normal", 1.2,
         lambda f: (f["prior_orders"] >= 2) & (f["value_ratio_customer"] >= 4),
         lambda f, o: f"Order value is {f['value_ratio_customer']:.1f} times this customer's "
                      "usual order."),
    Rule("gift_card", 1.0, lambda f: f["gift_card"] > 0,
         lambda f, o: "The order contains gift cards, which resell easily."),
    Rule("failed_payment", 0.8, lambda f: f["failed_payments"] == 1,
         lambda f, o: "One payment attempt failed before this one."),
    Rule("address_velocity", 1.0, lambda f: f["address_24h"] >= 3,
         lambda f, o: f"{_n(f['address_24h'])} other orders went to this shipping address in "
                      "the last 24 hours."),
    Rule("address_mismatch", 0.6, lambda f: (f["address_mismatch"] > 0)
         & (f["country_mismatch"] == 0),
         lambda f, o: "The billing address differs from the shipping address."),
    Rule("avs_partial", 0.5, lambda f: f["avs_partial"] > 0,
         lambda f, o: "The billing address only partly matched the card's address (AVS)."),
    Rule("name_mismatch", 0.5, lambda f: f["name_mismatch"] > 0,
         lambda f, o: "The name on the shipping address differs from the billing name."),
    Rule("new_customer", 0.5, lambda f: f["prior_orders"] == 0,
         lambda f, o: "First order from this customer."),
    Rule("express", 0.3, lambda f: (f["express"] > 0) & (f["first_high_value_express"] == 0),
         lambda f, o: "Express shipping was requested."),
    Rule("new_account", 0.3, lambda f: (f["account_age_days"] < 10 / 1440)
         & (f["prior_orders"] == 0),
         lambda f, o: "The customer account was created minutes before the order."),
    # reassuring facts (negative weights)
    Rule("loyal_customer", -2.5, lambda f: f["prior_good_orders"] >= 3,
         lambda f, o: f"Returning customer with {_n(f['prior_good_orders'])} earlier orders "
                      "and no fraud."),
    Rule("returning_customer", -1.2, lambda f: (f["prior_good_orders"] >= 1)
         & (f["prior_good_orders"] < 3),
         lambda f, o: f"Returning customer with {_n(f['prior_good_orders'])} earlier "
                      f"order{'s' if f['prior_good_orders'] >= 2 else ''} and no fraud."),
    Rule("payment_verified", -1.0, lambda f: f["payment_verified"] > 0,
         lambda f, o: "The card's address (AVS) and security code (CVV) both matched."),
    Rule("old_account", -0.5, lambda f: f["account_age_days"] >= 90,
         lambda f, o: f"The customer account is {f['account_age_days']:.0f} days old."),
    Rule("addresses_match", -0.3, lambda f: (f["address_mismatch"] == 0)
         & (f["country_mismatch"] == 0) & (f["name_mismatch"] == 0),
         lambda f, o: "Billing and shipping details match."),
    Rule("typical_value", -0.2, lambda f: (f["value_ratio_shop"] >= 0.3)
         & (f["value_ratio_shop"] <= 2),
         lambda f, o: "The order value is typical for this shop."),
)
"""Every rule: risk signals, then reassuring facts."""

RULE_NAMES = tuple(rule.name for rule in RULES)
ANOMALY_TEXT = "Unusual combination of order details compared with this shop's other orders."


def fired(features: Mapping[str, np.ndarray]) -> np.ndarray:
    """Which rules fire, as a boolean matrix (orders x `RULES`)."""
    return np.column_stack([np.asarray(rule.when(features), bool) for rule in RULES])


def rule_logit(hits: np.ndarray) -> np.ndarray:
    """Sum of the weights of the fired rules, per order."""
    return hits @ np.array([rule.weight for rule in RULES])


def facts(hits_row: np.ndarray, features: Mapping[str, float], order: Mapping[str, object],
          *, anomaly: float = 0.0, limit: int = 8) -> tuple[Fact, ...]:
    """The facts for one order, most important (largest weight in absolute value) first."""
    out = []
    for rule, hit in zip(RULES, hits_row, strict=True):
        if hit:
            text = rule.say(features, order).rstrip(".")[:MAX_FACT_CHARS]
            out.append(Fact(text, "NEGATIVE" if rule.weight > 0 else "POSITIVE", rule.weight))
    if anomaly > 0:
        out.append(Fact(ANOMALY_TEXT.rstrip("."), "NEGATIVE", anomaly))
    out.sort(key=lambda fact: -abs(fact.weight))
    return tuple(out[:limit])
