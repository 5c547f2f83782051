"""The demo store of `shelfwise demo`, built from the bundled M5 sample in Shopify's shapes.

Real: the daily unit sales of 28 items of Walmart store CA_1 (`samples/store_daily_sales.csv`,
M5 data via the MIT-licensed R package `m5`; see `samples/SOURCES.md`), moved in time so the
last day of sales is yesterday. Synthesised here, deterministically (seeded): product titles,
prices, stock on hand, and how each day's units are split into orders (mostly with items of
the same department, so the upsell model has baskets to learn from), the customers, and a
few risky orders among the latest ones so the risk column has something to show.
Nothing here is a real person or a real order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

SAMPLE = Path(__file__).resolve().parent / "samples" / "store_daily_sales.csv"
DEMO_SHOP = "shelfwise-demo.myshopify.com"
_CATEGORY = {"FOODS": ("Pantry", (1.5, 6.0)), "HOBBIES": ("Hobby", (4.0, 25.0)),
             "HOUSEHOLD": ("Home", (3.0, 18.0))}
_NAMES = {"FOODS": ["oat crackers", "peanut butter", "tomato sauce", "rice", "coffee beans",
                    "granola", "olive oil", "pasta", "honey", "black beans", "tea", "salsa"],
          "HOBBIES": ["watercolour set", "yarn bundle", "puzzle", "sketchbook", "model kit",
                      "craft glue", "card game", "clay pack", "brush set"],
          "HOUSEHOLD": ["dish soap", "sponges", "paper towels", "laundry pods", "trash bags",
                        "candles", "storage boxes", "light bulbs", "hand soap"]}

#: Items sold as fresh food: their products carry the ``perishable`` tag (issue 15), so the
#: app plans them day by day. None is in the quick demo of tests/app/test_surfaces_agree.py.
_FRESH = {"FOODS_1_046": "sourdough bread", "FOODS_2_360": "fresh pasta",
          "FOODS_3_702": "fresh salsa"}


@dataclass(frozen=True)
class DemoStore:
    """Products and variants (one per M5 item), stock, and orders in the webhook shape."""

    products: pd.DataFrame  # product_gid, title, handle, tags, variant_gid, sku, price,
    #                         on_hand, item
    orders: list[dict]
    first_day: date
    last_day: date
    country: str = "US"  # the shop's address (store CA_1 is in California): its holidays


def build(today: date | None = None, *, seed: int = 7, sample: Path = SAMPLE) -> DemoStore:
    """The demo store whose last day of sales is the day before `today` (default: today)."""
    rng = np.random.default_rng(seed)
    sales = pd.read_csv(sample, parse_dates=["ds"])
    today = today or datetime.now().date()
    shift = pd.Timestamp(today - timedelta(days=1)) - sales["ds"].max()
    sales["ds"] = sales["ds"] + shift
    items = sorted(sales["unique_id"].unique())
    products = _products(items, sales, rng)
    orders = _orders(sales, products.set_index("item").to_dict("index"), rng)
    return DemoStore(products, orders, sales["ds"].min().date(), sales["ds"].max().date())


def _products(items: list[str], sales: pd.DataFrame, rng) -> pd.DataFrame:
    used: dict[str, int] = {}
    rows = []
    daily = sales.groupby("unique_id")["y"].sum() / 365.0
    for n, item in enumerate(items, start=1):
        cat, dept, num = item.split("_")
        label, (low, high) = _CATEGORY[cat]
        names = _NAMES[cat]
        name = names[used.get(cat, 0) % len(names)]
        used[cat] = used.get(cat, 0) + 1
        name = _FRESH.get(item, name)
        cover = rng.uniform(2.0, 30.0)  # days of stock on hand: some items need ordering now
        rows.append({"item": item, "product_gid": f"gid://shopify/Product/{9000 + n}",
                     "variant_gid": f"gid://shopify/ProductVariant/{8000 + n}",
                     "title": f"{name.capitalize()} ({label.lower()} {dept}-{num})",
                     "handle": f"{name.replace(' ', '-')}-{dept}-{num}",
                     "tags": "perishable, fresh" if item in _FRESH else "",
                     "sku": item, "price": round(float(rng.uniform(low, high)), 2),
                     "on_hand": int(round(daily[item] * cover))})
    return pd.DataFrame(rows)


def _orders(sales: pd.DataFrame, products: dict[str, dict], rng) -> list[dict]:
    customers = 2500
    joined = sales["ds"].min().to_pydatetime() - timedelta(days=400)
    orders: list[dict] = []
    line_id = 1
    for day, part in sales.groupby("ds", sort=True):
        day = day.to_pydatetime()
        units = []
        for item, y in zip(part["unique_id"], part["y"].astype(int), strict=True):
            while y > 0:
                q = int(min(y, rng.choice((1, 1, 1, 2, 2, 3))))
                units.append((item, q))
                y -= q
        rng.shuffle(units)
        by_dept: dict[str, list] = {}
        for unit in units:
            by_dept.setdefault(unit[0].rsplit("_", 1)[0], []).append(unit)
        pool = [u for dept in sorted(by_dept) for u in by_dept[dept]]  # departments together
        i = 0
        while i < len(pool):
            size = int(rng.choice((1, 1, 2, 2, 3, 4)))
            basket, i = pool[i:i + size], i + size
            lines: dict[str, int] = {}
            for item, q in basket:
                lines[item] = lines.get(item, 0) + q
            created = day + timedelta(minutes=int(rng.integers(8 * 60, 21 * 60)))
            cid = int(rng.integers(1, customers + 1))
            order_lines = []
            for item, q in lines.items():
                p = products[item]
                order_lines.append({"id": line_id, "product_id": _num(p["product_gid"]),
                                    "variant_id": _num(p["variant_gid"]), "title": p["title"],
                                    "sku": item, "quantity": q, "price": f"{p['price']:.2f}"})
                line_id += 1
            orders.append(_order(len(orders) + 1, created, cid, joined, order_lines))
    orders.sort(key=lambda o: o["created_at"])  # numbered in time order, like a shop's
    for n, order in enumerate(orders, start=1):
        order.update(id=5_000_000 + n, admin_graphql_api_id=f"gid://shopify/Order/{5_000_000 + n}",
                     name=f"#{1000 + n}")
    _risky(orders[-20:])
    return orders


def _order(n: int, created: datetime, cid: int, joined: datetime,
           lines: list[dict]) -> dict:
    total = sum(float(li["price"]) * li["quantity"] for li in lines)
    address = {"country_code": "US", "province_code": "CA", "city": "Los Angeles",
               "address1": f"{100 + cid % 900} Main St", "zip": "90001",
               "name": f"Demo Customer {cid}"}
    return {
        "id": 5_000_000 + n, "admin_graphql_api_id": f"gid://shopify/Order/{5_000_000 + n}",
        "name": f"#{1000 + n}", "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "email": f"customer{cid}@example.com", "currency": "USD",
        "total_price": f"{total:.2f}", "financial_status": "paid",
        "browser_ip": f"198.51.100.{cid % 254 + 1}", "cancel_reason": None, "test": False,
        "customer": {"id": 7_000_000 + cid, "email": f"customer{cid}@example.com",
                     "created_at": (joined + timedelta(days=cid % 300)).strftime(
                         "%Y-%m-%dT%H:%M:%SZ"), "orders_count": 1 + cid % 9},
        "billing_address": dict(address), "shipping_address": dict(address),
        "payment_details": {"avs_result_code": "Y", "cvv_result_code": "M",
                            "credit_card_bin": "424242", "credit_card_company": "Visa",
                            "credit_card_number": f"•••• •••• •••• {1000 + cid % 9000}"},
        "line_items": lines, "source_of_record": "demo",
    }


def _risky(recent: list[dict]) -> None:
    """Three of the latest orders carry risk signals (card checks failed, far-away shipping,
    a brand-new customer buying many units)."""
    if len(recent) < 12:
        return
    a, b, c = recent[-3], recent[-7], recent[-11]
    a["payment_details"].update(avs_result_code="N", cvv_result_code="N")
    a["shipping_address"].update(country_code="NG", city="Lagos", zip="100001",
                                 name="Receiver")
    a["email"] = "x9f3k2@mailinator.com"
    a["customer"] = {"id": 7_999_001, "email": a["email"], "orders_count": 1,
                     "created_at": a["created_at"]}
    a["browser_ip"] = "185.220.101.4"
    for line in a["line_items"]:
        line["quantity"] = line["quantity"] * 12
    a["total_price"] = f"{sum(float(li['price']) * li['quantity'] for li in a['line_items']):.2f}"
    b["payment_details"].update(avs_result_code="N")
    b["shipping_address"].update(country_code="GB", city="London", zip="E1 6AN")
    c["payment_details"].update(cvv_result_code="N")
    c["customer"] = {"id": 7_999_002, "email": c["email"], "orders_count": 1,
                     "created_at": c["created_at"]}


def _num(gid: str) -> int:
    return int(gid.rsplit("/", 1)[-1])


def write_files(store: DemoStore, folder: str | Path) -> tuple[Path, Path]:
    """The store as files `shelfwise advise` reads: (orders.jsonl, inventory.csv by SKU)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    orders, inventory = folder / "orders.jsonl", folder / "inventory.csv"
    with open(orders, "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(order) + "\n" for order in store.orders)
    store.products.rename(columns={"sku": "unique_id"})[["unique_id", "on_hand", "title"]] \
        .to_csv(inventory, index=False, lineterminator="\n")
    return orders, inventory
