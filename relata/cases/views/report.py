"""The open-cases report (R19): every case in a status the parameters mark as open, across
types, grouped by type and status, with the cases below and CSV/XLSX downloads.

The summary is one grouped query and the table one page of rows
(:mod:`relata.cases.reports`); the downloads stream every filtered row
(:mod:`relata.cases.export`). All of it only covers the cases the user may see.
"""

from __future__ import annotations

import datetime
import decimal
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from relata.cases import reports
from relata.cases.export import FORMATS, ROW_FIELDS, open_cases_export
from relata.cases.forms_move import OpenReportFilterForm
from relata.cases.models import Case, CaseStatus, StatusMeaning
from relata.cases.selectors import case_types
from relata.cases.views.board import money, url_maker
from relata.core.selectors import parameters_get
from relata.core.types import AuthenticatedHttpRequest

PAGE_SIZE = 50
REPORT_FILTERS = ("owner", "team", "case_type", "min_age", "max_age")


@dataclass
class GroupView:
    group: reports.ReportGroup
    total_text: str
    oldest_days: int | None
    url: str
    selected: bool


def age_days(moment: datetime.datetime | None, now: datetime.datetime) -> int | None:
    return None if moment is None else max(0, (now - moment).days)


def open_statuses_by_type() -> list[tuple[str, list[CaseStatus]]]:
    """Return, per active type, the statuses that count as open, for the page's note."""
    codes = parameters_get().open_case_status_codes
    statuses = CaseStatus.objects.filter(case_type__in=case_types(), is_active=True)
    if codes:
        statuses = statuses.filter(code__in=codes)
    else:
        statuses = statuses.filter(meaning=StatusMeaning.OPEN)
    by_type: dict[int, tuple[str, list[CaseStatus]]] = {}
    for status in statuses.select_related("case_type").order_by(
        "case_type__order", "case_type__pk", "order", "pk"
    ):
        by_type.setdefault(status.case_type_id, (status.case_type.name, []))[1].append(status)
    return list(by_type.values())


class CountedPaginator(Paginator):
    """A paginator told its count: the report's summary has already counted the rows."""

    def __init__(self, object_list: Any, per_page: int, count: int) -> None:
        super().__init__(object_list, per_page)
        self.known_count = count

    @property
    def count(self) -> int:
        return self.known_count


def _page(rows: QuerySet[Case], count: int, number: str | None) -> Page:
    """Return one page of ``rows`` (oldest first) with what the table shows.

    The page's ids are taken from the cases table alone, then those 50 rows are read
    with their entity, type, status, owner and team: sorting the joined rows of every
    open case would cost far more.
    """
    page = CountedPaginator(rows.values_list("pk", flat=True), PAGE_SIZE, count).get_page(number)
    ids = list(page.object_list)
    found = (
        rows.select_related(None)
        .select_related("entity", "case_type", "status", "owner", "team")
        .only(*ROW_FIELDS)
        .in_bulk(ids)
    )
    page.object_list = [found[pk] for pk in ids if pk in found]
    return page


@login_required
@require_GET
def open_report(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    form = OpenReportFilterForm(request.GET, user=request.user)
    cases = reports.open_cases(user=request.user, **form.report_filters())
    status = form.value("status")
    rows = cases.filter(status=status) if status else cases
    fmt = request.GET.get("format", "")
    if fmt in FORMATS:
        return open_cases_export(rows, fmt)

    now = timezone.now()
    currency = parameters_get().default_currency or "EUR"
    kept = [(name, request.GET[name]) for name in REPORT_FILTERS if request.GET.get(name)]
    summary = reports.open_cases_summary(cases)
    groups = [
        GroupView(
            group=group,
            total_text=money(group.total, currency, whole=True),
            oldest_days=age_days(group.oldest, now),
            url="?" + urlencode([*kept, ("status", group.status.pk)]) + "#report-rows",
            selected=status is not None and group.status.pk == status.pk,
        )
        for group in summary
    ]
    grand_total = sum((g.total for g in summary), decimal.Decimal(0))
    oldest = min((g.oldest for g in summary if g.oldest), default=None)
    count = sum(g.count for g in summary if status is None or g.status.pk == status.pk)
    page = _page(rows, count, request.GET.get("page"))
    detail_url = url_maker("cases:detail") or url_maker("cases:move")
    for case in page.object_list:
        case.detail_url = detail_url(case.pk)
        case.age_days = age_days(case.opened_at, now)
        case.is_overdue = bool(case.due_at and case.due_at < now)
    export_query = request.GET.copy()
    export_query.pop("page", None)
    context: dict[str, Any] = {
        "form": form,
        "groups": groups,
        "total_count": sum(g.count for g in summary),
        "total_text": money(grand_total, currency, whole=True),
        "oldest_days": age_days(oldest, now),
        "page_obj": page,
        "status_filter": status,
        "all_rows_url": "?" + urlencode(kept) + "#report-rows",
        "export_query": export_query.urlencode(),
        "open_statuses": open_statuses_by_type(),
        "open_by_parameter": bool(parameters_get().open_case_status_codes),
        "filtered": bool(kept),
    }
    if request.htmx and request.htmx.target == "report-body":
        return render(request, "cases/_report_body.html", context)
    return render(request, "cases/report.html", context)
