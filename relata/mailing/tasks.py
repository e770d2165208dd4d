"""Background jobs of outbound email: the outbox drain, after each send and every minute."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task()
def outbox_drain() -> None:
    """Send the messages just queued (and any other due ones)."""
    from relata.mailing.outbox import drain

    drain()


@db_periodic_task(crontab(minute="*"))
def outbox_drain_due() -> None:
    """Every minute: send due messages (retries after back-off) and recover stale ones."""
    from relata.mailing.outbox import drain

    drain()
