"""The shop's country in the app (issue 16): a full sync stores it from Shopify's shop address,
and the dashboard's unusual days of revenue leave out the country's public holidays.

The stand-in answers ``shop { shopAddress { countryCodeV2 } }`` (validated against the Admin
schema); its store is a shop closed on the two German Christmas holidays of 2025.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import update

from tests.app_support import API_KEY, API_SECRET, SHOP, register_token, rows, session_token
from tests.shopify_bulk import BulkStandIn, make_store
from webhooks import advice, catalog
from webhooks.storage import CatalogSync, Shop, db

CHRISTMAS = ("2025-12-25", "2025-12-26")
AS_OF = datetime(2026, 1, 11)


def closed_at_christmas():
    """Six orders a day for 150 days to 10 Jan 2026, none on either Christmas holiday."""
    store = make_store(n_orders=900, n_products=4, variants_per_product=1, days=150, seed=5,
                       now=datetime(2026, 1, 10, 18))
    store.orders = [o for o in store.orders if o["createdAt"][:10] not in CHRISTMAS]
    return store


@pytest.fixture
def standin():
    with BulkStandIn(API_KEY, API_SECRET, store=closed_at_christmas(), country="DE") as s:
        yield s


def unusual_days(app) -> str:
    """The dashboard's section of unusual days of revenue, as the merchant sees it."""
    page = app.test_client().get(
        f"/dashboard?shop={SHOP}&embedded=1&id_token={session_token(SHOP)}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    return html[html.index("id='anomalies'"):]


def set_country(app, country: str | None) -> None:
    with app.app_context(), db().session() as session:
        session.execute(update(Shop).where(Shop.domain == SHOP).values(country=country))


def test_a_synced_shops_holidays_are_not_unusual_days(app, standin):
    register_token(app, standin)
    with app.app_context():
        assert catalog.sync_now(SHOP, interval=0.05)["status"] == "done"
    assert [s.country for s in rows(app, Shop)] == ["DE"]
    assert standin.rejected == []
    with app.app_context():
        advice.recommend(SHOP, write=False, as_of=AS_OF)
    german = unusual_days(app)
    assert "Unusual days of revenue" in german
    assert not any(f"<td>{day}</td>" in german for day in CHRISTMAS)

    set_country(app, None)  # the same shop without a country: Christmas is out of line
    with app.app_context():
        advice.recommend(SHOP, write=False, as_of=AS_OF)
    unknown = unusual_days(app)
    assert all(f"<td>{day}</td>" in unknown for day in CHRISTMAS)


def test_a_failed_country_read_keeps_the_stored_one_and_the_sync_goes_on(app, standin):
    register_token(app, standin)
    set_country(app, "AT")
    standin.error_field["shopAddress"] = "ACCESS_DENIED"
    with app.app_context():
        assert catalog.sync_now(SHOP, interval=0.05)["status"] == "done"
    assert [s.country for s in rows(app, Shop)] == ["AT"]
    assert [s.status for s in rows(app, CatalogSync)] == ["done"]


def test_a_shop_address_without_a_country_stores_none(app, standin):
    register_token(app, standin)
    set_country(app, "DE")
    standin.country = None
    with app.app_context():
        catalog.start_sync(SHOP)
    assert [s.country for s in rows(app, Shop)] == [None]


def test_migration_0007_adds_the_country_and_goes_back(tmp_path):
    """Upgrade on a fresh database, then down to 0006 and up again, the shop kept."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine, inspect, text

    from webhooks.storage import MIGRATIONS, migrate

    engine = create_engine(f"sqlite:///{tmp_path / 'shops.db'}")
    migrate(engine)
    assert "country" in {c["name"] for c in inspect(engine).get_columns("shops")}
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO shops (id, domain, installed_at, country) VALUES "
                          "(1, 'old.myshopify.com', '2026-01-01', 'DE')"))
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0006")
    assert "country" not in {c["name"] for c in inspect(engine).get_columns("shops")}
    migrate(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT domain, country FROM shops")).one() == \
            ("old.myshopify.com", None)


def test_the_demo_shop_has_a_country(app, tmp_path, monkeypatch):
    """`shelfwise demo`'s shop is in the US (on two items and 30 days: the test stays quick)."""
    from datetime import date

    import pandas as pd

    from connectors import demo_store
    from webhooks import demo

    sales = pd.read_csv(demo_store.SAMPLE, parse_dates=["ds"])
    sales = sales[sales["unique_id"].isin(sorted(sales["unique_id"].unique())[:2])
                  & (sales["ds"] > sales["ds"].max() - pd.Timedelta(days=30))]
    sales.to_csv(tmp_path / "sample.csv", index=False, date_format="%Y-%m-%d")
    build = demo_store.build
    monkeypatch.setattr(demo_store, "build",
                        lambda today=None: build(today, sample=tmp_path / "sample.csv"))
    with app.app_context():
        demo.load(date(2026, 1, 15))
    assert [s.country for s in rows(app, Shop)] == ["US"]
