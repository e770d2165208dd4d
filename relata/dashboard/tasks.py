"""Background jobs of the forecast: the weekly pipeline snapshot."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(day_of_week="1", hour="3", minute="0"))
def pipeline_snapshot_weekly() -> None:
    """Every Monday at 03:00: store the pipeline (running it twice a day replaces that
    day's snapshot, so a retried or repeated run does no harm)."""
    from relata.dashboard.services import snapshot_take

    snapshot_take()
