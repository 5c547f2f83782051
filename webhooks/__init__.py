"""The Shopify app (Flask): webhooks, background jobs and storage.

`create_app(test_config=None)` is the only way to get an app; nothing but the huey
instance (`webhooks.queue`) is built at import. Creating an app loads every task and
webhook topic (`webhooks.tasks`), so the endpoint can check a body against its topic.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

from webhooks import queue, settings


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: settings from env/.env (or `test_config`), migrated storage, blueprints.

    Raises
    ------
    RuntimeError
        When `SHELFWISE_SECRET_KEY` is missing outside testing: stored tokens need it.
    """
    instance = (test_config or {}).get("INSTANCE_PATH") or settings.instance_path()
    app = Flask(__name__, instance_path=os.path.abspath(str(instance)),
                instance_relative_config=True)
    app.config.from_mapping(settings.load(app.instance_path))
    app.config.update(test_config or {})
    if not app.config.get("SECRET_KEY") and not app.config.get("TESTING"):
        raise RuntimeError("SHELFWISE_SECRET_KEY is not set: it encrypts the stored Shopify "
                           "tokens (set it in the environment or in .env)")
    os.makedirs(app.instance_path, exist_ok=True)
    logging.getLogger("shelfwise").setLevel(logging.INFO)

    from webhooks import admin, errors, health, shopify_hooks, storage, tasks  # noqa: F401

    storage.init_app(app)
    errors.init_app(app)
    app.register_blueprint(shopify_hooks.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(admin.bp)

    from webhooks import auth, dashboard, formats  # the pages: templates/, static/

    auth.init_app(app)
    formats.register(app)
    app.register_blueprint(dashboard.bp)
    return app


queue.app_factory = create_app  # a consumer's tasks build the app on first use
