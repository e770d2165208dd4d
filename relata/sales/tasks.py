"""Background jobs of the sales app: webhook deliveries with retries and back-off."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from relata.sales import webhooks
from relata.sales.models import WebhookDelivery


@db_task()
def deliver_webhook(delivery_id: int) -> None:
    """Attempt a delivery; on failure schedule the next attempt after the back-off."""
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None:
        return
    delay = webhooks.attempt(delivery)
    if delay is not None:
        deliver_webhook.schedule((delivery_id,), delay=delay)
