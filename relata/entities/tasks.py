"""Background jobs of the entities app: imports, and the cleaning of their files."""

from __future__ import annotations

from typing import Any

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from relata.entities.io import jobs, uploads


@db_task()
def import_job(state: dict[str, Any], user_id: int, run: str, commit: bool) -> None:
    """Check (``commit=False``) or carry out an import; see :mod:`relata.entities.io.jobs`."""
    jobs.execute(state=state, user_id=user_id, run=run, commit=commit)


@db_periodic_task(crontab(minute="17"))
def import_files_cleanup() -> int:
    """Delete uploaded import files and reports left for more than a day (every hour)."""
    return uploads.delete_stale()
