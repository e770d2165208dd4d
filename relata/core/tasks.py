"""Background jobs of the core app."""

from __future__ import annotations

from django.db import connection
from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(hour="4", minute="40"))
def database_statistics() -> bool:
    """Refresh the query planner's statistics on SQLite (nightly); True when it did.

    PostgreSQL keeps its own (autovacuum's ANALYZE). SQLite gathers none unless asked:
    without them it may read a big table through a poor index (the control panel and the
    forecast pick their indexes by how selective each is). ANALYZE reads every index once,
    seconds even for a large database, at night.
    """
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return True
