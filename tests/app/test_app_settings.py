"""Settings: the environment over a `.env` file in the working directory; contract defaults."""

from __future__ import annotations

import pytest

from webhooks import create_app, settings


def test_defaults_are_sqlite_files_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = settings.load(str(tmp_path / "inst"), env={})
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path}/inst/shelfwise.sqlite3"
    assert config["QUEUE_URL"] == f"sqlite:///{tmp_path}/inst/queue.sqlite3"
    assert config["API_VERSION"] == "2026-04"
    assert config["SHOPIFY_ORIGIN"] is None and config["QUEUE_NAME"] == "shelfwise"


def test_dotenv_is_read_and_the_environment_wins(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("SHOPIFY_API_KEY=from-file\nSHELFWISE_API_VERSION=2026-01\n"
                                   "SHELFWISE_SECRET_KEY=file-secret\n")
    config = settings.load(str(tmp_path), env={"SHOPIFY_API_KEY": "from-env"})
    assert config["SHOPIFY_API_KEY"] == "from-env"
    assert config["API_VERSION"] == "2026-01"
    assert config["SECRET_KEY"] == "file-secret"


def test_secret_key_is_required_outside_tests(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SHELFWISE_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SHELFWISE_SECRET_KEY"):
        create_app({"INSTANCE_PATH": str(tmp_path)})


def test_webhooks_without_a_secret_answer_503_not_500(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SHOPIFY_API_SECRET", raising=False)
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k"})
    res = app.test_client().post("/webhooks/shopify", data=b"{}",
                                 headers={"X-Shopify-Hmac-Sha256": "x"})
    assert res.status_code == 503
