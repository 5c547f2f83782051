"""Every minute: enqueue again the deliveries whose lease ran out (a worker died)."""

from __future__ import annotations

from huey import crontab

from webhooks import deliveries
from webhooks.queue import huey, in_app_context


@huey.periodic_task(crontab(minute="*"))
@in_app_context
def requeue_stale() -> int:
    """Re-enqueue queued deliveries whose lease expired; never one still leased."""
    return deliveries.requeue_expired()
