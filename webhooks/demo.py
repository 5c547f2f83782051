"""Demo mode: load the bundled demo store into storage and compute its advice.

Only `shelfwise demo` turns demo mode on (``DEMO_SHOP`` in the app configuration, never
from the environment); then that one shop's dashboard opens without a Shopify session
token. Nothing is written to Shopify.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete

from connectors import demo_store
from connectors.shopify.client import shop_domain
from webhooks import advice, history, shops
from webhooks.storage import CatalogProduct, CatalogVariant, InventoryLevel, Order, db


def load(today: date | None = None) -> dict:
    """(Re)create the demo shop from the bundled data; its summary counts."""
    store = demo_store.build(today)
    domain = demo_store.DEMO_SHOP
    with db().session() as session:
        old = shops.get_shop(session, domain)
        if old is not None:
            session.execute(delete(Order).where(Order.shop_id == old.id))
            session.delete(old)
    with db().session() as session:
        shop = shops.get_or_create_shop(session, domain)
        shop.scope = "read_orders,read_all_orders,read_products,read_inventory"
        shop.country = store.country  # as a full sync stores it: its public holidays count
        session.flush()
        for p in store.products.to_dict("records"):
            item = p["variant_gid"].replace("ProductVariant", "InventoryItem")
            session.add(CatalogProduct(shop_id=shop.id, product_gid=p["product_gid"],
                                       title=p["title"], handle=p["handle"], status="ACTIVE",
                                       tags=p["tags"]))
            session.add(CatalogVariant(shop_id=shop.id, variant_gid=p["variant_gid"],
                                       product_gid=p["product_gid"], title="Default Title",
                                       sku=p["sku"], price=p["price"], inventory_item_gid=item,
                                       inventory_quantity=p["on_hand"]))
            session.add(InventoryLevel(shop_id=shop.id, inventory_item_gid=item,
                                       location_gid="gid://shopify/Location/1",
                                       available=p["on_hand"]))
        for o in store.orders:  # checked and stored as the app stores orders
            history.save(session, shop.id, o, keep_newer=False)
    return {"shop": domain, "products": len(store.products), "orders": len(store.orders),
            "first_day": store.first_day, "last_day": store.last_day}


def build(today: date | None = None) -> dict:
    """Load the demo store and run the models on it (no write-back)."""
    summary = load(today)
    result = advice.recommend(summary["shop"], write=False)
    summary["seconds"] = result.seconds
    return summary


def is_demo(app_config, shop: str | None) -> bool:
    """True only in demo mode and only for the demo shop."""
    demo = app_config.get("DEMO_SHOP")
    return bool(demo) and bool(shop) and shop_domain(shop) == demo

