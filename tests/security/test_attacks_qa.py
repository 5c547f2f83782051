"""Attacks on the running app beyond the review's list (QA): each one broke something once.

Each test sends what a hostile client could send and checks the app answers with a short
refusal (never a 500 or a traceback) and keeps working for honest requests.
"""

from __future__ import annotations

import time
import uuid

import jwt

from tests.app_support import API_KEY, API_SECRET, SHOP


def claims_token(**changes) -> str:
    """A session token signed with the app's secret, some claims changed (None drops one)."""
    now = int(time.time())
    claims = {"iss": f"https://{SHOP}/admin", "dest": f"https://{SHOP}", "aud": API_KEY,
              "sub": "42", "exp": now + 60, "nbf": now - 5, "iat": now - 5,
              "jti": str(uuid.uuid4()), "sid": str(uuid.uuid4())}
    claims.update(changes)
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, API_SECRET,
                      algorithm="HS256")


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


# --- session tokens ----------------------------------------------------------------------------

def test_a_signed_token_with_a_non_text_dest_is_401_not_500(client):
    for dest in (5, ["x"], {"a": 1}):
        token = claims_token(dest=dest)
        assert client.get("/api/assessments", headers=bearer(token)).status_code == 401
        res = client.get(f"/dashboard?shop={SHOP}&embedded=1&id_token={token}")
        assert res.status_code == 401 and b"Traceback" not in res.data


def test_a_token_valid_for_years_is_refused(client):
    forever = claims_token(exp=int(time.time()) + 10 * 365 * 86400)
    assert client.get("/api/assessments", headers=bearer(forever)).status_code == 401
    assert client.get("/api/assessments", headers=bearer(claims_token())).status_code == 200


# --- the patch-id-token page -------------------------------------------------------------------

def test_the_patch_page_refuses_a_reload_a_browser_bends_into_another_host(client):
    for target in ("/\t/attacker.example", "/\n/attacker.example", "/ /attacker.example",
                   "/\r\n//attacker.example", "/x\\..\\\\attacker.example", "/\x00"):
        res = client.get("/auth/patch-id-token",
                         query_string={"shop": SHOP, "shopify-reload": target})
        assert res.status_code == 400, repr(target)
    res = client.get("/auth/patch-id-token",
                     query_string={"shop": SHOP, "shopify-reload": f"/dashboard?shop={SHOP}"})
    assert res.status_code == 200
