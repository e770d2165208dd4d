"""Downloads of a segment's entities.

The import/export module writes CSV and XLSX for every list
(:func:`relata.entities.io.export_entities`); segments hand it their permission-scoped
queryset. Should that module be missing, a plain CSV comes from the small writer below,
with the same protection against formula injection.
"""

from __future__ import annotations

import csv
import importlib
from collections.abc import Callable, Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponseBase, StreamingHttpResponse
from django.utils import timezone
from django.utils.text import slugify

from relata.core.models import User
from relata.entities.models import Entity, Segment

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_EXPORTERS = ("relata.entities.io", "relata.entities.importexport")


def neutralise(value: str) -> str:
    """Return ``value`` with a leading quote if a spreadsheet would take it for a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _exporter() -> Callable[..., HttpResponseBase] | None:
    for module_name in _EXPORTERS:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        function = getattr(module, "export_entities", None)
        if callable(function):
            return function
    return None


def available_formats() -> tuple[str, ...]:
    return ("csv", "xlsx") if _exporter() is not None else ("csv",)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_rows(queryset: QuerySet[Entity]) -> Iterator[list[Any]]:
    yield ["id", "legal_name", "trade_name", "tax_id", "kind", "owner", "team", "email", "phone"]
    for entity in queryset.iterator(chunk_size=1000):
        emails = getattr(entity, "main_emails", None) or []
        phones = getattr(entity, "main_phones", None) or []
        yield [
            entity.pk,
            entity.legal_name,
            entity.trade_name,
            entity.tax_id,
            entity.kind.code,
            entity.owner.username if entity.owner else "",
            entity.team.name if entity.team else "",
            emails[0].email if emails else "",
            phones[0].number if phones else "",
        ]


def csv_download(queryset: QuerySet[Entity], filename: str) -> StreamingHttpResponse:
    """Return a streamed CSV of ``queryset`` (UTF-8 with BOM), cells neutralised."""
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff"
        for row in _csv_rows(queryset):
            yield writer.writerow([neutralise(c) if isinstance(c, str) else c for c in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def segment_export(
    *, user: User, segment: Segment, queryset: QuerySet[Entity], fmt: str
) -> HttpResponseBase:
    """Return the download of a segment's entities (``queryset``, already scoped) as ``fmt``."""
    stem = f"segment-{slugify(segment.name) or segment.pk}"
    exporter = _exporter()
    if exporter is not None:
        return exporter(queryset, fmt, user=user, filename=stem)
    if fmt != "csv":
        raise ValueError(f"unknown export format {fmt!r}")
    return csv_download(queryset, f"{stem}-{timezone.localtime():%Y%m%d-%H%M}.csv")
