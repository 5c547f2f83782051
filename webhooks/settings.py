"""The one settings loader: environment variables, then a `.env` file in the working directory.

Names and defaults follow CONTRACTS.md (Configuration). The loader returns a plain mapping
of Flask config keys; nothing here opens a database or a queue.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from dotenv import dotenv_values

DEFAULT_API_VERSION = "2026-04"
MAX_BODY_BYTES = 1024 * 1024

ENV_KEYS = {
    "SHOPIFY_API_KEY": "SHOPIFY_API_KEY",
    "SHOPIFY_API_SECRET": "SHOPIFY_API_SECRET",
    "SHOPIFY_API_SECRET_OLD": "SHOPIFY_API_SECRET_OLD",
    "SHELFWISE_DATABASE_URL": "DATABASE_URL",
    "SHELFWISE_QUEUE_URL": "QUEUE_URL",
    "SHELFWISE_SECRET_KEY": "SECRET_KEY",
    "SHELFWISE_SECRET_KEY_OLD": "SECRET_KEY_OLD",
    "SHELFWISE_RETENTION_DAYS": "RETENTION_DAYS",
    "SHELFWISE_API_VERSION": "API_VERSION",
    "SHELFWISE_SHOPIFY_ORIGIN": "SHOPIFY_ORIGIN",
    "SHELFWISE_INSTANCE_PATH": "INSTANCE_PATH",
    "SHELFWISE_APP_URL": "APP_URL",
    "SHELFWISE_ASSESSMENT_LEASE_SECONDS": "ASSESSMENT_LEASE_SECONDS",
    "SHELFWISE_REQUEUE_AFTER_SECONDS": "REQUEUE_AFTER_SECONDS",
    "SHELFWISE_SHOPIFY_BACKOFF": "SHOPIFY_BACKOFF",
    "SHELFWISE_QUEUE_NAME": "QUEUE_NAME",
    "SHELFWISE_MAX_BODY_BYTES": "MAX_CONTENT_LENGTH",
}
"""Environment variable -> Flask config key (CONTRACTS.md names the first eight; the rest are
extras)."""


def environment(env: Mapping[str, str] | None = None, cwd: str | os.PathLike | None = None
                ) -> dict[str, str]:
    """The process environment over the `.env` file of the working directory (env wins)."""
    dotenv = Path(cwd or os.getcwd()) / ".env"
    merged = {k: v for k, v in dotenv_values(dotenv).items() if v is not None} \
        if dotenv.is_file() else {}
    merged.update(os.environ if env is None else env)
    return merged


def default_instance_path() -> str:
    """Flask's instance folder for the `webhooks` package (`instance/` beside the source)."""
    from flask.sansio.scaffold import find_package

    prefix, package_path = find_package("webhooks")
    if prefix is None:
        return os.path.join(package_path, "instance")
    return os.path.join(prefix, "var", "webhooks-instance")


def instance_path(env: Mapping[str, str] | None = None) -> str:
    """The instance folder: `SHELFWISE_INSTANCE_PATH` or Flask's default."""
    return environment(env).get("SHELFWISE_INSTANCE_PATH") or default_instance_path()


def load(instance: str | None = None, env: Mapping[str, str] | None = None) -> dict[str, object]:
    """Read the configuration into Flask config keys, with the contract's defaults.

    Parameters
    ----------
    instance : str or None
        The instance folder holding the default SQLite files; `instance_path()` when None.
    env : mapping or None
        Variables to read instead of `os.environ` (the `.env` file is still read).
    """
    values = environment(env)
    instance = instance or values.get("SHELFWISE_INSTANCE_PATH") or default_instance_path()
    config: dict[str, object] = {key: values.get(var) or None for var, key in ENV_KEYS.items()}
    config["INSTANCE_PATH"] = instance
    config["DATABASE_URL"] = config["DATABASE_URL"] or \
        f"sqlite:///{os.path.join(instance, 'shelfwise.sqlite3')}"
    config["QUEUE_URL"] = config["QUEUE_URL"] or \
        f"sqlite:///{os.path.join(instance, 'queue.sqlite3')}"
    config["API_VERSION"] = config["API_VERSION"] or DEFAULT_API_VERSION
    config["QUEUE_NAME"] = config["QUEUE_NAME"] or "shelfwise"
    for key, default in (("ASSESSMENT_LEASE_SECONDS", 120.0), ("REQUEUE_AFTER_SECONDS", 120.0),
                         ("SHOPIFY_BACKOFF", 0.5), ("RETENTION_DAYS", 60.0)):
        config[key] = float(config[key]) if config[key] else default
    # webhooks are small: a larger body is refused (413) before it is read
    config["MAX_CONTENT_LENGTH"] = int(config["MAX_CONTENT_LENGTH"] or MAX_BODY_BYTES)
    return config
