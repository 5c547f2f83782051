"""Every GraphQL document the app sends is valid for the Admin schema (2026-04)."""

from __future__ import annotations

import pytest

from connectors.shopify import documents
from tests.shopify_standin import document_errors


@pytest.mark.parametrize("name", sorted(documents.ALL))
def test_document_is_valid_for_the_admin_schema(name):
    assert document_errors(documents.ALL[name]) == []


def test_the_check_catches_a_wrong_field():
    bad = documents.TAGS_ADD.replace("userErrors { field message }", "userErrors { nope }")
    assert document_errors(bad)


def test_documents_are_the_ones_the_app_needs():
    assert {"ORDER_RISK_ASSESSMENT_CREATE", "TAGS_ADD", "ORDER_PAYMENT_DETAILS"} <= set(
        documents.ALL)
