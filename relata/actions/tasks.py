"""Background jobs of the agenda: calendar invitations and reminders."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task(retries=3, retry_delay=60)
def invitations_send(action_id: int, resend: bool = False) -> None:
    """Send the iTIP invitations (REQUEST or CANCEL) an action's change calls for."""
    from relata.actions.invitations import invitations_send as send

    send(action_id=action_id, resend=resend)


@db_periodic_task(crontab(minute="*"))
def reminders_send_due() -> None:
    """Every minute: remind users of the actions starting within their chosen notice."""
    from relata.actions.reminders import reminders_send

    reminders_send()
