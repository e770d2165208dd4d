"""Background jobs of card scanning."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from relata.cards import services


@db_task()
def card_scan_process(scan_id: int) -> None:
    """Read the card of scan ``scan_id``; safe to run twice (a finished scan is skipped)."""
    services.card_scan_run(scan_id=scan_id)
