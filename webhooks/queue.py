"""The one Huey instance, built at import from `SHELFWISE_QUEUE_URL` (SQLite file or Redis),
and the app context that tasks run in.

`SHELFWISE_QUEUE_NAME` (default ``shelfwise``) names the queue, so several installations
(or test runs) can share one Redis. Task modules (`webhooks.tasks`) import `huey` from
here; a consumer loads ``webhooks.tasks.huey``, which imports every task. Tests set
``huey.immediate = True`` to run tasks inline.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Flask, has_app_context
from huey import Huey, RedisHuey, SqliteHuey

from webhooks import settings


def make_huey(url: str, name: str = "shelfwise") -> Huey:
    """A Huey instance for a queue URL: ``sqlite:///FILE`` or ``redis://HOST:PORT/N``."""
    scheme = urlsplit(url).scheme
    # results=False: tasks report through the database; kept results would pile up.
    if scheme in ("redis", "rediss", "unix"):
        return RedisHuey(name, url=url, blocking=True, read_timeout=1, results=False)
    if scheme == "sqlite":
        filename = url.removeprefix("sqlite:///")
        if not filename:
            raise ValueError(f"SHELFWISE_QUEUE_URL {url!r} names no file")
        os.makedirs(os.path.dirname(os.path.abspath(filename)), exist_ok=True)
        return SqliteHuey(name, filename=filename, timeout=30, results=False)
    raise ValueError(f"SHELFWISE_QUEUE_URL must start with sqlite:/// or redis://, got {url!r}")


_settings = settings.load()
huey = make_huey(str(_settings["QUEUE_URL"]), str(_settings["QUEUE_NAME"]))
app_factory: Callable[[], Flask] | None = None
"""Builds the app a consumer runs tasks in (set to `webhooks.create_app` by the package)."""
_app: Flask | None = None


def bind_app(app: Flask | None) -> None:
    """Run tasks in this app (the worker's, or a test's); None forgets it."""
    global _app
    _app = app


def in_app_context(fn):
    """Run `fn` in the bound app's context (a consumer builds its app on first use)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if has_app_context():
            return fn(*args, **kwargs)
        global _app
        if _app is None:
            if app_factory is None:
                raise RuntimeError("no app to run tasks in: import webhooks first")
            _app = app_factory()
        with _app.app_context():
            return fn(*args, **kwargs)
    return wrapper
