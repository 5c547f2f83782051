"""Every GraphQL document Shelfwise sends to the Shopify Admin API (validated in the tests).

Keep documents here and only here, so `tests/app/test_app_documents.py` checks each against
the Admin schema of the configured version.
"""

from __future__ import annotations

SHOP = """
query Shop {
  shop { id name myshopifyDomain }
}
"""

SHOP_COUNTRY = """
query ShopCountry {
  shop { shopAddress { countryCodeV2 } }
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

# --- catalogue sync and write-back (issue 7) ---------------------------------------------

APP_ACCESS_SCOPES = """
query AppAccessScopes {
  currentAppInstallation { accessScopes { handle } }
}
"""

NODE_OWNED = """
query NodeOwned($id: ID!) {
  node(id: $id) { id __typename }
}
"""

BULK_OPERATION_RUN_QUERY = """
mutation BulkOperationRunQuery($query: String!) {
  bulkOperationRunQuery(query: $query) {
    bulkOperation { id status }
    userErrors { field message code }
  }
}
"""

BULK_OPERATION = """
query BulkOperation($id: ID!) {
  bulkOperation(id: $id) {
    id status errorCode objectCount rootObjectCount url partialDataUrl createdAt completedAt
  }
}
"""

# The queries run as bulk operations (JSON Lines; nested rows carry `__parentId`).
BULK_PRODUCTS = """
{
  products {
    edges {
      node {
        id title handle status updatedAt tags
        variants {
          edges {
            node {
              id title sku price inventoryQuantity
              inventoryItem { id unitCost { amount } }
            }
          }
        }
      }
    }
  }
}
"""

BULK_INVENTORY = """
{
  inventoryItems {
    edges {
      node {
        id
        inventoryLevels {
          edges {
            node {
              id updatedAt
              location { id }
              quantities(names: ["available"]) { name quantity }
            }
          }
        }
      }
    }
  }
}
"""

BULK_ORDERS = """
{
  orders(query: "__FILTER__") {
    edges {
      node {
        id name createdAt cancelledAt cancelReason email clientIp test tags
        currencyCode
        totalPriceSet { shopMoney { amount currencyCode } }
        customer { id numberOfOrders createdAt }
        billingAddress { countryCodeV2 }
        shippingAddress { countryCodeV2 }
        lineItems {
          edges {
            node {
              id quantity currentQuantity title
              originalUnitPriceSet { shopMoney { amount } }
              product { id }
              variant { id }
            }
          }
        }
      }
    }
  }
}
"""
"""`__FILTER__` becomes the search filter (e.g. ``created_at:>=2026-09-23``; empty for all)."""

METAFIELDS_SET = """
mutation MetafieldsSet($metafields: [MetafieldsSetInput!]!) {
  metafieldsSet(metafields: $metafields) {
    metafields { id key namespace }
    userErrors { field message code elementIndex }
  }
}
"""

METAFIELD_DEFINITION_CREATE = """
mutation MetafieldDefinitionCreate($definition: MetafieldDefinitionInput!) {
  metafieldDefinitionCreate(definition: $definition) {
    createdDefinition { id key namespace }
    userErrors { field message code }
  }
}
"""

# --- customer segment tags (issue 8) ------------------------------------------------------


def segment_tags_mutation(removes: list[bool] | tuple[bool, ...]) -> str:
    """One mutation for a batch of customers (needs ``write_customers``).

    Customer ``i`` gets ``r{i}: tagsRemove`` of its previous segment tag when ``removes[i]``,
    then ``a{i}: tagsAdd`` of its current one (mutation fields run in order). Variables:
    ``id{i}`` (the customer gid), ``add{i}`` and, when removing, ``remove{i}``.
    """
    params, fields = [], []
    for i, remove in enumerate(removes):
        params.append(f"$id{i}: ID!")
        params.append(f"$add{i}: [String!]!")
        if remove:
            params.append(f"$remove{i}: [String!]!")
            fields.append(f"  r{i}: tagsRemove(id: $id{i}, tags: $remove{i}) "
                          "{ node { id } userErrors { field message } }")
        fields.append(f"  a{i}: tagsAdd(id: $id{i}, tags: $add{i}) "
                      "{ node { id } userErrors { field message } }")
    return ("mutation CustomerSegmentTags(" + ", ".join(params) + ") {\n"
            + "\n".join(fields) + "\n}\n")


SEGMENT_TAGS_EXAMPLE = segment_tags_mutation([True, False])
"""A batch of two customers, one changing segment (checked against the schema)."""

ALL = {name: value for name, value in globals().items()
       if name.isupper() and isinstance(value, str)}
"""Every document by name (what the schema test iterates over)."""
