"""``app/uninstalled``: the shop's tokens are revoked; its data stays until ``shop/redact``."""

from __future__ import annotations

from connectors.shopify.client import shop_domain
from webhooks import shops
from webhooks.deliveries import handles
from webhooks.storage import db


def check_shop_object(shop: str, payload: dict) -> None:
    """The body is the shop itself (``id``, ``myshopify_domain``); a domain it names must be
    the delivery's shop."""
    if payload.get("id") in (None, "") or "myshopify_domain" not in payload:
        raise ValueError("the body is not a shop (id and myshopify_domain)")
    domain = payload.get("myshopify_domain")
    if domain is not None and (not isinstance(domain, str)
                               or shop_domain(domain) != shop_domain(shop)):
        raise ValueError(f"the body is another shop's ({str(domain)[:80]})")


@handles("app/uninstalled", check=check_shop_object)
def app_uninstalled(shop: str, payload: dict) -> str:
    """Drop the tokens (Shopify revoked them); keep data until ``shop/redact``."""
    with db().session() as session:
        row = shops.get_shop(session, shop)
        if row is None:
            return "ignored (unknown shop)"
        if row.shopify_id and row.shopify_id != str(payload["id"]):
            raise ValueError("the body is another shop's (id differs)")
        row.shopify_id = str(payload["id"])
        shops.forget_tokens(session, shop)
    return "tokens deleted"
