"""The advice job's pieces that stand alone: metafield inputs."""

from __future__ import annotations

import json

import pytest

from connectors.shopify.catalog import metafield
from webhooks import advice


def test_metafield_values_follow_their_types():
    assert metafield("gid://shopify/ProductVariant/1", "reorder_point", "number_integer",
                     11.2)["value"] == "11"
    assert metafield("gid://shopify/ProductVariant/1", "forecast_30_days", "number_decimal",
                     3.14159)["value"] == "3.14"
    refs = metafield("gid://shopify/Product/1", "complementary_products",
                     "list.product_reference", ["gid://shopify/Product/2"])
    assert json.loads(refs["value"]) == ["gid://shopify/Product/2"]
    assert refs["namespace"] == "$app:shelfwise"


@pytest.mark.parametrize("n", [0, 1, 25, 26, 51])
def test_metafields_of_a_run(n):
    writeback = {"products": {f"gid://shopify/Product/{i}": [f"gid://shopify/Product/{i + 1}"]
                              for i in range(n)},
                 "variants": {"gid://shopify/ProductVariant/1": {
                     "reorder_point": 3.2, "order_quantity": 7.0, "forecast_30_days": 12.0}}}
    out = advice.metafields(writeback)
    assert len(out) == n + 3
    assert [m["key"] for m in out[-3:]] == ["reorder_point", "order_quantity", "forecast_30_days"]
    assert out[-3]["value"] == "4"  # a reorder point is rounded up
