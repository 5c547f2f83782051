"""`=UPSELL(A1:A500, B1:B500, "bike")`: order lines in, the best companions spilled out."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import xlwings as xw

from engine.errors import InputError
from engine.upsell import UpsellRecommender
from engine.validation import whole_number
from excel_addin.cells import about, is_header, never_raises, rows_of, spill, text_cell

#: Words of the column titles that order-line exports and people put above these ranges.
HEADER_WORDS = re.compile(r"\b(order|orders|invoice|transaction|receipt|basket|cart|name|"
                          r"product|products|sku|item|items|lineitem|variant|id|no|number)\b")


@xw.func(category="Shelfwise")
@xw.arg("order_ids", ndim=2, err_to_str=True, doc="Order number of each order line.")
@xw.arg("product_ids", ndim=2, err_to_str=True, doc="Product of each order line (same rows).")
@xw.arg("product", err_to_str=True, doc="The product to find companions for.")
@xw.arg("top", err_to_str=True, doc="Companions to show (default 5).")
@xw.ret(index=False, header=True, expand="table")
@never_raises
def UPSELL(order_ids, product_ids, product, top=5):
    """The products most often bought with PRODUCT, best first, with the reason why."""
    lines = order_lines(order_ids, product_ids)
    product = text_cell(product, "product")
    model = UpsellRecommender(whole_number(top, "top", high=1000))
    with about("order_ids and product_ids"):
        model.fit(lines)
    if product not in set(model.products_):
        raise InputError(f"product {product!r} is not among product_ids")
    recs = model.similar([product])
    return spill(pd.DataFrame({
        "rank": recs["rank"], "product": recs["recommended_id"],
        "score": recs["score"].round(3), "why": model.why(product, recs["recommended_id"])}))


def order_lines(order_ids: Any, product_ids: Any) -> pd.DataFrame:
    """Two same-row ranges as order lines: a header row and rows blank in both are skipped."""
    positions, cells = rows_of({"order_ids": order_ids, "product_ids": product_ids},
                               header=_is_header_row)
    rows = [(text_cell(order, f"order_ids (position {at})"),
             text_cell(item, f"product_ids (position {at})"))
            for order, item, at in zip(cells["order_ids"], cells["product_ids"], positions,
                                       strict=True)]
    return pd.DataFrame(rows, columns=["order_id", "product_id"])


def _is_header_row(top: dict[str, Any]) -> bool:
    """Ids are text too, so a top row is a header only when it reads like one."""
    words = " ".join(str(v).lower() for v in top.values() if is_header(v))
    return is_header(top["order_ids"]) and bool(HEADER_WORDS.search(words))
