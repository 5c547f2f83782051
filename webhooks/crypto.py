"""Secrets at rest: Fernet keys derived from `SHELFWISE_SECRET_KEY` (HKDF-SHA256).

One `Vault` seals tokens, the personal fields of orders, delivery bodies and data exports.
`SHELFWISE_SECRET_KEY_OLD` (the previous key) is still read through `MultiFernet`, so a key
can be rotated without losing a shop; what was sealed under neither key reads as absent.
Lookups by a personal value (a customer's email) use keyed digests, never the value.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["InvalidToken", "Vault", "vault", "vault_for"]


def _derive(secret: str, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt,
                info=info).derive(secret.encode("utf-8"))


@functools.lru_cache(maxsize=16)
def _fernet(secret: str) -> Fernet:
    key = _derive(secret, b"shelfwise-token-encryption", b"shelfwise tokens v1")
    return Fernet(base64.urlsafe_b64encode(key))


@functools.lru_cache(maxsize=16)
def _digest_key(secret: str) -> bytes:
    return _derive(secret, b"shelfwise-lookup-digest", b"shelfwise digests v1")


class Vault:
    """Encrypt and decrypt with the app's secret key, reading the previous key too.

    Parameters
    ----------
    secret : str
        `SHELFWISE_SECRET_KEY`; any length, stretched by HKDF into a Fernet key.
    old_secret : str or None
        `SHELFWISE_SECRET_KEY_OLD`: still decrypts (and digests match) during a rotation.
    """

    def __init__(self, secret: str, old_secret: str | None = None):
        if not secret:
            raise ValueError("SHELFWISE_SECRET_KEY is required to store Shopify tokens")
        self._secrets = [secret] + ([old_secret] if old_secret and old_secret != secret else [])
        self._fernet = MultiFernet([_fernet(s) for s in self._secrets])

    def seal(self, text: str | None) -> str | None:
        """`text` encrypted under the current key as ASCII (None stays None)."""
        if text is None:
            return None
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def open(self, sealed: str | None) -> str | None:
        """The plain text; raises `InvalidToken` when sealed under neither key."""
        if sealed is None:
            return None
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode("utf-8")
        except (UnicodeEncodeError, ValueError) as err:  # not Fernet text at all
            raise InvalidToken(str(err)) from None

    @property
    def rotating(self) -> bool:
        """True while a previous key is configured (`SHELFWISE_SECRET_KEY_OLD`)."""
        return len(self._secrets) > 1

    def reseal(self, sealed: str | None) -> str | None:
        """`sealed` encrypted again under the current key (None when unreadable)."""
        if sealed is None:
            return None
        try:
            return self._fernet.rotate(sealed.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeEncodeError, ValueError):
            return None

    def open_or_none(self, sealed: str | None) -> str | None:
        """The plain text, or None when it cannot be read (another key): treat as absent."""
        try:
            return self.open(sealed)
        except InvalidToken:
            return None

    def seal_json(self, value: Mapping[str, Any] | None) -> str | None:
        """A JSON object sealed (None and empty objects stay None)."""
        return self.seal(json.dumps(value, separators=(",", ":"))) if value else None

    def open_json(self, sealed: str | None) -> dict:
        """A sealed JSON object, {} when absent or unreadable."""
        text = self.open_or_none(sealed)
        if not text:
            return {}
        value = json.loads(text)
        return value if isinstance(value, dict) else {}

    def digest(self, value: str) -> str:
        """Keyed digest of a normalized value under the current key (a lookup column)."""
        return self.digests(value)[0]

    def digests(self, value: str) -> list[str]:
        """Digests under the current and the previous key (lookups during a rotation)."""
        data = value.strip().lower().encode("utf-8")
        return [hmac.new(_digest_key(s), data, hashlib.sha256).hexdigest() for s in self._secrets]


def vault_for(config: Mapping[str, Any]) -> Vault:
    """The vault of an app configuration (`SECRET_KEY`, `SECRET_KEY_OLD`)."""
    return Vault(str(config.get("SECRET_KEY") or ""), config.get("SECRET_KEY_OLD") or None)


def vault() -> Vault:
    """The current app's vault (built once per app)."""
    from flask import current_app

    ext = current_app.extensions
    if "shelfwise.vault" not in ext:
        ext["shelfwise.vault"] = vault_for(current_app.config)
    return ext["shelfwise.vault"]
