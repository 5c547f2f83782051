"""A seeded simulator of one Shopify store's orders, with fraud and hard legitimate cases.

Writes orders in the ``orders/create`` webhook shape (plus ``payment_details`` and failed
``transactions`` on most orders, as the app fetches them by GraphQL). Each seed draws its own
store: home country, catalogue, traffic, customer base and fraud mix.

Fraud patterns: stolen cards on high-value baskets (often shipped elsewhere, some through
reshipping addresses shared by several fraudsters, some with express shipping and several
orders per device), card-testing bursts (many small orders from a few IPs), account takeover
of good customers, "clean" fraud that looks like an ordinary first order, and friendly fraud
(chargebacks from ordinary returning customers), which no order data can catch.

Hard legitimate cases: gifts shipped to another name, address or country, travellers, big
baskets (office and reseller purchases), express shipping, households and offices sharing an
address or IP, AVS mismatches from typos, privacy users of disposable email, emails with
numbers, and new accounts created at checkout.

Labels in the output mimic what a shop knows: most fraud is cancelled as fraud or charged
back, some never found; a few good orders are cancelled as fraud by mistake. The truth is
returned separately.

Usage: ``python benchmarks/order_simulator.py --seed 7 --days 120 --out orders.jsonl``
"""

from __future__ import annotations

import argparse
import json
import string
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

FIRST = [
    "james", "mary", "john", "patricia", "robert", "jennifer", "michael", "linda", "william",
    "elizabeth", "david", "barbara", "richard", "susan", "joseph", "jessica", "thomas", "sarah",
    "charles", "karen", "chris", "nancy", "daniel", "lisa", "matthew", "betty", "anthony", "sandra",
    "mark", "ashley", "paul", "emily", "steven", "donna", "andrew", "michelle", "joshua", "carol",
    "kevin", "amanda", "brian", "melissa", "george", "deborah", "timothy", "laura", "ryan", "anna",
    "jacob", "emma", "lucas", "sofia", "noah", "mia", "liam", "olivia", "ava", "ethan", "lena",
    "jonas", "marie",
]
LAST = [
    "smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis", "rodriguez",
    "martinez", "hernandez", "lopez", "gonzalez", "wilson", "anderson", "thomas", "taylor", "moore",
    "jackson", "martin", "lee", "perez", "thompson", "white", "harris", "sanchez", "clark",
    "ramirez", "lewis", "robinson", "walker", "young", "allen", "king", "wright", "scott", "torres",
    "nguyen", "hill", "flores", "green", "adams", "nelson", "baker", "hall", "rivera", "campbell",
    "mitchell", "carter", "roberts", "muller", "schmidt", "schneider", "fischer", "weber", "meyer",
    "wagner", "becker",
]
STREETS = [
    "main", "oak", "pine", "maple", "cedar", "elm", "view", "washington", "lake", "hill", "park",
    "high", "church", "station", "mill", "river", "north", "south", "west", "victoria", "king",
    "queen", "market",
]
DOMAINS = ("gmail.com", "yahoo.com", "outlook.com", "icloud.com", "hotmail.com", "aol.com",
           "proton.me", "comcast.net", "gmx.de", "web.de", "btinternet.com")
DISPOSABLE = ("mailinator.com", "yopmail.com", "guerrillamail.com", "10minutemail.com",
              "temp-mail.org", "sharklasers.com")
COUNTRIES = ("US", "GB", "DE", "CA", "AU", "FR", "NL")
ABROAD = ("US", "GB", "DE", "CA", "AU", "FR", "NL", "ES", "IT", "NG", "RU", "BR", "CN", "IN",
          "UA", "RO", "ID", "VN")
FRAUD_SHIP = ("US", "NG", "RU", "UA", "RO", "ID", "VN", "BR", "CN")


@dataclass
class Customer:
    id: int
    first: str
    last: str
    email: str
    address: dict
    card: tuple[str, str]
    ip: str
    created: datetime
    orders: list = field(default_factory=list)
    appetite: float = 1.0


class StoreSimulator:
    """One store's order stream. Call `run` once; `orders` and `truth` hold the result.

    Parameters
    ----------
    seed : int
        Draws the store and everything in it.
    days : int
        Length of the order stream.
    """

    def __init__(self, seed: int, days: int = 120):
        self.rng = np.random.default_rng(seed)
        self.seed = seed
        self.days = days
        r = self.rng
        self.home = COUNTRIES[int(r.integers(len(COUNTRIES)))]
        self.per_day = float(r.uniform(70, 140))
        self.fraud_level = float(r.uniform(0.8, 1.3))  # scales every fraud pattern
        n_products = int(r.integers(25, 60))
        median_price = float(r.uniform(18, 60))
        self.prices = np.round(np.exp(r.normal(np.log(median_price), 0.6, n_products)), 2)
        n_high = int(r.integers(3, 7))
        self.prices[:n_high] = np.round(median_price * r.uniform(5, 15, n_high), 2)
        self.product_ids = r.integers(10**9, 10**10, n_products)
        self.offices = [self._ip() for _ in range(15)]   # IPs shared by many good customers
        self.fraud_ips = [self._ip() for _ in range(40)]  # proxies reused by fraudsters
        self.drops = [self._address(FRAUD_SHIP[int(r.integers(len(FRAUD_SHIP)))])
                      for _ in range(6)]                 # reshipping addresses
        self.start = datetime(2025, 1, 6, tzinfo=UTC)
        self.customers: list[Customer] = []
        self.orders: list[dict] = []
        self.truth: list[int] = []
        self.kind: list[str] = []
        self._next_id = 5_000_000_000 + seed * 1_000_000
        for _ in range(int(self.per_day * 12)):
            self._new_customer(self.start - timedelta(days=float(r.uniform(30, 700))))

    # ---------------------------------------------------------------- building blocks
    def _ip(self) -> str:
        r = self.rng
        return ".".join(str(int(x)) for x in r.integers(1, 255, 4))

    def _name(self) -> tuple[str, str]:
        r = self.rng
        return FIRST[int(r.integers(len(FIRST)))], LAST[int(r.integers(len(LAST)))]

    def _address(self, country: str, first: str = "", last: str = "") -> dict:
        r = self.rng
        if not first:
            first, last = self._name()
        street = STREETS[int(r.integers(len(STREETS)))]
        return {"first_name": first.title(), "last_name": last.title(),
                "name": f"{first.title()} {last.title()}",
                "address1": f"{int(r.integers(1, 999))} {street.title()} Street",
                "address2": None if r.random() < 0.8 else f"Apt {int(r.integers(1, 40))}",
                "city": f"{street.title()}ville", "zip": f"{int(r.integers(10000, 99999))}",
                "country_code": country, "country": country, "phone": None,
                "province": None, "company": None}

    def _email(self, first: str, last: str, style: str = "name") -> str:
        r = self.rng
        if style == "random":
            chars = string.ascii_lowercase + string.digits
            picks = r.integers(0, len(chars), int(r.integers(8, 14)))
            local = "".join(chars[int(i)] for i in picks)
        elif style == "numbered":
            local = f"{first}{last[:int(r.integers(1, len(last) + 1))]}{int(r.integers(1, 9999))}"
        else:
            sep = (".", "", "_")[int(r.integers(3))]
            local = f"{first}{sep}{last}" + (str(int(r.integers(1950, 2010)))
                                            if r.random() < 0.3 else "")
        domain = DOMAINS[int(r.integers(len(DOMAINS)))]
        return f"{local}@{domain}"

    def _card(self) -> tuple[str, str]:
        r = self.rng
        return str(int(r.integers(400000, 560000))), f"{int(r.integers(0, 10000)):04d}"

    def _new_customer(self, created: datetime, household: Customer | None = None) -> Customer:
        r = self.rng
        first, last = self._name()
        if household is not None:
            last = household.last
        style = "numbered" if r.random() < 0.25 else ("random" if r.random() < 0.01 else "name")
        email = self._email(first, last, style)
        if r.random() < 0.005:
            email = email.split("@")[0] + "@" + DISPOSABLE[int(r.integers(len(DISPOSABLE)))]
        address = dict(household.address) if household else self._address(self.home, first, last)
        address.update(first_name=first.title(), last_name=last.title(),
                       name=f"{first.title()} {last.title()}")
        ip = household.ip if household else (self.offices[int(r.integers(len(self.offices)))]
                                             if r.random() < 0.08 else self._ip())
        c = Customer(len(self.customers) + 1, first, last, email, address, self._card(), ip,
                     created, appetite=float(r.pareto(1.5) + 0.2))
        self.customers.append(c)
        return c

    def _basket(self, size: str) -> list[tuple[int, int]]:
        r = self.rng
        n = len(self.prices)
        if size == "small":
            cheapest = int(np.argmin(self.prices))
            return [(cheapest, 1)]
        if size == "high":
            k = int(r.integers(0, 4))
            lines = [(int(r.integers(0, min(6, n))), int(r.choice([1, 1, 2, 3, 4, 5])))]
            return lines + [(int(r.integers(0, n)), 1) for _ in range(k)]
        if size == "big":
            return [(int(r.integers(0, n)), int(r.integers(3, 20))) for _ in
                    range(int(r.integers(1, 5)))]
        cum = np.cumsum(1.0 / self.prices)
        k = (1, 1, 1, 2, 2, 3, 4)[int(r.integers(7))]
        picks = np.searchsorted(cum, r.random(k) * cum[-1])
        return [(int(j), (1, 1, 1, 1, 2, 3)[int(r.integers(6))]) for j in picks]

    def _emit(self, t: datetime, *, email: str, customer: Customer | None, billing: dict,
              shipping: dict, lines: list, express: bool, ip: str, card: tuple[str, str],
              avs: str, cvv: str, failed: int, fraud: int, kind: str, gift_card: bool = False,
              device: str = "", account_created: datetime | None = None) -> None:
        r = self.rng
        self._next_id += int(r.integers(1, 50))
        oid = self._next_id
        items = [{"id": oid * 10 + k, "product_id": int(self.product_ids[j]),
                  "title": f"Product {j}", "name": f"Product {j}", "sku": f"SKU-{j}",
                  "price": f"{self.prices[j]:.2f}", "quantity": q, "gift_card": gift_card,
                  "requires_shipping": not gift_card}
                 for k, (j, q) in enumerate(lines)]
        subtotal = float(sum(self.prices[j] * q for j, q in lines))
        ship_price = (19.0 if express else (0.0 if subtotal > 75 else 6.0))
        title = (["Express", "Overnight", "Next Day Air", "Priority"][int(r.integers(4))]
                 if express else ["Standard", "Economy", "Free Shipping"][int(r.integers(3))])
        order = {
            "id": oid, "admin_graphql_api_id": f"gid://shopify/Order/{oid}",
            "name": f"#{len(self.orders) + 1001}", "created_at": t.isoformat(timespec="seconds"),
            "email": email, "contact_email": email, "currency": "USD",
            "total_price": f"{subtotal + ship_price:.2f}", "subtotal_price": f"{subtotal:.2f}",
            "financial_status": "paid", "browser_ip": ip,
            "client_details": {"browser_ip": ip, "user_agent": "Mozilla/5.0"},
            "device_id": device or None,
            "customer": None if customer is None and account_created is None else {
                "id": customer.id if customer else 9_000_000 + oid % 10**6,
                "email": email,
                "created_at": (account_created or customer.created).isoformat(timespec="seconds"),
                "first_name": billing["first_name"], "last_name": billing["last_name"]},
            "billing_address": billing, "shipping_address": shipping, "line_items": items,
            "shipping_lines": [{"title": title, "code": title.upper().replace(" ", "_"),
                                "price": f"{ship_price:.2f}"}],
            "payment_gateway_names": ["shopify_payments"],
            "cancel_reason": None, "tags": "",
        }
        if r.random() < 0.8:
            order["payment_details"] = {
                "credit_card_bin": card[0], "credit_card_number": f"•••• •••• •••• {card[1]}",
                "credit_card_company": "Visa", "avs_result_code": avs, "cvv_result_code": cvv}
        if failed:
            order["transactions"] = [{"kind": "sale", "status": "failure"}] * failed + [
                {"kind": "sale", "status": "success"}]
        self.orders.append(order)
        self.truth.append(fraud)
        self.kind.append(kind)

    # ---------------------------------------------------------------- order types
    def _legit(self, t: datetime) -> None:
        r = self.rng
        c = self._returning(t) if r.random() < 0.55 else None
        if c is None:
            household = (self.customers[int(r.integers(len(self.customers)))]
                         if r.random() < 0.04 else None)
            at_checkout = r.random() < 0.6
            created = t - timedelta(seconds=float(r.uniform(5, 300))) if at_checkout else \
                t - timedelta(days=float(r.uniform(1, 400)))
            c = self._new_customer(created, household)
        billing = dict(c.address)
        shipping = dict(billing)
        kind = "legit"
        size = "normal"
        express = r.random() < 0.08
        ip = c.ip if r.random() < 0.85 else self._ip()
        u = r.random()
        if u < 0.08:  # gift: another person's address, sometimes abroad or in a hurry
            country = self.home if r.random() < 0.8 else ABROAD[int(r.integers(len(ABROAD)))]
            shipping = self._address(country)
            express = r.random() < 0.25
            size = "high" if r.random() < 0.2 else "normal"
            kind = "gift"
        elif u < 0.10:  # traveller: own name, foreign address and IP
            shipping = self._address(ABROAD[int(r.integers(len(ABROAD)))], c.first, c.last)
            ip = self._ip()
            kind = "traveller"
        elif u < 0.13:  # big legitimate basket
            size = "big" if r.random() < 0.6 else "high"
            express = r.random() < 0.3
            kind = "big_basket"
        elif u < 0.15:  # shipping to work
            shipping = self._address(self.home, c.first, c.last)
            kind = "to_work"
        avs = r.choice(["Y", "A", "Z", "N", "U"], p=[0.86, 0.04, 0.04, 0.04, 0.02])
        cvv = r.choice(["M", "N", "P"], p=[0.97, 0.01, 0.02])
        failed = int(r.random() < 0.03)
        card = c.card if r.random() < 0.9 else self._card()
        self._emit(t, email=c.email, customer=c, billing=billing, shipping=shipping,
                   lines=self._basket(size), express=express, ip=ip, card=card, avs=str(avs),
                   cvv=str(cvv), failed=failed, fraud=0, kind=kind)
        c.orders.append(t)

    def _returning(self, t: datetime) -> Customer | None:
        """A known customer, favouring the keen ones (the best of a few random picks)."""
        n = len(self.customers)
        picks = [self.customers[int(i)] for i in self.rng.integers(max(0, n - 3000), n, 6)]
        picks = [c for c in picks if c.created < t]
        return max(picks, key=lambda c: c.appetite) if picks else None

    def _stolen_card(self, t: datetime) -> None:
        r = self.rng
        victim_first, victim_last = self._name()
        billing = self._address(self.home, victim_first, victim_last)
        style = r.choice(["random", "numbered", "name", "disposable"], p=[0.3, 0.25, 0.3, 0.15])
        first, last = self._name()
        email = self._email(victim_first if r.random() < 0.5 else first,
                            victim_last if r.random() < 0.5 else last,
                            "name" if style == "disposable" else str(style))
        if style == "disposable":
            email = email.split("@")[0] + "@" + DISPOSABLE[int(r.integers(len(DISPOSABLE)))]
        u = r.random()
        if u < 0.3:
            shipping = dict(self.drops[int(r.integers(len(self.drops)))])
            shipping.update(first_name=first.title(), last_name=last.title(),
                            name=f"{first.title()} {last.title()}")
        elif u < 0.55:
            shipping = self._address(FRAUD_SHIP[int(r.integers(len(FRAUD_SHIP)))])
        elif u < 0.8:
            shipping = self._address(self.home)
        else:
            shipping = dict(billing)  # ships to the victim's address and intercepts it
        ip = self.fraud_ips[int(r.integers(len(self.fraud_ips)))] if r.random() < 0.6 \
            else self._ip()
        device = f"dev-{int(r.integers(10**8))}"
        n_orders = int(r.choice([1, 1, 1, 2, 3]))
        size = "high" if r.random() < 0.7 else "normal"
        express = r.random() < 0.45
        created = t - timedelta(seconds=float(r.uniform(5, 600))) if r.random() < 0.8 else \
            t - timedelta(days=float(r.uniform(1, 60)))
        for k in range(n_orders):
            when = t + timedelta(minutes=float(r.uniform(5, 600)) * k)
            card = self._card()
            self._emit(when, email=email, customer=None, billing=billing, shipping=shipping,
                       lines=self._basket(size), express=express, ip=ip, card=card,
                       avs=str(r.choice(["Y", "A", "Z", "N", "U"], p=[0.45, 0.1, 0.1, 0.3, 0.05])),
                       cvv=str(r.choice(["M", "N", "P"], p=[0.88, 0.07, 0.05])),
                       failed=int(r.choice([0, 0, 1, 2, 3])), fraud=1, kind="stolen_card",
                       device=device, account_created=created,
                       gift_card=bool(r.random() < 0.05))

    def _card_testing(self, t: datetime) -> None:
        r = self.rng
        ips = [self.fraud_ips[int(r.integers(len(self.fraud_ips)))] if r.random() < 0.3
               else self._ip() for _ in range(int(r.integers(1, 4)))]
        address = self._address(FRAUD_SHIP[int(r.integers(len(FRAUD_SHIP)))])
        for _ in range(int(r.integers(8, 30))):
            t = t + timedelta(seconds=float(r.exponential(120)))
            first, last = self._name()
            billing = self._address(self.home, first, last)
            email = self._email(first, last, "random" if r.random() < 0.6 else "numbered")
            shipping = address if r.random() < 0.7 else billing
            self._emit(t, email=email, customer=None, billing=billing, shipping=shipping,
                       lines=self._basket("small"), express=False,
                       ip=ips[int(r.integers(len(ips)))], card=self._card(),
                       avs=str(r.choice(["Y", "N", "U"], p=[0.4, 0.4, 0.2])),
                       cvv=str(r.choice(["M", "N"], p=[0.6, 0.4])),
                       failed=int(r.integers(0, 4)), fraud=1, kind="card_testing",
                       account_created=t - timedelta(seconds=float(r.uniform(2, 60))))

    def _takeover(self, t: datetime) -> None:
        r = self.rng
        good = [c for c in self.customers if len(c.orders) >= 2]
        if not good:
            return
        c = good[int(r.integers(len(good)))]
        first, last = self._name()
        shipping = self._address(FRAUD_SHIP[int(r.integers(len(FRAUD_SHIP)))]
                                 if r.random() < 0.4 else self.home, first, last)
        self._emit(t, email=c.email, customer=c, billing=dict(c.address), shipping=shipping,
                   lines=self._basket("high"), express=r.random() < 0.5,
                   ip=self.fraud_ips[int(r.integers(len(self.fraud_ips)))], card=c.card,
                   avs="Y", cvv="M", failed=0, fraud=1, kind="takeover")

    def _clean_fraud(self, t: datetime) -> None:
        r = self.rng
        first, last = self._name()
        address = self._address(self.home, first, last)
        self._emit(t, email=self._email(first, last), customer=None, billing=address,
                   shipping=dict(address), lines=self._basket("normal"),
                   express=r.random() < 0.1, ip=self._ip(), card=self._card(),
                   avs=str(r.choice(["Y", "A", "Z"])), cvv="M", failed=0, fraud=1, kind="clean",
                   account_created=t - timedelta(seconds=float(r.uniform(5, 300))))

    def _friendly_fraud(self, t: datetime) -> None:
        self._legit(t)
        self.truth[-1] = 1
        self.kind[-1] = "friendly"

    # ---------------------------------------------------------------- the stream
    def run(self) -> StoreSimulator:
        """Generate every order, in time order, and the shop's labels."""
        r = self.rng
        f = self.fraud_level
        bursts = set(r.integers(3, self.days, max(1, int(r.poisson(4.0 * f)))).tolist())
        for day in range(self.days):
            t0 = self.start + timedelta(days=day)
            events = []
            weekend = 1.2 if t0.weekday() >= 5 else 1.0
            for _ in range(int(r.poisson(self.per_day * weekend))):
                events.append((float(r.beta(3, 2)) * 86400, self._legit))
            for rate, make in ((0.012, self._stolen_card), (0.0012, self._takeover),
                               (0.0008, self._clean_fraud), (0.0004, self._friendly_fraud)):
                for _ in range(int(r.poisson(rate * self.per_day * f))):
                    events.append((float(r.uniform(0, 86400)), make))
            if day in bursts:
                events.append((float(r.uniform(0, 80000)), self._card_testing))
            for offset, make in sorted(events, key=lambda e: e[0]):
                make(t0 + timedelta(seconds=offset))
        order = sorted(range(len(self.orders)), key=lambda i: self.orders[i]["created_at"])
        self.orders = [self.orders[i] for i in order]
        self.truth = [self.truth[i] for i in order]
        self.kind = [self.kind[i] for i in order]
        for o, y in zip(self.orders, self.truth, strict=True):
            u = r.random()
            if y and u < 0.8:
                o["cancel_reason"] = "fraud"
            elif y and u < 0.92:
                o["tags"] = "chargeback"
            elif not y and u < 0.0005:
                o["cancel_reason"] = "fraud"  # a good order cancelled by mistake
        return self


def simulate(seed: int, days: int = 120) -> tuple[list[dict], np.ndarray, list[str]]:
    """Orders (time order, labelled as the shop knows them), true fraud flags and order kinds."""
    sim = StoreSimulator(seed, days).run()
    return sim.orders, np.array(sim.truth), sim.kind


def strip_labels(order: dict) -> dict:
    """An order as it arrives by webhook: no cancellation, no tags."""
    return {**order, "cancel_reason": None, "tags": ""}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--out", required=True, help="JSON Lines file to write.")
    args = parser.parse_args()
    orders, truth, kinds = simulate(args.seed, args.days)
    with open(args.out, "w", encoding="utf-8") as fh:
        for o in orders:
            fh.write(json.dumps(o) + "\n")
    print(f"{len(orders)} orders, {int(truth.sum())} fraud ({truth.mean():.2%}) -> {args.out}")


if __name__ == "__main__":
    main()
