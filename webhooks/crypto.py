"""Tokens at rest: Fernet with a key derived from `SHELFWISE_SECRET_KEY` (HKDF-SHA256)."""

from __future__ import annotations

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["InvalidToken", "TokenBox"]


@functools.lru_cache(maxsize=8)
def _fernet(secret: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"shelfwise-token-encryption",
               info=b"shelfwise tokens v1").derive(secret.encode("utf-8"))
    return Fernet(base64.urlsafe_b64encode(key))


class TokenBox:
    """Encrypt and decrypt access and refresh tokens with the app's secret key.

    Parameters
    ----------
    secret : str
        `SHELFWISE_SECRET_KEY`; any length, stretched by HKDF into a Fernet key.
    """

    def __init__(self, secret: str):
        if not secret:
            raise ValueError("SHELFWISE_SECRET_KEY is required to store Shopify tokens")
        self._fernet = _fernet(secret)

    def seal(self, token: str | None) -> str | None:
        """The token encrypted as ASCII text (None stays None)."""
        if token is None:
            return None
        return self._fernet.encrypt(token.encode("utf-8")).decode("ascii")

    def open(self, sealed: str | None) -> str | None:
        """The plain token; raises `InvalidToken` when sealed under another secret."""
        if sealed is None:
            return None
        return self._fernet.decrypt(sealed.encode("ascii")).decode("utf-8")
