"""The forecast page and the cases behind its figures, with their CSV/XLSX downloads.

The figures come from :mod:`relata.dashboard.forecast` and
:mod:`relata.dashboard.forecast_categories` (a handful of grouped queries); these views
only read the filters, build the links of every figure to the drill-down and render.
"""

from __future__ import annotations

import decimal
import functools
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F, QuerySet
from django.http import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from relata.cases.models import Case, CaseStatus
from relata.cases.views.board import money as board_money
from relata.core.models import Team, User
from relata.core.selectors import parameters_get
from relata.core.types import AuthenticatedHttpRequest
from relata.dashboard.forecast import (
    NONE_KEY,
    Figures,
    Pipeline,
    case_totals,
    month_label,
    period_bounds,
    pipeline_groups,
    quarter_label,
    row_weighted,
    user_label,
    with_weighted,
)
from relata.dashboard.forecast_categories import (
    OPEN_CATEGORIES,
    Categories,
    drilldown_cases,
    forecast_figures,
)
from relata.dashboard.forecast_filters import ForecastFilterForm
from relata.entities.io.export import csv_response, xlsx_response

FORMATS = ("csv", "xlsx")
PAGE_SIZE = 50
CHUNK_SIZE = 2000
ROW_FIELDS = (
    "id",
    "number",
    "subject",
    "amount",
    "currency",
    "probability",
    "expected_close_date",
    "closed_at",
    "case_type_id",
    "status_id",
    "owner_id",
    "team_id",
    "entity__id",
    "entity__legal_name",
    "entity__trade_name",
    "status__id",
    "status__name_en",
    "status__name_es",
    "status__colour",
    "status__default_probability",
    "owner__id",
    "owner__username",
    "owner__first_name",
    "owner__last_name",
)
# Sortable columns of the drill-down: the ``sort`` parameter (``-`` descending) → fields.
SORTS: dict[str, tuple[str, ...]] = {
    "number": ("number",),
    "subject": ("subject",),
    "entity": ("entity__legal_name",),
    "owner": ("owner__first_name", "owner__username"),
    "status": ("status__order",),
    "close": ("expected_close_date",),
    "amount": ("amount",),
    "probability": ("effective_probability_value",),
    "weighted": ("weighted_units",),
}
DEFAULT_SORT = "close"


@functools.lru_cache(maxsize=4096)
def _money_in(value: decimal.Decimal, currency: str, language: str) -> str:
    return board_money(value, currency)


def money(value: decimal.Decimal, currency: str) -> str:
    """Return :func:`relata.cases.views.board.money`, remembered per value, currency and
    language: a page formats a hundred and more amounts, many of them alike, and Babel
    takes some 60 µs for each."""
    return _money_in(value, currency, get_language() or "")


def category_labels() -> dict[str, str]:
    return {
        "won": _("Won"),
        "committed": _("Committed"),
        "best_case": _("Best case"),
        "pipeline": _("Pipeline"),
        "open": _("Open"),
    }


def _filename(stem: str, fmt: str) -> str:
    return f"{stem}-{timezone.localtime():%Y%m%d-%H%M}.{fmt}"


def _download(
    header: list[str], rows: Iterator[list[Any]], stem: str, title: str, fmt: str
) -> HttpResponseBase:
    if fmt == "csv":
        return csv_response(header, rows, _filename(stem, fmt))
    return xlsx_response(header, rows, _filename(stem, fmt), title)


# --- The forecast page ---------------------------------------------------------------------


def _cases_url(kept: list[tuple[str, str]], **extra: str) -> str:
    query = [*kept, *((k, v) for k, v in extra.items() if v)]
    return reverse("dashboard:forecast_cases") + "?" + urlencode(query)


def _group_export(pipeline: Pipeline, fmt: str) -> HttpResponseBase:
    header = [_("Group"), _("Key"), _("Cases"), _("Amount"), _("Weighted amount")]

    def rows() -> Iterator[list[Any]]:
        for group in pipeline.groups:
            yield [group.label, group.key, group.count, group.amount, group.weighted]
        totals = pipeline.totals
        yield [_("Total"), "", totals.count, totals.amount, totals.weighted]

    return _download(header, rows(), "forecast", _("Forecast"), fmt)


def _money_chart(labels: list[str], datasets: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "bar", "labels": labels, "datasets": datasets, "money": True}


def _groups_context(
    pipeline: Pipeline, kept: list[tuple[str, str]], currency: str
) -> dict[str, Any]:
    rows = []
    for group in pipeline.groups:
        url = _cases_url(kept, group_by=pipeline.group_by, key=group.key)
        rows.append(
            {
                "group": group,
                "url": url,
                "amount_text": money(group.amount, currency),
                "weighted_text": money(group.weighted, currency),
            }
        )
    links = [row["url"] for row in rows]
    chart = _money_chart(
        [g.label for g in pipeline.groups],
        [
            {
                "label": _("Amount"),
                "data": [float(g.amount) for g in pipeline.groups],
                "links": links,
            },
            {
                "label": _("Weighted"),
                "data": [float(g.weighted) for g in pipeline.groups],
                "links": links,
            },
        ],
    )
    return {
        "group_rows": rows,
        "groups_chart": chart,
        "totals": pipeline.totals,
        "totals_url": _cases_url(kept, group_by=pipeline.group_by) if rows else "",
        "totals_amount_text": money(pipeline.totals.amount, currency),
        "totals_weighted_text": money(pipeline.totals.weighted, currency),
    }


def _cell(figures: Figures, url: str, currency: str) -> dict[str, Any]:
    return {"count": figures.count, "amount": money(figures.amount, currency), "url": url}


def _category_cells(
    row: Any, kept: list[tuple[str, str]], currency: str, **extra: str
) -> dict[str, Any]:
    cells = {
        name: _cell(getattr(row, name), _cases_url(kept, category=name, **extra), currency)
        for name in ("won", *OPEN_CATEGORIES, "open")
    }
    return {
        "row": row,
        "cells": cells,
        "target": money(row.target, currency),
        "gap": money(row.gap, currency),
        "attainment": row.attainment,
    }


def _categories_context(
    categories: Categories, kept: list[tuple[str, str]], currency: str
) -> dict[str, Any]:
    periods = [_category_cells(p, kept, currency, period=p.key) for p in categories.periods]
    agents = [
        _category_cells(a, kept, currency, group_by="agent", key=a.key) for a in categories.agents
    ]
    labels = category_labels()
    datasets: list[dict[str, Any]] = [
        {
            "label": labels[name],
            "data": [float(getattr(p, name).amount) for p in categories.periods],
            "links": [row["cells"][name]["url"] for row in periods],
            "backgroundColor": colour,
        }
        for name, colour in (
            ("won", "#198754"),
            ("committed", "#0d6efd"),
            ("best_case", "#0dcaf0"),
            ("pipeline", "#adb5bd"),
        )
    ]
    datasets.append(
        {
            "type": "line",
            "label": _("Target"),
            "data": [float(p.target) for p in categories.periods],
            "stack": "target",
            "borderColor": "#dc3545",
            "backgroundColor": "#dc3545",
            "borderDash": [6, 4],
            "pointRadius": 5,
        }
    )
    chart = _money_chart([p.label for p in categories.periods], datasets)
    chart["stacked"] = True
    return {
        "categories": categories,
        "period_rows": periods,
        "agent_rows": agents,
        "category_totals": _category_cells(categories.totals, kept, currency),
        "categories_chart": chart,
    }


@login_required
@require_GET
def forecast(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    form = ForecastFilterForm(request.GET, user=request.user)
    currency = parameters_get().default_currency or "EUR"
    context: dict[str, Any] = {"form": form, "currency": currency}
    if not form.is_valid():
        return render(request, "dashboard/forecast/page.html", context, status=400)
    filters = form.filters()
    fmt = request.GET.get("format", "")
    if fmt in FORMATS:
        groups = pipeline_groups(user=request.user, filters=filters, group_by=form.chosen_group_by)
        return _group_export(groups, fmt)
    pipeline, categories = forecast_figures(
        user=request.user,
        filters=filters,
        group_by=form.chosen_group_by,
        period_by=form.chosen_period_by,
    )
    kept = [(k, v) for k, v in form.kept() if k != "group_by"]
    export_query = urlencode([*kept, ("group_by", form.chosen_group_by)])
    context.update(
        {
            "group_by": form.chosen_group_by,
            "group_by_label": dict(ForecastFilterForm.GROUP_BY_CHOICES)[form.chosen_group_by],
            "group_by_links": [
                (value, label, "?" + urlencode([*kept, ("group_by", value)]))
                for value, label in ForecastFilterForm.GROUP_BY_CHOICES
            ],
            "export_query": export_query,
            "filtered": form.is_filtered,
            "has_opportunities": bool(pipeline.groups)
            or any(r.won.count or r.open.count or r.target for r in categories.periods),
            **_groups_context(pipeline, kept, currency),
            **_categories_context(categories, kept, currency),
        }
    )
    return render(request, "dashboard/forecast/page.html", context)


# --- The cases behind a figure -------------------------------------------------------------


def group_label(group_by: str, key: str) -> str:
    """Return the label of one group of the pipeline, for the drill-down's title."""
    if key == NONE_KEY:
        return {
            "agent": _("Unassigned"),
            "team": _("No team"),
        }.get(group_by, _("No date"))
    if group_by in ("month", "quarter"):
        start, _end = period_bounds(key)
        return month_label(start) if group_by == "month" else quarter_label(start)
    if group_by == "status":
        status = CaseStatus.objects.select_related("case_type").filter(pk=int(key)).first()
        return f"{status.case_type.name}: {status.name}" if status else key
    if group_by == "agent":
        user = User.objects.filter(pk=int(key)).first()
        return user_label(user) if user else key
    team = Team.objects.filter(pk=int(key)).first()
    return team.name if team else key


def _ordering(sort: str) -> list[Any]:
    descending = sort.startswith("-")
    columns = SORTS.get(sort.lstrip("-"), SORTS[DEFAULT_SORT])
    if descending:
        return [*(F(c).desc(nulls_last=True) for c in columns), "-pk"]
    return [*(F(c).asc(nulls_last=True) for c in columns), "pk"]


def _rows(cases: QuerySet[Case]) -> QuerySet[Case]:
    return (
        with_weighted(cases)
        .select_related(None)
        .select_related("entity", "status", "owner")
        .only(*ROW_FIELDS)
    )


def _cases_export(cases: QuerySet[Case], totals: Figures, fmt: str) -> HttpResponseBase:
    header = [
        _("Number"),
        _("Subject"),
        _("Entity"),
        _("Owner"),
        _("Status"),
        _("Expected close"),
        _("Amount"),
        _("Probability (%)"),
        _("Weighted amount"),
        _("Currency"),
    ]

    def rows() -> Iterator[list[Any]]:
        for case in cases.iterator(chunk_size=CHUNK_SIZE):
            yield [
                case.number,
                case.subject,
                case.entity.display_name,
                user_label(case.owner) if case.owner else "",
                case.status.name,
                case.expected_close_date.isoformat() if case.expected_close_date else "",
                case.amount,
                case.effective_probability_value,  # type: ignore[attr-defined]
                row_weighted(case),
                case.currency,
            ]
        yield [_("Total"), "", "", "", "", "", totals.amount, "", totals.weighted, ""]

    return _download(header, rows(), "forecast-cases", _("Forecast cases"), fmt)


@login_required
@require_GET
def forecast_cases(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    form = ForecastFilterForm(request.GET, user=request.user)
    currency = parameters_get().default_currency or "EUR"
    params = {name: request.GET.get(name, "") for name in ("group_by", "key", "category", "period")}
    context: dict[str, Any] = {"form": form, "currency": currency}
    error = ""
    cases: QuerySet[Case] | None = None
    if form.is_valid():
        try:
            cases = drilldown_cases(
                user=request.user,
                filters=form.filters(),
                group_by=params["group_by"],
                key=params["key"],
                category=params["category"],
                period=params["period"],
            )
            title = group_label(params["group_by"], params["key"]) if params["key"] else ""
        except ValueError:
            error = _("This link does not name a figure of the forecast.")
    if cases is None:
        context["error"] = error or _("Some filters are not valid.")
        return render(request, "dashboard/forecast/cases.html", context, status=400)

    totals = case_totals(cases)
    rows = _rows(cases).order_by(*_ordering(request.GET.get("sort", DEFAULT_SORT)))
    fmt = request.GET.get("format", "")
    if fmt in FORMATS:
        return _cases_export(rows, totals, fmt)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for case in page.object_list:
        case.weighted_value = row_weighted(case)  # type: ignore[attr-defined]
        case.amount_text = money(case.amount, currency)  # type: ignore[attr-defined]
        case.weighted_text = money(case.weighted_value, currency)  # type: ignore[attr-defined]
        case.probability_value = case.effective_probability_value  # type: ignore[attr-defined]
    kept = form.kept()
    back = reverse("dashboard:forecast") + "?" + urlencode(kept)
    export_query = request.GET.copy()
    export_query.pop("page", None)
    export_query.pop("format", None)
    category = params["category"]
    period_text = ""
    if params["period"]:
        start, _end = period_bounds(params["period"])
        period_text = quarter_label(start) if "Q" in params["period"] else month_label(start)
    context.update(
        {
            "page_obj": page,
            "totals": totals,
            "totals_amount_text": money(totals.amount, currency),
            "totals_weighted_text": money(totals.weighted, currency),
            "group_title": title,
            "category_title": category_labels().get(category, ""),
            "period_title": period_text,
            "is_won": category == "won",
            "back_url": back,
            "export_query": export_query.urlencode(),
        }
    )
    return render(request, "dashboard/forecast/cases.html", context)
