"""Every GraphQL document Shelfwise sends to the Shopify Admin API (validated in the tests).

Keep documents here and only here, so `tests/test_app_documents.py` checks each against
the Admin schema of the configured version.
"""

from __future__ import annotations

SHOP = """
query Shop {
  shop { id name myshopifyDomain }
}
"""

ORDER_PAYMENT_DETAILS = """
query OrderPaymentDetails($id: ID!) {
  order(id: $id) {
    id
    transactions(first: 10) {
      kind
      status
      gateway
      paymentDetails {
        ... on CardPaymentDetails {
          avsResultCode
          cvvResultCode
          bin
          number
          company
          wallet
        }
      }
    }
  }
}
"""

ORDER_RISK_ASSESSMENTS = """
query OrderRiskAssessments($id: ID!) {
  order(id: $id) {
    id
    risk {
      assessments {
        riskLevel
        provider { apiKey }
      }
    }
  }
}
"""

ORDER_RISK_ASSESSMENT_CREATE = """
mutation OrderRiskAssessmentCreate($input: OrderRiskAssessmentCreateInput!) {
  orderRiskAssessmentCreate(orderRiskAssessmentInput: $input) {
    orderRiskAssessment { riskLevel }
    userErrors { field message code }
  }
}
"""

TAGS_ADD = """
mutation TagsAdd($id: ID!, $tags: [String!]!) {
  tagsAdd(id: $id, tags: $tags) {
    node { id }
    userErrors { field message }
  }
}
"""

ALL = {name: value for name, value in globals().items()
       if name.isupper() and isinstance(value, str)}
"""Every document by name (what the schema test iterates over)."""
