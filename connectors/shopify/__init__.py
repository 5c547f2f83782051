"""The Shopify Admin API (GraphQL only), through Shopify's `shopifyapp` package.

`ShopifyClient` is the one way Shelfwise talks to Shopify; `documents` holds every query.
"""

from connectors.shopify.client import ShopifyClient, ShopifyError, Unauthorized, shop_name

__all__ = ["ShopifyClient", "ShopifyError", "Unauthorized", "shop_name"]
