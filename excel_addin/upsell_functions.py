"""`=UPSELL(A2:A500, B2:B500, "bike")`: order lines in, the best companions spilled out."""

from __future__ import annotations

from typing import Any

import pandas as pd
import xlwings as xw

from engine.errors import InputError
from engine.upsell import UpsellRecommender
from excel_addin.cells import cells_of, is_blank, never_raises, spill, text_cell, whole_number


@xw.func(category="Shelfwise")
@xw.arg("order_ids", ndim=1, err_to_str=True, doc="Order number of each order line.")
@xw.arg("product_ids", ndim=1, err_to_str=True, doc="Product of each order line (same rows).")
@xw.arg("product", doc="The product to find companions for.")
@xw.arg("top", doc="Companions to show (default 5).")
@xw.ret(index=False, header=True, expand="table")
@never_raises
def UPSELL(order_ids, product_ids, product, top=5):
    """The products most often bought with PRODUCT, best first, with the reason why."""
    lines = order_lines(order_ids, product_ids)
    product = text_cell(product, "product")
    model = UpsellRecommender(whole_number(top, "top", low=1)).fit(lines)
    if product not in set(model.products_):
        raise InputError(f"product {product!r} is not among product_ids")
    recs = model.similar([product])
    return spill(pd.DataFrame({
        "rank": recs["rank"], "product": recs["recommended_id"],
        "score": recs["score"].round(3), "why": model.why(product, recs["recommended_id"])}))


def order_lines(order_ids: Any, product_ids: Any) -> pd.DataFrame:
    """Two same-length ranges as order lines; rows blank in both are skipped."""
    orders, products = cells_of(order_ids), cells_of(product_ids)
    if len(orders) != len(products):
        raise InputError(f"order_ids has {len(orders)} cells but product_ids has "
                         f"{len(products)}; select the same rows")
    rows = []
    for i, (order, item) in enumerate(zip(orders, products, strict=True)):
        if is_blank(order) and is_blank(item):
            continue
        rows.append((text_cell(order, f"order_ids (position {i + 1})"),
                     text_cell(item, f"product_ids (position {i + 1})")))
    if not rows:
        raise InputError("order_ids and product_ids are empty")
    return pd.DataFrame(rows, columns=["order_id", "product_id"])
