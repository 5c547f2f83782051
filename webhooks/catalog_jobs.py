"""Old import path of the catalogue tasks, kept only while `webhooks/dashboard.py` uses it:
the tasks live in `webhooks.tasks.catalog` (and ``customers/redact`` in
`webhooks.tasks.privacy`)."""

from webhooks.tasks.catalog import recommend_shop, refresh, sync_shop
from webhooks.tasks.privacy import customers_redact

__all__ = ["customers_redact", "recommend_shop", "refresh", "sync_shop"]
