"""Every background task of the app, one module per topic family.

A consumer imports this package once (``python -m webhooks.worker``, or
``huey_consumer webhooks.tasks.huey``): importing it registers each webhook topic with
`webhooks.deliveries.handles` and each huey task and schedule with `huey`.

- `orders`: ``orders/*`` (the fraud assessment, written exactly once);
- `catalog`: ``products/*``, ``inventory_levels/update``, ``bulk_operations/finish``, syncs and
  the advice;
- `privacy`: ``customers/data_request``, ``customers/redact``, ``shop/redact`` and the daily
  retention job;
- `app`: ``app/uninstalled``; `sweep`: deliveries whose lease ran out.
"""

from webhooks.deliveries import process_delivery
from webhooks.queue import huey
from webhooks.tasks import app, catalog, orders, privacy, sweep

__all__ = ["app", "catalog", "huey", "orders", "privacy", "process_delivery", "sweep"]
