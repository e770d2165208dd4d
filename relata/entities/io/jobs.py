"""Imports run in the background worker, because a big file takes longer than a request may.

The services cost some milliseconds per row (validation, history, search text) and the
dry run also looks for duplicates, so a file of a few thousand rows needs a minute or
more. The page starts a job (:func:`start`) and shows its state until it ends; the job
(``relata.entities.tasks.import_job``) runs :func:`execute`, which writes the state and,
at the end, the report as JSON next to the uploaded file: ``imports/<token>.<run>.json``.
A new run id is taken for every check or import, so a report always belongs to the
mapping it was made with.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import asdict
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _

from relata.core import permissions
from relata.core.models import User
from relata.entities.io import uploads, vcards
from relata.entities.io.fields import CONTACT
from relata.entities.io.importing import (
    ImportOptions,
    ImportReport,
    RowError,
    RowResult,
    RowWarning,
    rows_from_table,
    run_import,
)
from relata.entities.models import Entity, EntityKind

logger = logging.getLogger(__name__)

VCARD = "vcard"  # the session's target of a vCard import: contacts, from cards
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


def _path(token: str, run: str) -> str:
    return f"{uploads.STORAGE_DIR}/{token}.{run}.json"


def _write(token: str, run: str, **status: Any) -> None:
    path = _path(token, run)
    default_storage.delete(path)
    payload = json.dumps({**status, "at": timezone.now().isoformat()}, ensure_ascii=False)
    default_storage.save(path, ContentFile(payload.encode("utf-8")))


def new_run(token: str, *, commit: bool) -> str:
    """Return the id of a new run of import ``token``, recorded as queued."""
    run = uuid.uuid4().hex
    _write(token, run, status=QUEUED, commit=commit, queued=timezone.now().isoformat())
    return run


def status(token: str, run: str) -> dict[str, Any] | None:
    """Return the state of a run: ``status``, ``commit``, and ``report`` or ``message``."""
    try:
        with default_storage.open(_path(token, run), "rb") as file:
            data: dict[str, Any] = json.loads(file.read().decode("utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    if isinstance(data.get("report"), dict):
        data["report"] = report_from_dict(data["report"])
    return data


def report_from_dict(data: dict[str, Any]) -> ImportReport:
    return ImportReport(
        target=data["target"],
        rows=data["rows"],
        created=[RowResult(r["row"], r["title"], tuple(r["details"])) for r in data["created"]],
        errors=[RowError(**e) for e in data["errors"]],
        warnings=[RowWarning(**w) for w in data["warnings"]],
        committed=data["committed"],
        created_count=data["created_count"],
    )


def _options(state: dict[str, Any], user: User) -> ImportOptions:
    if state["target"] == VCARD:
        if not state.get("entity"):
            return ImportOptions()
        entity = permissions.scope(user, Entity.objects.all()).filter(pk=state["entity"]).first()
        if entity is None:
            raise uploads.UploadError(_("The chosen entity is no longer there."))
        return ImportOptions(entity=entity)
    kind = EntityKind.objects.filter(pk=state.get("default_kind") or 0, is_active=True).first()
    return ImportOptions(default_kind=kind)


def execute(*, state: dict[str, Any], user_id: int, run: str, commit: bool) -> None:
    """Check or import the pending import ``state`` as user ``user_id``; record the result."""
    upload = uploads.Upload(**state["upload"])
    _write(upload.token, run, status=RUNNING, commit=commit)
    try:
        user = User.objects.get(pk=user_id, is_active=True)
        options = _options(state, user)
        if state["target"] == VCARD:
            target, rows = CONTACT, vcards.rows_from_cards(uploads.read_cards(upload))
        else:
            table = uploads.read_table(upload)
            target, rows = state["target"], rows_from_table(table, state["mapping"])
        report = run_import(user=user, target=target, rows=rows, options=options, commit=commit)
    except uploads.UploadError as error:
        _write(upload.token, run, status=FAILED, commit=commit, message=error.message)
    except (PermissionDenied, User.DoesNotExist):
        _write(
            upload.token,
            run,
            status=FAILED,
            commit=commit,
            message=_("You may no longer import: nothing was saved."),
        )
    except Exception:
        logger.exception("import %s failed", upload.token)
        _write(
            upload.token,
            run,
            status=FAILED,
            commit=commit,
            message=_("The import stopped on an unexpected error; nothing was saved."),
        )
        raise
    else:
        # The file stays until the page shows the result (or the hourly cleaning runs).
        _write(upload.token, run, status=DONE, commit=commit, report=asdict(report))
