"""The export layouts Shelfwise reads, recognised by their header (see docs/ and EXPORTS.md).

Each layout names, per canonical key, the headers that may hold it (the first present wins; a
per-row fallback where the contract says "else"). Recognition needs every `signature` header.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from connectors.files import FileError
from connectors.readers.raw import RawFile, norm


@dataclass(frozen=True)
class Layout:
    """One export layout: what identifies it and where each canonical key lives."""

    name: str
    kind: str  # "lines" (order or sale lines), "stock", "sales", "orders", "items"
    signature: tuple[str, ...]
    fields: Mapping[str, tuple[str, ...]]
    required: tuple[str, ...] = ()
    dayfirst: bool | None = None  # the platform's own date order, when it has one
    notes: Mapping[str, str] = field(default_factory=dict)

    def header_for(self, raw: RawFile, key: str) -> str | None:
        """The first header of `key` present in the file."""
        for header in self.fields.get(key, ()):
            pos = raw.position(header)
            if pos is not None:
                return raw.header[pos]
        return None

    def missing(self, raw: RawFile) -> list[str]:
        """Every required header absent from the file (one alternative shown per key)."""
        gone = [h.split("|")[0] for h in self.signature if not raw.has(h)]
        for key in self.required:
            if self.header_for(raw, key) is None and self.fields[key][0] not in gone:
                gone.append(self.fields[key][0])
        return gone


SHOPIFY_ORDERS = Layout(
    "shopify-orders", "lines",
    signature=("Name", "Created at", "Lineitem quantity", "Lineitem name"),
    fields={"order_id": ("Name",), "product_id": ("Lineitem sku",),
            "product_title": ("Lineitem name",), "quantity": ("Lineitem quantity",),
            "created_at": ("Created at",), "customer_id": ("Email",),
            "order_total": ("Total",), "status": ("Financial Status",),
            "cancelled_at": ("Cancelled at",), "location": ("Location",)},
    required=("order_id", "product_title", "quantity", "created_at"))

WOOCOMMERCE_ORDERS = Layout(
    "woocommerce-orders", "lines",
    signature=("Order Number|Order ID", "Order Date", "Quantity|Qty"),
    fields={"order_id": ("Order Number", "Order ID"), "product_id": ("SKU", "Product ID"),
            "product_title": ("Item Name", "Name", "Product Name"),
            "quantity": ("Quantity", "Qty"), "created_at": ("Order Date",),
            "customer_id": ("Email (Billing)", "Billing Email", "Customer User ID",
                            "Customer Email"),
            "order_total": ("Order Total Amount", "Order Total"),
            "line_amount": ("Order Line Total", "Item Cost"),
            "status": ("Order Status", "Status")},
    required=("order_id", "product_title", "quantity", "created_at"))

SQUARE_ITEMS = Layout(
    "square-items", "lines",
    signature=("Date", "Time", "Item", "Qty"),
    fields={"order_id": ("Transaction ID",), "product_id": ("SKU",),
            "product_title": ("Item",), "variant": ("Price Point Name",),
            "quantity": ("Qty",), "date": ("Date",), "time": ("Time",),
            "customer_id": ("Customer ID",), "line_amount": ("Gross Sales",),
            "event": ("Event Type",), "location": ("Location",)},
    required=("order_id", "product_title", "quantity"))

ETSY_ITEMS = Layout(
    "etsy-items", "lines",
    signature=("Sale Date", "Item Name", "Quantity"),
    fields={"order_id": ("Order ID",), "product_id": ("SKU",),
            "product_title": ("Item Name",), "quantity": ("Quantity",),
            "created_at": ("Sale Date",), "customer_id": ("Buyer",),
            "line_amount": ("Item Total",)},
    required=("order_id", "product_title", "quantity", "created_at"),
    dayfirst=False)

INVOICE_LINES = Layout(
    "invoice-lines", "lines",
    signature=("StockCode", "Quantity", "InvoiceDate"),
    fields={"order_id": ("InvoiceNo", "Invoice"), "product_id": ("StockCode",),
            "product_title": ("Description",), "quantity": ("Quantity",),
            "created_at": ("InvoiceDate",), "customer_id": ("CustomerID", "Customer ID"),
            "price": ("UnitPrice", "Price")},
    required=("order_id", "product_id", "quantity", "created_at"))

SHOPIFY_INVENTORY = Layout(
    "shopify-inventory", "stock",
    signature=("Handle", "SKU", "Location"),
    fields={"unique_id": ("SKU",), "title": ("Title",), "handle": ("Handle",),
            "option1": ("Option1 Value",), "option2": ("Option2 Value",),
            "option3": ("Option3 Value",), "location": ("Location",),
            "on_hand": ("Available (not editable)", "Available"),
            "on_order": ("Incoming (not editable)", "Incoming")},
    required=("on_hand",))

SHOPIFY_PRODUCTS = Layout(
    "shopify-products", "stock",
    signature=("Title",),
    fields={"unique_id": ("Variant SKU", "SKU"), "title": ("Title",),
            "handle": ("Handle", "URL handle"),
            "option1": ("Option1 Value",), "option2": ("Option2 Value",),
            "option3": ("Option3 Value",),
            "on_hand": ("Variant Inventory Qty", "Inventory quantity"),
            "unit_cost": ("Cost per item",), "price": ("Variant Price", "Price")},
    required=("handle", "on_hand"))

WOOCOMMERCE_PRODUCTS = Layout(
    "woocommerce-products", "stock",
    signature=("ID", "Type", "SKU", "Name", "Stock"),
    fields={"unique_id": ("SKU",), "id": ("ID",), "title": ("Name",), "type": ("Type",),
            "on_hand": ("Stock",), "parent": ("Parent",),
            "unit_cost": ("Cost of goods", "Meta: _wc_cog_cost")},
    required=())

LINE_LAYOUTS = (SHOPIFY_ORDERS, SQUARE_ITEMS, ETSY_ITEMS, WOOCOMMERCE_ORDERS, INVOICE_LINES)
STOCK_LAYOUTS = (SHOPIFY_INVENTORY, SHOPIFY_PRODUCTS, WOOCOMMERCE_PRODUCTS)
BY_NAME = {layout.name: layout for layout in LINE_LAYOUTS + STOCK_LAYOUTS}
FORMAT_NAMES = ("auto", "canonical", "shopify-orders", "shopify-inventory", "shopify-products",
                "woocommerce-orders", "woocommerce-products", "square-items", "etsy-items",
                "invoice-lines")

#: The canonical columns of each table, required ones first (CONTRACTS.md).
CANONICAL = {
    "sales": {"required": ("unique_id", "ds", "y"), "optional": ("title", "location")},
    "lines": {"required": ("order_id", "product_id"),
              "optional": ("quantity", "customer_id", "created_at", "product_title", "amount",
                           "location")},
    "orders": {"required": ("customer_id", "created_at", "amount"), "optional": ("order_id",)},
    "items": {"required": ("unique_id", "on_hand"),
              "optional": ("lead_time", "on_order", "lead_time_sd", "unit_cost", "order_cost",
                           "holding_rate", "service_level", "moq", "pack_size", "title",
                           "location", "perishable", "price", "salvage")},
}


def parse_columns(text: str | None) -> dict[str, str]:
    """`KEY=HEADER,KEY=HEADER` (headers may be quoted) to a mapping; a bad pair raises."""
    if not text:
        return {}
    import csv

    pairs = next(csv.reader([text], skipinitialspace=True))
    mapping = {}
    for pair in pairs:
        if "=" not in pair:
            raise FileError("--columns", f"{pair!r} is not KEY=HEADER")
        key, header = pair.split("=", 1)
        mapping[key.strip()] = header.strip().strip('"').strip("'")
    return mapping


def recognise(raw: RawFile, candidates: tuple[Layout, ...], canonical: tuple[tuple[str, ...], ...],
              fmt: str = "auto") -> Layout | None:
    """The layout of `raw`: forced by `fmt`, else the first whose signature is all present.

    Returns None for the canonical columns. When nothing matches, raises `FileError`
    listing every missing column of every layout tried.
    """
    if fmt == "canonical":
        return None
    if fmt != "auto":
        layout = BY_NAME[fmt]
        gone = layout.missing(raw)
        if gone:
            raise FileError(raw.name, f"is not a {fmt} export: missing columns "
                            f"{_quoted(gone)}", row=1)
        return layout
    headers = {norm(h) for h in raw.header}
    for columns in canonical:
        if all(norm(c) in headers for c in columns):
            return None
    for layout in candidates:
        if all(raw.has(h) for h in layout.signature) and not layout.missing(raw):
            return layout
    if any(norm(c) in headers for columns in canonical for c in columns):
        return None  # meant as canonical: its reader names every missing column
    tried = [f"canonical needs {_quoted([c for c in canonical[0] if norm(c) not in headers])}"]
    tried += [f"{layout.name} needs {_quoted(layout.missing(raw))}" for layout in candidates]
    raise FileError(raw.name, "no known layout in the header; missing columns: "
                    + "; ".join(tried) + " (use --format NAME or --columns KEY=HEADER)", row=1)


def _quoted(names: list[str]) -> str:
    return ", ".join(repr(n) for n in names)
