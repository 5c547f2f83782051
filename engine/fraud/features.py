"""What a fraud analyst looks at, as numbers: one row of features per order.

Each order is compared only with orders placed *before* it (the shop's history plus earlier
orders of the same batch): its own ``created_at`` is "now", so no clock is read and a batch
of old orders is featurized exactly as it would have been live. Labels of the orders being
scored are never used.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

HOUR, DAY = 3600.0, 86400.0
KINDS = ("customer", "email", "ip", "card", "shipping_address", "device")

FEATURES = (
    "value_ratio_shop", "value_ratio_customer", "prior_orders", "prior_good_orders",
    "account_age_days", "country_mismatch", "address_mismatch", "name_mismatch",
    "email_24h", "ip_1h", "ip_24h", "card_24h", "address_24h", "device_24h",
    "ip_low_value_1h", "ip_cards_24h", "ip_emails_24h", "address_customers_30d",
    "express", "first_high_value_express", "high_value_qty", "email_disposable",
    "email_random", "avs_no_match", "avs_partial", "cvv_no_match", "payment_verified",
    "failed_payments", "linked_fraud", "gift_card", "low_value",
)
"""Feature columns, in the order models see them."""

DISPOSABLE_DOMAINS = frozenset([
    "mailinator.com", "guerrillamail.com", "guerrillamail.info", "grr.la", "sharklasers.com",
    "10minutemail.com", "tempmail.com", "temp-mail.org", "tempmail.net", "yopmail.com",
    "trashmail.com", "getnada.com", "dispostable.com", "maildrop.cc", "throwawaymail.com",
    "fakeinbox.com", "mintemail.com", "emailondeck.com", "mohmal.com", "tempail.com",
    "burnermail.io", "mailnesia.com", "spamgourmet.com", "mytemp.email", "tempr.email",
    "discard.email", "33mail.com", "moakt.com", "spam4.me", "mailcatch.com", "tempinbox.com",
    "getairmail.com", "inboxkitten.com", "emailfake.com",
])

_VOWELS = set("aeiouy")
_AVS_FULL = set("YXDMF")
_AVS_PARTIAL = set("AZWPBC")


@dataclass(frozen=True)
class ShopProfile:
    """What is normal for the shop: learned from its history.

    Attributes
    ----------
    median_total : float
        Median order value.
    low_value : float
        Orders at or below this (the 10th percentile of order values) are low-value,
        the size card testers buy.
    high_price : float
        Unit prices at or above this are the shop's high-value items.
    """

    median_total: float
    low_value: float
    high_price: float

    @classmethod
    def from_orders(cls, frame: pd.DataFrame) -> ShopProfile:
        """Learn the profile from a normalized order frame (defaults when it is empty)."""
        totals = frame["total"].to_numpy(float)
        totals = totals[totals > 0]
        if totals.size == 0:
            return cls(median_total=50.0, low_value=5.0, high_price=100.0)
        median = float(np.median(totals))
        low = float(np.quantile(totals, 0.1))  # card testers buy the cheapest item
        prices = frame["top_price"].to_numpy(float)
        prices = prices[prices > 0]
        high = float(np.quantile(prices, 0.9)) if prices.size else median
        return cls(median_total=max(median, 1.0), low_value=max(low, 1.0),
                   high_price=max(high, 1.0))


class OrderTrail:
    """Orders seen so far, by customer, email, IP, card, shipping address and device.

    The base part (the shop's history) is built once and shared; `session` gives a view
    that earlier orders of a batch are added to without touching the base.

    Parameters
    ----------
    frame : pandas.DataFrame
        A normalized order frame of past orders (labels used).
    """

    def __init__(self, frame: pd.DataFrame):
        order = np.argsort(frame["created_at"].to_numpy(float), kind="stable")
        past = frame.iloc[order]
        self.times = past["created_at"].to_numpy(float)
        self.totals = past["total"].to_numpy(float)
        self.who = _customer_keys(past["customer_id"].to_numpy(object),
                                  past["email"].to_numpy(object))
        self.cards = past["card"].to_numpy(object)
        self.emails = past["email"].to_numpy(object)
        self.labels = np.nan_to_num(past["label"].to_numpy(float))
        self.ids = frozenset(past["order_id"])
        self.base: dict[str, dict[str, np.ndarray]] = {}
        keys = {"customer": self.who, "email": self.emails}
        keys |= {k: past[k].to_numpy(object) for k in ("ip", "card", "device")}
        keys["shipping_address"] = past["shipping_address"].to_numpy(object)
        for kind, values in keys.items():
            groups = pd.Series(np.arange(len(values))).groupby(values).indices
            self.base[kind] = {k: v for k, v in groups.items() if k}

    def session(self) -> _Session:
        """A view for one batch: add orders to it as they are scored."""
        return _Session(self)


class _Session:
    def __init__(self, trail: OrderTrail):
        self.trail = trail
        self.extra: dict[str, dict[str, list[list]]] = {kind: {} for kind in KINDS}

    def add(self, order_id: str, keys: dict[str, str], t: float, total: float, who: str,
            card: str, email: str, label: float) -> None:
        if order_id in self.trail.ids:
            return
        for kind, key in keys.items():
            if key:
                cols = self.extra[kind].setdefault(key, [[], [], [], [], [], []])
                for col, value in zip(cols, (t, total, who, card, email, label), strict=True):
                    col.append(value)

    def before(self, kind: str, key: str, t: float, seconds: float = math.inf) -> Iterator[tuple]:
        """(times, totals, who, cards, emails, labels) of earlier orders with this key."""
        if not key:
            return
        trail = self.trail
        idx = trail.base[kind].get(key)
        if idx is not None:
            times = trail.times[idx]
            lo, hi = np.searchsorted(times, (t - seconds, t), side="left")
            if hi > lo:
                sel = idx[lo:hi]
                yield (trail.times[sel], trail.totals[sel], trail.who[sel], trail.cards[sel],
                       trail.emails[sel], trail.labels[sel])
        cols = self.extra[kind].get(key)
        if cols:
            lo, hi = bisect_left(cols[0], t - seconds), bisect_left(cols[0], t)
            if hi > lo:
                yield tuple(np.asarray(c[lo:hi]) for c in cols)


def order_features(frame: pd.DataFrame, trail: OrderTrail, profile: ShopProfile, *,
                   use_labels: bool = False) -> pd.DataFrame:
    """Features of every order in `frame`, against `trail` and earlier orders of the frame.

    Parameters
    ----------
    frame : pandas.DataFrame
        Normalized orders to describe.
    trail : OrderTrail
        The shop's past orders.
    profile : ShopProfile
        What is normal for the shop.
    use_labels : bool, default=False
        Let earlier orders *of this frame* pass their fraud labels on (fitting on history);
        orders being scored never do.

    Returns
    -------
    pandas.DataFrame
        Columns `FEATURES`, index as `frame`.
    """
    columns = {c: frame[c].to_numpy() for c in frame.columns}
    matrix = feature_matrix(columns, trail, profile, use_labels=use_labels)
    return pd.DataFrame(matrix, columns=list(FEATURES), index=frame.index)


def feature_matrix(columns: dict[str, np.ndarray], trail: OrderTrail, profile: ShopProfile, *,
                   use_labels: bool = False, label_delay: float = 0.0) -> np.ndarray:
    """`order_features` on the columns of a normalized order frame, as a plain matrix.

    With `use_labels`, a label of an earlier order of the frame counts only `label_delay`
    seconds after that order (fraud is found out days later, not at once).
    """
    session = trail.session()
    n = len(columns["order_id"])
    out = np.zeros((n, len(FEATURES)))
    order = np.argsort(columns["created_at"], kind="stable")
    who = _customer_keys(columns["customer_id"], columns["email"])
    lists = {c: v.tolist() for c, v in columns.items()}
    for i in order.tolist():
        row = {c: v[i] for c, v in lists.items()}
        out[i] = _describe(row, who[i], session, profile, label_delay)
        keys = {"customer": who[i], "email": row["email"], "ip": row["ip"], "card": row["card"],
                "shipping_address": row["shipping_address"], "device": row["device"]}
        label = float(row["label"]) if use_labels and not math.isnan(row["label"]) else 0.0
        session.add(row["order_id"], keys, row["created_at"], row["total"], who[i], row["card"],
                    row["email"], label)
    return out


def _describe(row: dict, who: str, session: _Session, profile: ShopProfile,
              label_delay: float = 0.0) -> list[float]:
    t, total = float(row["created_at"]), float(row["total"])
    prior = list(session.before("customer", who, t))
    prior_totals = np.concatenate([p[1] for p in prior]) if prior else np.empty(0)
    prior_labels = np.concatenate([p[5] for p in prior]) if prior else np.empty(0)
    first_seen = min((float(p[0][0]) for p in prior), default=math.nan)
    n_prior = float(prior_totals.size)
    shopify_count = row["customer_orders_count"]
    if not math.isnan(shopify_count):
        n_prior = max(n_prior, shopify_count - 1.0)
    n_good = float(max(n_prior - prior_labels.sum(), 0.0))
    customer_ratio = total / max(prior_totals.mean(), 1.0) if prior_totals.size else 1.0
    created = row["customer_created_at"]
    if not math.isnan(created):
        age = (t - created) / DAY
    elif not math.isnan(first_seen):
        age = (t - first_seen) / DAY
    else:
        age = math.nan

    def count(kind: str, key: str, seconds: float) -> float:
        return float(sum(len(p[0]) for p in session.before(kind, key, t, seconds)))

    ip_hour = list(session.before("ip", row["ip"], t, HOUR))
    ip_low = float(sum(int((p[1] <= profile.low_value).sum()) for p in ip_hour))
    ip_day = list(session.before("ip", row["ip"], t, DAY))
    ip_cards = {c for p in ip_day for c in p[3] if c and c != row["card"]}
    ip_emails = {e for p in ip_day for e in p[4] if e and e != row["email"]}
    addr = list(session.before("shipping_address", row["shipping_address"], t, 30 * DAY))
    addr_customers = {w for p in addr for w in p[2] if w and w != who}
    linked = 0.0
    known = t - label_delay
    for kind in ("customer", "email", "card", "ip", "shipping_address", "device"):
        key = who if kind == "customer" else row[kind]
        if any((p[5] * (p[0] < known)).any() for p in session.before(kind, key, t, 180 * DAY)):
            linked += 1.0

    value_ratio = total / profile.median_total
    billing, shipping = row["billing_address"], row["shipping_address"]
    has_both = bool(billing) and bool(shipping)
    high_qty = row["top_qty"] if row["top_price"] >= profile.high_price else 0.0
    avs, cvv = row["avs"], row["cvv"]
    domain = row["email"].rpartition("@")[2]
    return [
        value_ratio,
        customer_ratio,
        n_prior,
        n_good,
        max(age, 0.0) if not math.isnan(age) else math.nan,
        float(bool(row["billing_country"]) and bool(row["shipping_country"])
              and row["billing_country"] != row["shipping_country"]),
        float(has_both and billing != shipping),
        float(bool(row["billing_name"]) and bool(row["shipping_name"])
              and not _same_person(row["billing_name"], row["shipping_name"])),
        count("email", row["email"], DAY),
        float(sum(len(p[0]) for p in ip_hour)),
        float(sum(len(p[0]) for p in ip_day)),
        count("card", row["card"], DAY),
        count("shipping_address", shipping, DAY),
        count("device", row["device"], DAY),
        ip_low + float(total <= profile.low_value and ip_low > 0),
        float(len(ip_cards)),
        float(len(ip_emails)),
        float(len(addr_customers)),
        float(row["express"]),
        float(row["express"] and n_prior == 0 and value_ratio >= 3.0),
        float(high_qty),
        float(domain in DISPOSABLE_DOMAINS),
        email_randomness(row["email"]),
        float(avs == "N"),
        float(avs in _AVS_PARTIAL),
        float(cvv == "N"),
        float(avs in _AVS_FULL and cvv == "M"),
        float(row["failed_payments"]),
        linked,
        float(row["gift_card"]),
        float(total <= profile.low_value),
    ]


def email_randomness(email: str) -> float:
    """How machine-made an address's local part looks, from 0 (a name) to 1 (random).

    Examples
    --------
    >>> email_randomness("jane.smith1987@gmail.com")
    0.0
    >>> email_randomness("xk7qpz93vmtw@mail.com") >= 0.5
    True
    """
    local = re.sub(r"[.+_\-]", "", email.partition("@")[0].lower())
    if len(local) < 6:
        return 0.0
    letters = [c for c in local if c.isalpha()]
    runs = re.findall(r"[bcdfghjklmnpqrstvwxz]+", local)
    longest = max((len(r) for r in runs), default=0)
    switches = sum(1 for a, b in zip(local, local[1:], strict=False) if a.isdigit() != b.isdigit())
    vowel_share = sum(c in _VOWELS for c in letters) / max(len(letters), 1)
    score = 0.0
    score += 0.5 if longest >= 5 else 0.25 if longest == 4 else 0.0
    score += 0.5 if switches >= 3 else 0.0
    score += 0.25 if len(letters) >= 6 and vowel_share < 0.2 else 0.0
    score += 0.25 if sum(c.isdigit() for c in local) >= 6 else 0.0
    return min(score, 1.0)


def _same_person(a: str, b: str) -> bool:
    return a == b or a in b or b in a or a[-4:] == b[-4:]


def _customer_keys(ids: np.ndarray, emails: np.ndarray) -> np.ndarray:
    return np.array([f"c:{c}" if c else (f"e:{e}" if e else "") for c, e in
                     zip(ids, emails, strict=True)], dtype=object)
