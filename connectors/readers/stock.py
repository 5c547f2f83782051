"""Stock on hand from the exports shops have: Shopify inventory or products, WooCommerce products.

Items are matched to sales by SKU; a variant without one goes by the name Shopify gives its
order lines (`Title - Option1 / Option2`). `not stocked` counts as 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from connectors.files import FileError
from connectors.readers.formats import Layout
from connectors.readers.raw import RawFile
from connectors.readers.values import decimal_comma, parse_numbers

STOCK_COLUMNS = ["unique_id", "on_hand", "on_order", "location", "title", "unit_cost"]
_WORDS = {"not stocked": 0.0}


def export_stock(raw: RawFile, layout: Layout, *, overrides: dict[str, str],
                 notes: list[str]) -> tuple[pd.DataFrame, dict[str, int]]:
    """One row per variant (and location) with `STOCK_COLUMNS`, plus counts for the summary."""
    headers = {key: overrides.get(key) or layout.header_for(raw, key) for key in layout.fields}
    cells = raw.columns(h for h in headers.values() if h)
    if cells.empty:
        raise FileError(raw.name, "has a header but no rows")

    def col(key: str) -> pd.Series:
        header = headers.get(key)
        return cells[header] if header else pd.Series("", index=cells.index, dtype=object)

    numbers = {headers[k]: col(k) for k in ("on_hand", "on_order", "unit_cost")
               if headers.get(k)}
    comma = decimal_comma({k: v[v.str.lower() != "not stocked"] for k, v in numbers.items()},
                          file=raw.name)

    def number(key: str) -> pd.Series:
        if not headers.get(key):
            return pd.Series(np.nan, index=cells.index, dtype=float)
        cells_ = col(key)
        if layout.name == "woocommerce-products" and key == "on_hand":
            cells_ = cells_.where(cells_.str.lower() != "parent", "")
        return parse_numbers(cells_, file=raw.name, column=headers[key], comma=comma,
                             words=_WORDS)

    counts = {"rows": len(cells)}
    if layout.name == "woocommerce-products":
        table = _woocommerce(col, number, counts)
    else:
        handle = col("handle")
        title = col("title").replace("", np.nan).groupby(handle.to_numpy(), sort=False) \
            .transform("first").fillna("") if headers.get("handle") else col("title")
        options = [col(k) for k in ("option1", "option2", "option3")]
        variant = options[0].where(options[0].str.lower() != "default title", "")
        for extra in options[1:]:
            variant = variant.where(extra == "", variant + " / " + extra)
        name = title.where(variant == "", title + " - " + variant)
        on_hand = number("on_hand")
        keep = on_hand.notna() | (col("unique_id") != "")
        if layout.name == "shopify-products":
            untracked = on_hand.isna() & (col("unique_id") != "")
            counts["untracked"] = int(untracked.sum())
            keep = on_hand.notna()  # image rows and variants without a stock count
        sku = col("unique_id")
        table = pd.DataFrame({
            "unique_id": sku.where(sku != "", name), "on_hand": on_hand.fillna(0.0),
            "on_order": number("on_order").fillna(0.0), "location": col("location"),
            "title": name, "unit_cost": number("unit_cost")})[keep.to_numpy()]
    table = table[table["unique_id"] != ""]
    if table.empty:
        raise FileError(raw.name, "has no item with a stock count")
    return table, counts


def _woocommerce(col, number, counts) -> pd.DataFrame:
    """Variations whose `Stock` is `parent` take their parent's stock (`Parent` = SKU or id:N)."""
    stock = number("on_hand")
    ids, skus = col("id"), col("unique_id")
    by_key = {}
    for key_cells in (skus, "id:" + ids):
        by_key |= dict(zip(key_cells.to_numpy(), stock.to_numpy(), strict=True))
    inherits = col("on_hand").str.lower() == "parent"
    parent_stock = col("parent").map(lambda p: by_key.get(p, np.nan)).astype(float)
    stock = stock.where(~inherits, parent_stock)
    counts["unmanaged"] = int(stock.isna().sum())
    # a parent whose variations take its stock is planned through them, not as an item
    lent = set(col("parent")[inherits])
    container = (skus.isin(lent) & (skus != "")) | ("id:" + ids).isin(lent)
    name = col("title")
    table = pd.DataFrame({
        "unique_id": skus.where(skus != "", name), "on_hand": stock, "on_order": 0.0,
        "location": "", "title": name, "unit_cost": number("unit_cost")})
    return table[(stock.notna() & ~container).to_numpy()]


def combine(table: pd.DataFrame, by_location: bool) -> pd.DataFrame:
    """Sum stock over locations (or keep one row per location) per item."""
    keys = ["unique_id", "location"] if by_location else ["unique_id"]
    grouped = table.groupby(keys, sort=False)
    out = grouped.agg(on_hand=("on_hand", "sum"), on_order=("on_order", "sum"),
                      title=("title", "first"), unit_cost=("unit_cost", "first")).reset_index()
    cols = ["unique_id", "on_hand", "on_order"] + (["location"] if by_location else []) + \
        ["title", "unit_cost"]
    return out[cols]
