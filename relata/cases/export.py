"""Downloads of the open-cases report (R19) as CSV or XLSX.

The files are written by the entities' export module (:mod:`relata.entities.io.export`):
CSV streamed row by row (UTF-8 with a byte-order mark), XLSX in openpyxl's write-only mode
to a temporary file, text cells that a spreadsheet would take for formulas neutralised. The
rows are read in chunks with ``iterator()``, so hundreds of thousands of cases never sit in
memory at once.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _

from relata.cases.models import Case
from relata.entities.io.export import csv_response, xlsx_response

FORMATS = ("csv", "xlsx")
CHUNK_SIZE = 2000
# What a row of the report's table shows; the rest (descriptions, custom fields…) is not loaded.
ROW_FIELDS = (
    "id",
    "number",
    "subject",
    "opened_at",
    "due_at",
    "case_type_id",
    "status_id",
    "owner_id",
    "team_id",
    "entity__id",
    "entity__legal_name",
    "entity__trade_name",
    "case_type__id",
    "case_type__name_en",
    "case_type__name_es",
    "status__id",
    "status__name_en",
    "status__name_es",
    "status__colour",
    "owner__id",
    "owner__username",
    "owner__first_name",
    "owner__last_name",
    "team__id",
    "team__name",
)
EXPORT_FIELDS = (*ROW_FIELDS, "amount", "currency", "expected_close_date")


def _date(value: datetime.date | datetime.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def header() -> list[str]:
    return [
        _("Number"),
        _("Case type"),
        _("Status"),
        _("Subject"),
        _("Entity"),
        _("Owner"),
        _("Team"),
        _("Opened"),
        _("Age (days)"),
        _("Due"),
        _("Expected close"),
        _("Amount"),
        _("Currency"),
        _("Id"),
    ]


def rows(cases: QuerySet[Case]) -> Iterator[list[Any]]:
    """Yield one row per case of ``cases`` (already permission-scoped and filtered); the
    amount stays a number, so that spreadsheets can add it up."""
    now = timezone.now()
    qs = (
        cases.select_related(None)
        .select_related("case_type", "status", "entity", "owner", "team")
        .only(*EXPORT_FIELDS)
    )
    for case in qs.iterator(chunk_size=CHUNK_SIZE):
        yield [
            case.number,
            case.case_type.name,
            case.status.name,
            case.subject,
            case.entity.display_name,
            str(case.owner) if case.owner else "",
            case.team.name if case.team else "",
            _date(case.opened_at),
            max(0, (now - case.opened_at).days),
            _date(case.due_at),
            _date(case.expected_close_date),
            case.amount,
            case.currency,
            case.pk,
        ]


def open_cases_export(cases: QuerySet[Case], fmt: str) -> HttpResponseBase:
    """Return the download of the report's rows as ``fmt`` (``"csv"`` or ``"xlsx"``)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    filename = f"open-cases-{timezone.localtime():%Y%m%d-%H%M}.{fmt}"
    if fmt == "csv":
        return csv_response(header(), rows(cases), filename)
    return xlsx_response(header(), rows(cases), filename, _("Open cases"))
