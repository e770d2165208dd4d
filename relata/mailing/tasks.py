"""Background jobs of email: the outbox drain (after each send and every minute) and the
mailbox poll (every two minutes)."""

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


@db_periodic_task(crontab(minute="*/2"))
def mailboxes_poll() -> None:
    """Every two minutes: read the active mailboxes (one poll per mailbox at a time)."""
    from relata.mailing.inbound.poller import poll_active

    poll_active()
