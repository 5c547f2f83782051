"""Shared fixtures: the bundled sample sales and the Excel harness."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
SAMPLE_SALES = REPO / "connectors" / "samples" / "store_daily_sales.csv"


@pytest.fixture
def udfs(monkeypatch):
    """`excel_addin.udfs` as Excel sees it: decorator options applied, conversion real."""
    from tests.excel_harness import load_udfs

    return load_udfs(monkeypatch)


# --- the Shopify app: a temporary SQLite instance, the Shopify stand-in, inline tasks ---------

@pytest.fixture
def standin():
    """The local Shopify stand-in (real HTTP on loopback, the Admin schema checked)."""
    from tests.app_support import API_KEY, API_SECRET
    from tests.shopify_standin import ShopifyStandIn

    with ShopifyStandIn(API_KEY, API_SECRET) as server:
        yield server


@pytest.fixture
def load_standin():
    """A stand-in for load tests: a large cost bucket, THROTTLED every 9th call, a 5xx every
    13th, so retries and pacing are part of the run."""
    from tests.app_support import API_KEY, API_SECRET
    from tests.shopify_standin import ShopifyStandIn

    server = ShopifyStandIn(API_KEY, API_SECRET, bucket_size=1000, restore_rate=500)
    server.throttle_every = 9
    server.fail_every = 13
    with server:
        yield server


@pytest.fixture
def app(tmp_path, standin):
    """The app on a temporary SQLite file, talking to the stand-in; tasks run inline."""
    from tests.app_support import app_config
    from webhooks import create_app, queue
    from webhooks.queue import huey

    huey.immediate = True
    flask_app = create_app(app_config(tmp_path, standin.origin, ASSESSMENT_LEASE_SECONDS=60))
    queue.bind_app(flask_app)
    yield flask_app
    huey.immediate = False
    queue.bind_app(None)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def token(app, standin):
    """A registered shop (`tests.app_support.SHOP`) with a plain Admin API token."""
    from tests.app_support import register_token

    return register_token(app, standin)
