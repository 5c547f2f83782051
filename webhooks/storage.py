"""Storage: typed SQLAlchemy 2 models, the engine per app, sessions and start-up migrations.

SQLite (WAL mode, the default, in the instance folder) or PostgreSQL by
`SHELFWISE_DATABASE_URL`. The schema is owned by the Alembic migrations in
`webhooks/migrations/`, run by `migrate()` whenever an app is created.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from flask import Flask, current_app
from sqlalchemy import (
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    text,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def utcnow() -> datetime:
    """Naive UTC now: every timestamp in the database is naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Shop(Base):
    """An installed store and its encrypted Admin API token."""

    __tablename__ = "shops"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    domain: Mapped[str] = mapped_column(String(255), unique=True)
    token_kind: Mapped[str | None] = mapped_column(String(32))
    access_token: Mapped[str | None] = mapped_column(Text)  # Fernet-sealed
    token_expires: Mapped[datetime | None] = mapped_column(DateTime)
    refresh_token: Mapped[str | None] = mapped_column(Text)  # Fernet-sealed
    refresh_token_expires: Mapped[datetime | None] = mapped_column(DateTime)
    scope: Mapped[str | None] = mapped_column(Text)
    installed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    uninstalled_at: Mapped[datetime | None] = mapped_column(DateTime)
    shopify_id: Mapped[str | None] = mapped_column(String(64))  # gid or number, when known
    # bumped by every redaction: a process's cached model of an older generation is dropped
    privacy_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # one process refreshes the token at a time, without holding a database lock over HTTP
    token_refresh_until: Mapped[datetime | None] = mapped_column(DateTime)
    # ISO code of the shop's address (Shopify's shopAddress): whose public holidays count
    country: Mapped[str | None] = mapped_column(String(8))


class Order(Base):
    """An order of the shop's history: only the fields the models use (`webhooks.personal`).

    `payload` holds the non-identifying fields in the webhook shape; `personal` the email,
    addresses, IP and phone, sealed with the secret key; `email_digest` finds a customer's
    orders for a redaction without storing the address.
    """

    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("shop_id", "order_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[str] = mapped_column(String(32))
    customer_id: Mapped[str | None] = mapped_column(String(32), index=True)
    email_digest: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime | None] = mapped_column(DateTime)
    cancel_reason: Mapped[str | None] = mapped_column(String(32))
    payload: Mapped[str] = mapped_column(Text)
    personal: Mapped[str | None] = mapped_column(Text)  # Fernet-sealed JSON
    # 1: a full payload stored before the split (minimized by the daily privacy job); 2: split
    format: Mapped[int] = mapped_column(Integer, default=2, server_default="1")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Assessment(Base):
    """The fraud assessment of one order, written to Shopify exactly once."""

    __tablename__ = "assessments"
    __table_args__ = (UniqueConstraint("shop_id", "order_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[str] = mapped_column(String(32))
    # claimed -> writing (mutation sent) -> risk_written (on Shopify) -> written (tagged too)
    state: Mapped[str] = mapped_column(String(16))
    claimed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    score: Mapped[float | None] = mapped_column(Float)
    risk_level: Mapped[str | None] = mapped_column(String(8))
    reasons: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[str | None] = mapped_column(String(255))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    written_at: Mapped[datetime | None] = mapped_column(DateTime)


class Delivery(Base):
    """One webhook delivery, unique on `X-Shopify-Webhook-Id`, on its event and on its
    content; the body is sealed, dropped when done, and the row deleted after the
    retention period."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("shop_domain", "topic", "event_id",
                                       name="uq_webhook_deliveries_event"),
                      UniqueConstraint("digest", name="uq_webhook_deliveries_digest"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    webhook_id: Mapped[str] = mapped_column(String(255), unique=True)
    event_id: Mapped[str | None] = mapped_column(String(255))  # X-Shopify-Event-Id
    digest: Mapped[str | None] = mapped_column(String(64))  # shop, topic, body: unique
    shop_domain: Mapped[str] = mapped_column(String(255), index=True)
    topic: Mapped[str] = mapped_column(String(64))
    # queued | done | bad | failed | held (waiting for the shop's token) | redacted
    status: Mapped[str] = mapped_column(String(16), index=True)
    error: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str | None] = mapped_column(Text)  # Fernet-sealed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    first_failed_at: Mapped[datetime | None] = mapped_column(DateTime)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime)


class DataExport(Base):
    """What Shelfwise holds on a customer, gathered for a `customers/data_request`."""

    __tablename__ = "data_exports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[str | None] = mapped_column(String(32), index=True)
    request_id: Mapped[str | None] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


def database_url(url: str) -> str:
    """Use psycopg 3 for plain PostgreSQL URLs (SQLAlchemy would pick psycopg2)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str) -> Engine:
    """An engine for the URL; SQLite gets WAL, a busy timeout and BEGIN IMMEDIATE."""
    url = database_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
    if parsed.database and parsed.database != ":memory:":
        os.makedirs(os.path.dirname(os.path.abspath(parsed.database)), exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (below)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA secure_delete=ON")  # redacted personal data is overwritten
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin_immediate(conn):
        # Take the write lock up front: a deferred transaction that later writes can fail
        # with "database is locked" without waiting for the busy timeout. Readers (WAL
        # mode) need no lock and must not hold one while reading a shop's history.
        readonly = conn.get_execution_options().get("shelfwise_readonly")
        conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

    return engine


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (safe from several processes at once)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with _migration_lock(engine), engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(7270061)"))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


@contextlib.contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    try:
        import fcntl
    except ImportError:  # Windows: SQLite's own lock serializes the DDL
        yield
        return
    with open(os.path.abspath(database) + ".migrate.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


class Database:
    """The engine and session factory of one app (``app.extensions["shelfwise.db"]``)."""

    def __init__(self, url: str):
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.readers = sessionmaker(self.engine.execution_options(shelfwise_readonly=True),
                                    expire_on_commit=False)

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed on success, rolled back on error, always closed."""
        with self.sessions() as session, session.begin():
            yield session

    @contextlib.contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads only (on SQLite it takes no write lock)."""
        with self.readers() as session, session.begin():
            yield session


def init_app(app: Flask) -> None:
    """Bind the database to the app and run migrations."""
    db = Database(str(app.config["DATABASE_URL"]))
    migrate(db.engine)
    app.extensions["shelfwise.db"] = db


def db() -> Database:
    """The current app's database."""
    return current_app.extensions["shelfwise.db"]


# --- catalogue, sync runs and computed advice (issue 7) ------------------------------------

class CatalogProduct(Base):
    """A product of a synced store (bulk sync, then `products/*` webhooks)."""

    __tablename__ = "catalog_products"
    __table_args__ = (UniqueConstraint("shop_id", "product_gid"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    product_gid: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(255), default="")
    handle: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str | None] = mapped_column(String(16))
    tags: Mapped[str | None] = mapped_column(Text)  # comma-separated, as Shopify writes them
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Shopify's updated_at of the version stored: an older body arriving late is ignored
    source_updated_at: Mapped[datetime | None] = mapped_column(DateTime)


class CatalogVariant(Base):
    """A variant of a synced product, with its inventory item and stock."""

    __tablename__ = "catalog_variants"
    __table_args__ = (UniqueConstraint("shop_id", "variant_gid"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    variant_gid: Mapped[str] = mapped_column(String(64))
    product_gid: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(255), default="")
    sku: Mapped[str | None] = mapped_column(String(255))
    price: Mapped[float | None] = mapped_column(Float)
    unit_cost: Mapped[float | None] = mapped_column(Float)  # the inventory item's cost per unit
    inventory_item_gid: Mapped[str | None] = mapped_column(String(64), index=True)
    inventory_quantity: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class InventoryLevel(Base):
    """Units available of one inventory item at one location."""

    __tablename__ = "inventory_levels"
    __table_args__ = (UniqueConstraint("shop_id", "inventory_item_gid", "location_gid"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    inventory_item_gid: Mapped[str] = mapped_column(String(64))
    location_gid: Mapped[str] = mapped_column(String(64))
    available: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Shopify's updated_at of the level stored: an older body arriving late is ignored
    source_updated_at: Mapped[datetime | None] = mapped_column(DateTime)


class CatalogSync(Base):
    """One full sync of a store: bulk operations run one after another (stage by stage)."""

    __tablename__ = "catalog_syncs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(16))  # products | inventory | orders | done
    status: Mapped[str] = mapped_column(String(16), index=True)  # running | done | failed
    operation_gid: Mapped[str | None] = mapped_column(String(128), index=True)
    orders_since: Mapped[datetime | None] = mapped_column(DateTime)  # None: every order
    counts: Mapped[str | None] = mapped_column(Text)  # JSON {"products": n, ...}
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)


class ShopInsight(Base):
    """The latest computed advice of one kind for a shop (JSON), what the dashboard shows."""

    __tablename__ = "shop_insights"
    __table_args__ = (UniqueConstraint("shop_id", "kind"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    content: Mapped[str] = mapped_column(Text)
    computed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


# --- customer segment tags (issue 8) -----------------------------------------------------------

class CustomerSegmentTag(Base):
    """The ``shelfwise-segment-*`` tag last written on a Shopify customer (so re-runs send
    only changes, and a changed segment removes the old tag)."""

    __tablename__ = "customer_segment_tags"
    __table_args__ = (UniqueConstraint("shop_id", "customer_gid"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    customer_gid: Mapped[str] = mapped_column(String(64))
    tag: Mapped[str] = mapped_column(String(64))
    written_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
