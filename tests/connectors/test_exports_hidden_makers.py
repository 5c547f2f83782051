"""A second, independent generator of shop exports with the real headers (issue 12 checks).

Other seeds, other products than `tests/fixtures/exports.py`: SKUs with leading zeros, non-ASCII
titles, commas and quotes inside titles, DST offsets, continuation rows, refunds and
cancellations. `canonical_*` applies the documented rules (docs/CONTRACTS.md, Additions) to the
generated orders directly, never through the readers.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

SHOPIFY_ORDERS = [
    "Name",
    "Email",
    "Financial Status",
    "Paid at",
    "Fulfillment Status",
    "Fulfilled at",
    "Accepts Marketing",
    "Currency",
    "Subtotal",
    "Shipping",
    "Taxes",
    "Total",
    "Discount Code",
    "Discount Amount",
    "Shipping Method",
    "Created at",
    "Lineitem quantity",
    "Lineitem name",
    "Lineitem price",
    "Lineitem compare at price",
    "Lineitem sku",
    "Lineitem requires shipping",
    "Lineitem taxable",
    "Lineitem fulfillment status",
    "Billing Name",
    "Billing Street",
    "Billing Address1",
    "Billing Address2",
    "Billing Company",
    "Billing City",
    "Billing Zip",
    "Billing Province",
    "Billing Country",
    "Billing Phone",
    "Shipping Name",
    "Shipping Street",
    "Shipping Address1",
    "Shipping Address2",
    "Shipping Company",
    "Shipping City",
    "Shipping Zip",
    "Shipping Province",
    "Shipping Country",
    "Shipping Phone",
    "Notes",
    "Note Attributes",
    "Cancelled at",
    "Payment Method",
    "Payment Reference",
    "Refunded Amount",
    "Vendor",
    "Outstanding Balance",
    "Employee",
    "Location",
    "Device ID",
    "Id",
    "Tags",
    "Risk Level",
    "Source",
    "Lineitem discount",
    "Tax 1 Name",
    "Tax 1 Value",
    "Tax 2 Name",
    "Tax 2 Value",
    "Tax 3 Name",
    "Tax 3 Value",
    "Tax 4 Name",
    "Tax 4 Value",
    "Tax 5 Name",
    "Tax 5 Value",
    "Phone",
    "Receipt Number",
    "Duties",
    "Billing Province Name",
    "Shipping Province Name",
    "Payment ID",
    "Payment Terms Name",
    "Next Payment Due At",
    "Payment References",
]
INVENTORY_NEW = [
    "Handle",
    "Title",
    "Option1 Name",
    "Option1 Value",
    "Option2 Name",
    "Option2 Value",
    "Option3 Name",
    "Option3 Value",
    "SKU",
    "HS Code",
    "COO",
    "Location",
    "Bin name",
    "Incoming (not editable)",
    "Unavailable (not editable)",
    "Committed (not editable)",
    "Available (not editable)",
    "On hand (current)",
    "On hand (new)",
]
INVENTORY_OLD = [
    "Handle",
    "Title",
    "Option1 Name",
    "Option1 Value",
    "Option2 Name",
    "Option2 Value",
    "Option3 Name",
    "Option3 Value",
    "SKU",
    "HS Code",
    "COO",
    "Location",
    "Incoming",
    "Unavailable",
    "Committed",
    "Available",
    "On hand",
]
PRODUCTS_CLASSIC = [
    "Handle",
    "Title",
    "Body (HTML)",
    "Vendor",
    "Product Category",
    "Type",
    "Tags",
    "Published",
    "Option1 Name",
    "Option1 Value",
    "Option2 Name",
    "Option2 Value",
    "Option3 Name",
    "Option3 Value",
    "Variant SKU",
    "Variant Grams",
    "Variant Inventory Tracker",
    "Variant Inventory Qty",
    "Variant Inventory Policy",
    "Variant Fulfillment Service",
    "Variant Price",
    "Variant Compare At Price",
    "Variant Requires Shipping",
    "Variant Taxable",
    "Variant Barcode",
    "Image Src",
    "Image Position",
    "Image Alt Text",
    "Gift Card",
    "SEO Title",
    "SEO Description",
    "Google Shopping / Google Product Category",
    "Variant Image",
    "Variant Weight Unit",
    "Variant Tax Code",
    "Cost per item",
    "Included / United States",
    "Price / International",
    "Status",
]
PRODUCTS_NEW = [
    "Title",
    "URL handle",
    "Description",
    "Vendor",
    "Product category",
    "Type",
    "Tags",
    "Published on online store",
    "Status",
    "SKU",
    "Barcode",
    "Option1 name",
    "Option1 value",
    "Option1 Linked To",
    "Price",
    "Compare-at price",
    "Cost per item",
    "Charge tax",
    "Tax code",
    "Unit price total measure",
    "Inventory tracker",
    "Inventory quantity",
    "Continue selling when out of stock",
    "Weight value (grams)",
    "Weight unit for display",
    "Requires shipping",
    "Fulfillment service",
    "Product image URL",
    "Image position",
    "Image alt text",
    "Variant image URL",
    "Gift card",
    "SEO title",
    "SEO description",
]
WOO_ORDERS = [
    "Order Number",
    "Order Status",
    "Order Date",
    "Customer Note",
    "First Name (Billing)",
    "Last Name (Billing)",
    "Email (Billing)",
    "Item #",
    "SKU",
    "Name",
    "Product Variation",
    "Quantity",
    "Quantity (- Refund)",
    "Item Cost",
    "Order Line (w/o tax)",
    "Order Line Tax",
    "Order Line Total",
    "Order Line Total Refunded",
    "Order Line Total (- Refund)",
    "Order Refund Amount",
    "Order Total Amount",
]
WOO_PRODUCTS = [
    "ID",
    "Type",
    "SKU",
    "GTIN, UPC, EAN, or ISBN",
    "Name",
    "Published",
    "Is featured?",
    "Visibility in catalog",
    "Short description",
    "Description",
    "Date sale price starts",
    "Date sale price ends",
    "Tax status",
    "Tax class",
    "In stock?",
    "Stock",
    "Low stock amount",
    "Backorders allowed?",
    "Sold individually?",
    "Weight (kg)",
    "Length (cm)",
    "Width (cm)",
    "Height (cm)",
    "Allow customer reviews?",
    "Purchase note",
    "Sale price",
    "Regular price",
    "Categories",
    "Tags",
    "Shipping class",
    "Images",
    "Download limit",
    "Download expiry days",
    "Parent",
    "Grouped products",
    "Upsells",
    "Cross-sells",
    "External URL",
    "Button text",
    "Position",
]
SQUARE_35 = [
    "Date",
    "Time",
    "Time Zone",
    "Category",
    "Item",
    "Qty",
    "Price Point Name",
    "SKU",
    "Modifiers Applied",
    "Gross Sales",
    "Discounts",
    "Net Sales",
    "Tax",
    "Transaction ID",
    "Payment ID",
    "Device Name",
    "Notes",
    "Details",
    "Event Type",
    "Location",
    "Dining Option",
    "Customer ID",
    "Customer Name",
    "Customer Reference ID",
    "Unit",
    "Count",
    "GTIN",
    "Itemization Type",
    "Commission",
    "Employee",
    "Fulfillment Note",
    "Channel",
    "Token",
    "Card Brand",
    "PAN Suffix",
]
SQUARE_33 = [h for h in SQUARE_35 if h not in ("Commission", "Employee")]
ETSY = [
    "Sale Date",
    "Item Name",
    "Buyer",
    "Quantity",
    "Price",
    "Coupon Code",
    "Coupon Details",
    "Discount Amount",
    "Shipping Discount",
    "Order Shipping",
    "Order Sales Tax",
    "Item Total",
    "Currency",
    "Transaction ID",
    "Listing ID",
    "Date Paid",
    "Date Shipped",
    "Ship Name",
    "Ship Address1",
    "Ship Address2",
    "Ship City",
    "Ship State",
    "Ship Zipcode",
    "Ship Country",
    "Order ID",
    "Variations",
    "Order Type",
    "Listings Type",
    "Payment Type",
    "InPerson Discount",
    "InPerson Location",
    "VAT Paid by Buyer",
    "SKU",
]
UCI = [
    "InvoiceNo",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "UnitPrice",
    "CustomerID",
    "Country",
]
UCI_II = [
    "Invoice",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "Price",
    "Customer ID",
    "Country",
]

#: (SKU, title, price): leading zeros, non-ASCII, commas and quotes in titles.
PRODUCTS = [
    ("00123", "Crème brûlée dish", 14.5),
    ("0042", "Teapot, large", 32.0),
    ("ZX-9", 'Mug "Ōkami" 350ml', 9.25),
    ("BAG-ß", "Tote bag – naïve", 18.0),
    ("7", "Candle, lavender & sage", 11.75),
]


@dataclass
class Order:
    """One generated order: local time, customer, status and lines (sku, title, qty, price)."""

    order_id: str
    created: datetime
    customer: str
    status: str  # paid, refunded, partially_refunded, cancelled
    lines: list[tuple[str, str, int, float]]

    @property
    def total(self) -> float:
        return round(sum(q * p for _s, _t, q, p in self.lines), 2)


def make_orders(
    *,
    seed: int,
    days: int,
    start: str = "2024-02-20",
    per_day: float = 4.0,
    statuses: bool = True,
    customers: int = 25,
) -> list[Order]:
    """Orders over `days` local days from `start`, each day's orders at ordered random times."""
    rng = np.random.default_rng(seed)
    first = datetime.fromisoformat(start)
    orders = []
    for day in range(days):
        n = int(rng.poisson(per_day)) + (1 if day in (0, days - 1) else 0)
        seconds = np.sort(rng.integers(8 * 3600, 23 * 3600, size=n))
        for sec in seconds:
            k = int(rng.integers(1, 4))
            picks = rng.choice(len(PRODUCTS), size=k, replace=False)
            lines = [
                (PRODUCTS[i][0], PRODUCTS[i][1], int(rng.integers(1, 4)), PRODUCTS[i][2])
                for i in picks
            ]
            status = "paid"
            if statuses:
                status = str(
                    rng.choice(
                        ["paid", "refunded", "partially_refunded", "cancelled"],
                        p=[0.8, 0.07, 0.07, 0.06],
                    )
                )
            who = int(rng.integers(0, customers + 3))
            customer = "" if who >= customers else f"kunde{who:03d}@exämple.com"
            orders.append(
                Order(
                    f"#{1001 + len(orders)}",
                    first + timedelta(days=day, seconds=int(sec)),
                    customer,
                    status,
                    lines,
                )
            )
    return orders


def demand(orders: list[Order]) -> list[Order]:
    """The orders that are demand: not cancelled, not (fully) refunded."""
    return [o for o in orders if o.status not in ("cancelled", "refunded")]


def _csv(header: list[str], rows: list[dict], sep: str = ",", quote_all: bool = False) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(
        out,
        header,
        delimiter=sep,
        lineterminator="\n",
        restval="",
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
    )
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


# ------------------------------------------------------------------------------- canonical


def canonical_sales(orders: list[Order]) -> str:
    """unique_id, ds, y: units per SKU and local day of the demand orders."""
    totals: dict[tuple[str, str], int] = {}
    for o in demand(orders):
        for sku, _t, q, _p in o.lines:
            key = (sku, o.created.strftime("%Y-%m-%d"))
            totals[key] = totals.get(key, 0) + q
    rows = [{"unique_id": s, "ds": d, "y": y} for (s, d), y in sorted(totals.items())]
    return _csv(["unique_id", "ds", "y"], rows)


def canonical_lines(orders: list[Order], who=lambda c: c) -> str:
    rows = [
        {
            "order_id": o.order_id,
            "product_id": sku,
            "quantity": q,
            "customer_id": who(o.customer),
            "created_at": o.created.isoformat(sep=" "),
        }
        for o in demand(orders)
        for sku, _t, q, _p in o.lines
    ]
    return _csv(["order_id", "product_id", "quantity", "customer_id", "created_at"], rows)


def canonical_orders(orders: list[Order], who=lambda c: c) -> str:
    rows = [
        {
            "customer_id": who(o.customer),
            "created_at": o.created.isoformat(sep=" "),
            "amount": f"{o.total:.2f}",
        }
        for o in demand(orders)
        if o.customer
    ]
    return _csv(["customer_id", "created_at", "amount"], rows)


# ------------------------------------------------------------------------------- exports


def shopify_orders(
    orders: list[Order],
    *,
    tz: str = "America/New_York",
    bom: bool = False,
    blank_sku: str | None = None,
) -> str:
    """Shopify's 79 columns: order fields on the first row only, offsets that follow DST."""
    zone = ZoneInfo(tz)
    rows = []
    for o in orders:
        stamp = o.created.replace(tzinfo=zone).strftime("%Y-%m-%d %H:%M:%S %z")
        financial = "refunded" if o.status == "cancelled" else o.status
        for i, (sku, title, q, price) in enumerate(o.lines):
            row = {
                "Name": o.order_id,
                "Email": o.customer,
                "Created at": stamp,
                "Lineitem quantity": q,
                "Lineitem name": title,
                "Lineitem price": f"{price:.2f}",
                "Lineitem sku": "" if sku == blank_sku else sku,
                "Lineitem requires shipping": "true",
                "Lineitem taxable": "true",
                "Lineitem fulfillment status": "fulfilled",
                "Vendor": "Atelier",
                "Lineitem discount": "0.00",
            }
            if i == 0:
                row |= {
                    "Financial Status": financial,
                    "Currency": "USD",
                    "Subtotal": f"{o.total:.2f}",
                    "Shipping": "0.00",
                    "Taxes": "0.00",
                    "Total": f"{o.total:.2f}",
                    "Accepts Marketing": "no",
                    "Billing Zip": "'02134",
                    "Shipping Zip": "'02134",
                    "Billing Name": "Zoë Müller",
                    "Id": str(5_000_000 + len(rows)),
                    "Cancelled at": stamp if o.status == "cancelled" else "",
                    "Refunded Amount": f"{o.total:.2f}"
                    if financial == "refunded"
                    else ("5.00" if financial == "partially_refunded" else "0.00"),
                    "Fulfillment Status": "fulfilled",
                    "Risk Level": "Low",
                    "Source": "web",
                    "Paid at": stamp,
                }
            rows.append(row)
    text = _csv(SHOPIFY_ORDERS, rows)
    return ("\ufeff" + text) if bom else text


def shopify_inventory(
    stock: dict[str, list[tuple[str, int | str, int]]], *, new: bool = True
) -> str:
    """One row per variant and location; `stock[sku]` = [(location, available, incoming)]."""
    titles = {s: t for s, t, _p in PRODUCTS}
    rows = []
    for sku, places in stock.items():
        for location, available, incoming in places:
            a, i = (available, incoming) if available != "not stocked" else ("not stocked",) * 2
            row = {
                "Handle": f"h-{sku.lower()}",
                "Title": titles[sku],
                "Option1 Name": "Title",
                "Option1 Value": "Default Title",
                "SKU": sku,
                "Location": location,
            }
            if new:
                row |= {
                    "Incoming (not editable)": i,
                    "Unavailable (not editable)": 0 if a != "not stocked" else a,
                    "Committed (not editable)": 0 if a != "not stocked" else a,
                    "Available (not editable)": a,
                    "On hand (current)": a,
                    "On hand (new)": "",
                }
            else:
                row |= {
                    "Incoming": i,
                    "Unavailable": 0 if a != "not stocked" else a,
                    "Committed": 0 if a != "not stocked" else a,
                    "Available": a,
                    "On hand": a,
                }
            rows.append(row)
    return _csv(INVENTORY_NEW if new else INVENTORY_OLD, rows)


def stock_totals(stock) -> dict[str, tuple[int, int]]:
    """(on_hand, on_order) per SKU: summed over locations, `not stocked` as 0."""
    out = {}
    for sku, places in stock.items():
        on_hand = sum(a for _l, a, _i in places if a != "not stocked")
        on_order = sum(i for _l, a, i in places if a != "not stocked")
        out[sku] = (on_hand, on_order)
    return out


def canonical_items(
    totals: dict[str, tuple[int, int]], lead_time: float, on_order: bool = True
) -> str:
    rows = [
        {"unique_id": s, "on_hand": h, "on_order": o if on_order else 0, "lead_time": lead_time}
        for s, (h, o) in totals.items()
    ]
    return _csv(["unique_id", "on_hand", "on_order", "lead_time"], rows)


def shopify_products(totals: dict[str, tuple[int, int]], *, new: bool = False) -> str:
    """Products export: one row per variant plus an image-only row per product."""
    rows = []
    for sku, title, price in PRODUCTS:
        if sku not in totals:
            continue
        handle = f"h-{sku.lower()}"
        if new:
            rows.append(
                {
                    "Title": title,
                    "URL handle": handle,
                    "Status": "active",
                    "SKU": sku,
                    "Option1 name": "Title",
                    "Option1 value": "Default Title",
                    "Price": f"{price:.2f}",
                    "Cost per item": f"{price / 2:.2f}",
                    "Inventory tracker": "shopify",
                    "Inventory quantity": totals[sku][0],
                }
            )
            rows.append(
                {
                    "URL handle": handle,
                    "Product image URL": f"https://x/{sku}.jpg",
                    "Image position": 2,
                }
            )
        else:
            rows.append(
                {
                    "Handle": handle,
                    "Title": title,
                    "Published": "true",
                    "Option1 Name": "Title",
                    "Option1 Value": "Default Title",
                    "Variant SKU": sku,
                    "Variant Inventory Tracker": "shopify",
                    "Variant Inventory Qty": totals[sku][0],
                    "Variant Price": f"{price:.2f}",
                    "Cost per item": f"{price / 2:.2f}",
                    "Variant Barcode": "'0" + "7" * 12,
                    "Status": "active",
                }
            )
            rows.append(
                {"Handle": handle, "Image Src": f"https://x/{sku}.jpg", "Image Position": 2}
            )
    return _csv(PRODUCTS_NEW if new else PRODUCTS_CLASSIC, rows)


def woocommerce_products(totals: dict[str, tuple[int, int]]) -> str:
    """Products with managed stock (a number); a variable parent and a variation that inherits
    (`parent`); one product with unmanaged stock (empty)."""
    rows = []
    for n, (sku, title, price) in enumerate(PRODUCTS):
        if sku not in totals:
            rows.append(
                {
                    "ID": 900 + n,
                    "Type": "simple",
                    "SKU": sku,
                    "Name": title,
                    "Stock": "",
                    "In stock?": 1,
                    "Regular price": price,
                }
            )
            continue
        if n == 0:  # a variable product whose variation inherits the parent's stock
            rows.append(
                {
                    "ID": 900 + n,
                    "Type": "variable",
                    "SKU": "PARENT-" + sku,
                    "Name": title + " (all)",
                    "Stock": totals[sku][0],
                    "In stock?": 1,
                }
            )
            rows.append(
                {
                    "ID": 950 + n,
                    "Type": "variation",
                    "SKU": sku,
                    "Name": title,
                    "Stock": "parent",
                    "Parent": "PARENT-" + sku,
                    "In stock?": 1,
                    "Regular price": price,
                }
            )
            continue
        rows.append(
            {
                "ID": 900 + n,
                "Type": "simple",
                "SKU": sku,
                "Name": title,
                "Stock": totals[sku][0],
                "In stock?": 1,
                "Regular price": price,
            }
        )
    return _csv(WOO_PRODUCTS, rows)


def woocommerce_orders(orders: list[Order], *, comma: bool = False) -> str:
    """Advanced Order Export: one row per line, order fields on every row."""
    status = {
        "paid": "completed",
        "refunded": "refunded",
        "cancelled": "cancelled",
        "partially_refunded": "completed",
    }

    def money(v: float) -> str:
        text = f"{v:.2f}"
        return text.replace(".", ",") if comma else text

    rows = []
    for o in orders:
        for i, (sku, title, q, price) in enumerate(o.lines):
            refund_q = 1 if o.status == "partially_refunded" and i == 0 else 0
            rows.append(
                {
                    "Order Number": o.order_id.lstrip("#"),
                    "Order Status": status[o.status],
                    "Order Date": o.created.strftime("%Y-%m-%d %H:%M"),
                    "First Name (Billing)": "Zoë",
                    "Email (Billing)": o.customer,
                    "Item #": i + 1,
                    "SKU": sku,
                    "Name": title,
                    "Quantity": q,
                    "Quantity (- Refund)": q - refund_q,
                    "Item Cost": money(price),
                    "Order Line (w/o tax)": money(q * price),
                    "Order Line Tax": money(0),
                    "Order Line Total": money(q * price),
                    "Order Line Total Refunded": money(refund_q * price),
                    "Order Line Total (- Refund)": money((q - refund_q) * price),
                    "Order Refund Amount": money(refund_q * price),
                    "Order Total Amount": money(o.total),
                }
            )
    return _csv(WOO_ORDERS, rows, sep=";" if comma else ",")


def square_items(
    orders: list[Order], *, columns: int = 35, shuffle: bool = False, refunds: bool = True
) -> str:
    """Square item sales: `$` amounts, a time-zone name, refund rows with negative money."""
    header = SQUARE_35 if columns == 35 else SQUARE_33
    if shuffle:
        header = header[::-1]
    rows = []
    for o in orders:
        for sku, title, q, price in o.lines:
            base = {
                "Date": o.created.strftime("%Y-%m-%d"),
                "Time": o.created.strftime("%H:%M:%S"),
                "Time Zone": "Eastern Time (US & Canada)",
                "Category": "None",
                "Item": title,
                "Price Point Name": "Regular",
                "SKU": sku,
                "Transaction ID": o.order_id,
                "Payment ID": "p" + o.order_id,
                "Location": "Main St",
                "Customer ID": o.customer,
                "Unit": "ea",
                "Count": q,
                "Itemization Type": "Physical Good",
                "Channel": "Point of Sale",
                "Tax": "$0.00",
                "Discounts": "$0.00",
            }
            rows.append(
                base
                | {
                    "Qty": f"{q:.1f}",
                    "Gross Sales": f"${q * price:,.2f}",
                    "Net Sales": f"${q * price:,.2f}",
                    "Event Type": "Payment",
                }
            )
            if refunds and o.status == "partially_refunded":
                rows.append(
                    base
                    | {
                        "Qty": f"{-1:.1f}",
                        "Gross Sales": f"-${price:,.2f}",
                        "Net Sales": f"-${price:,.2f}",
                        "Event Type": "Refund",
                        "Transaction ID": "r" + o.order_id,
                    }
                )
    return _csv(header, rows)


def etsy_items(orders: list[Order]) -> str:
    """EtsySoldOrderItems: `MM/DD/YY` sale dates, quoted headers."""
    rows = []
    for o in orders:
        for n, (sku, title, q, price) in enumerate(o.lines):
            rows.append(
                {
                    "Sale Date": o.created.strftime("%m/%d/%y"),
                    "Item Name": title,
                    "Buyer": o.customer,
                    "Quantity": q,
                    "Price": f"{price:.2f}",
                    "Item Total": f"{q * price:.2f}",
                    "Currency": "USD",
                    "Transaction ID": f"{o.order_id[1:]}{n}",
                    "Listing ID": sku,
                    "Date Paid": o.created.strftime("%m/%d/%Y"),
                    "Order ID": o.order_id[1:],
                    "Order Type": "online",
                    "SKU": sku,
                }
            )
    return _csv(ETSY, rows, quote_all=True)


def uci_customer(email: str, tail: str = "") -> str:
    """The numeric CustomerID UCI writes (a float in many copies: `12042.0`)."""
    return email and f"{12000 + int(email[5:8])}{tail}"


def invoice_lines(
    orders: list[Order], *, style: str = "us", second: bool = False, returns: bool = True
) -> str:
    """UCI Online Retail: `C` invoices with negative quantities; date styles `us`
    (12/1/2010 8:26), `dash` (01-12-2010 08:26), `iso` (2010-12-01 08:26:00)."""
    header = UCI_II if second else UCI
    rows = []

    def when(t: datetime) -> str:
        if style == "us":
            return f"{t.month}/{t.day}/{t.year} {t.hour}:{t.minute:02d}"
        if style == "dash":
            return t.strftime("%d-%m-%Y %H:%M")
        return t.strftime("%Y-%m-%d %H:%M:00")

    for n, o in enumerate(demand(orders)):
        invoice = str(536000 + n)
        for sku, title, q, price in o.lines:
            rows.append(
                dict(
                    zip(
                        header,
                        [
                            invoice,
                            sku,
                            title.upper(),
                            q,
                            when(o.created),
                            f"{price:.2f}",
                            uci_customer(o.customer, ".0"),
                            "United Kingdom",
                        ],
                        strict=True,
                    )
                )
            )
        if returns and o.status == "partially_refunded":
            sku, title, _q, price = o.lines[0]
            rows.append(
                dict(
                    zip(
                        header,
                        [
                            "C" + invoice,
                            sku,
                            title.upper(),
                            -1,
                            when(o.created + timedelta(minutes=5)),
                            f"{price:.2f}",
                            "",
                            "United Kingdom",
                        ],
                        strict=True,
                    )
                )
            )
    return _csv(header, rows)


def canonical_revenue(orders: list[Order]) -> str:
    """ds, amount: the demand orders' revenue per local day (guests included)."""
    days: dict[str, float] = {}
    for o in demand(orders):
        day = o.created.strftime("%Y-%m-%d")
        days[day] = round(days.get(day, 0.0) + o.total, 2)
    return _csv(
        ["ds", "amount"], [{"ds": d, "amount": f"{a:.2f}"} for d, a in sorted(days.items())]
    )
