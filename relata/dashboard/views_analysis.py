"""Pages of the reports: the index, conversion and time in status, and the drill-down
list of the cases behind a conversion figure.

Figures come from :mod:`relata.dashboard.analysis`; every one is scoped to the cases the
user may see. The targets page is :mod:`.views_analysis_targets`, the pipeline changes
:mod:`.views_analysis_snapshots`.
"""

from __future__ import annotations

import decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBase
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from relata.cases import export as case_export
from relata.cases.models import CaseStatus
from relata.cases.views.board import money
from relata.core.selectors import parameters_get
from relata.core.types import AuthenticatedHttpRequest
from relata.dashboard import analysis
from relata.dashboard.forms import ConversionFilterForm
from relata.entities.io.export import csv_response, xlsx_response

FORMATS = ("csv", "xlsx")
TABLES = ("funnel", "time", "agents")
PAGE_SIZE = 50


def url_or_path(name: str, fallback: str) -> str:
    """Return the URL of ``name``, or ``fallback`` while that page does not exist yet."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return fallback


def currency() -> str:
    return parameters_get().default_currency or "EUR"


def download(header: list[str], rows: list[list[Any]], stem: str, fmt: str) -> HttpResponseBase:
    """Return ``rows`` as a CSV or XLSX download named after ``stem`` and the time."""
    filename = f"{stem}-{timezone.localtime():%Y%m%d-%H%M}.{fmt}"
    if fmt == "csv":
        return csv_response(header, rows, filename)
    return xlsx_response(header, rows, filename, stem)


@login_required
@require_GET
def reports_index(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    cards = [
        {
            "id": "report-forecast",
            "icon": "graph-up-arrow",
            "title": _("Forecast"),
            "text": _("The pipeline by status, agent and month, weighted by probability."),
            "url": url_or_path("dashboard:forecast", "/forecast/"),
        },
        {
            "id": "report-conversion",
            "icon": "funnel",
            "title": _("Conversion"),
            "text": _(
                "How many opportunities move from status to status, how long they stay "
                "in each, and each agent's win rate."
            ),
            "url": reverse("dashboard:conversion"),
        },
        {
            "id": "report-snapshots",
            "icon": "arrow-left-right",
            "title": _("Pipeline changes"),
            "text": _("What was added, won, lost or slipped between two weekly snapshots."),
            "url": reverse("dashboard:snapshots"),
        },
        {
            "id": "report-targets",
            "icon": "bullseye",
            "title": _("Sales targets"),
            "text": _("The monthly amount each agent should win."),
            "url": reverse("dashboard:targets"),
        },
        {
            "id": "report-open-cases",
            "icon": "folder2-open",
            "title": _("Open cases"),
            "text": _("Every open case by type and status, oldest first."),
            "url": reverse("cases:open_report"),
        },
    ]
    return render(request, "dashboard/analysis/reports_index.html", {"cards": cards})


def _filter_query(
    request: AuthenticatedHttpRequest, filters: analysis.Filters
) -> list[tuple[str, Any]]:
    """Return the query-string pairs of the filters in force (for links and downloads)."""
    pairs: list[tuple[str, Any]] = [
        ("case_type", filters.case_type.pk),
        ("date_from", filters.period.start.isoformat()),
        ("date_to", filters.period.end.isoformat()),
    ]
    if request.GET.get("owner"):
        pairs.append(("owner", request.GET["owner"]))
    if filters.team is not None:
        pairs.append(("team", filters.team.pk))
    return pairs


def _defaults(request: AuthenticatedHttpRequest) -> Any:
    """Return the query string with the default period filled in, for the form to show."""
    query = request.GET.copy()
    period = analysis.default_period()
    if not query.get("date_from"):
        query["date_from"] = period.start.isoformat()
    if not query.get("date_to"):
        query["date_to"] = period.end.isoformat()
    return query


@login_required
@require_GET
def conversion(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    form = ConversionFilterForm(_defaults(request), user=request.user)
    filters = form.filters()
    if filters is None:
        return render(
            request, "dashboard/analysis/conversion.html", {"form": form, "filters": None}
        )
    user = request.user
    funnel = analysis.funnel(user=user, filters=filters)
    times = analysis.time_in_status(user=user, filters=filters)
    agents = analysis.win_rates(user=user, filters=filters)
    table, fmt = request.GET.get("export", ""), request.GET.get("format", "")
    if table in TABLES and fmt in FORMATS:
        return _export(table, fmt, funnel, times, agents)

    pairs = _filter_query(request, filters)
    base = reverse("dashboard:analysis_cases") + "?"

    def link(kind: str, **extra: Any) -> str:
        merged = dict(pairs)
        merged.update(extra)
        return base + urlencode({**merged, "kind": kind})

    for stage in funnel.stages:
        stage.reached_url = link("reached", status=stage.status.pk)  # type: ignore[attr-defined]
        stage.lost_url = link("lost", status=stage.status.pk)  # type: ignore[attr-defined]
    for row in times:
        row.url = link("time", status=row.status.pk)  # type: ignore[attr-defined]
    code = currency()
    for agent in agents:
        agent.won_url = link("won", owner=agent.owner_key)  # type: ignore[attr-defined]
        agent.lost_url = link("closed_lost", owner=agent.owner_key)  # type: ignore[attr-defined]
        agent.won_text = money(agent.won_amount, code)  # type: ignore[attr-defined]
        agent.deal_text = money(agent.average_deal, code) if agent.average_deal is not None else "—"  # type: ignore[attr-defined]
    funnel_chart = {
        "type": "bar",
        "horizontal": True,
        "labels": [s.status.name for s in funnel.stages],
        "datasets": [
            {
                "label": str(_("Cases that reached the status")),
                "data": [s.reached for s in funnel.stages],
                "links": [s.reached_url for s in funnel.stages],  # type: ignore[attr-defined]
            }
        ],
    }
    time_chart = {
        "type": "bar",
        "labels": [t.status.name for t in times],
        "datasets": [
            {
                "label": str(_("Average days in the status")),
                "data": [float(t.mean_days) if t.mean_days is not None else 0 for t in times],
                "links": [t.url for t in times],  # type: ignore[attr-defined]
            }
        ],
    }
    export_query = urlencode(pairs)
    context = {
        "form": form,
        "filters": filters,
        "funnel": funnel,
        "times": times,
        "agents": agents,
        "funnel_chart": funnel_chart,
        "time_chart": time_chart,
        "cohort_url": link("cohort"),
        "export_query": export_query,
        "totals": _agent_totals(agents, code),
    }
    return render(request, "dashboard/analysis/conversion.html", context)


def _agent_totals(agents: list[analysis.AgentResult], code: str) -> dict[str, Any]:
    total = analysis.AgentResult(owner=None)
    for agent in agents:
        total.won += agent.won
        total.lost += agent.lost
        total.won_amount += agent.won_amount
    return {
        "won": total.won,
        "lost": total.lost,
        "win_rate": total.win_rate,
        "won_text": money(total.won_amount, code),
        "deal_text": money(total.average_deal, code) if total.average_deal is not None else "—",
    }


def _number(value: decimal.Decimal | float | None) -> Any:
    return "" if value is None else value


def _export(
    table: str,
    fmt: str,
    funnel: analysis.Funnel,
    times: list[analysis.StatusTime],
    agents: list[analysis.AgentResult],
) -> HttpResponseBase:
    if table == "funnel":
        header = [_("Status"), _("Reached"), _("Lost from it"), _("Conversion to the next (%)")]
        rows = [[s.status.name, s.reached, s.lost, _number(s.conversion)] for s in funnel.stages]
        return download(header, rows, "conversion", fmt)
    if table == "time":
        header = [_("Status"), _("Changes"), _("Average days"), _("Median days")]
        rows = [
            [t.status.name, t.count, _number(t.mean_days), _number(t.median_days)] for t in times
        ]
        return download(header, rows, "time-in-status", fmt)
    header = [
        _("Owner"),
        _("Won"),
        _("Lost"),
        _("Win rate (%)"),
        _("Amount won"),
        _("Average deal"),
    ]
    rows = [
        [
            str(a.owner) if a.owner else _("Unassigned"),
            a.won,
            a.lost,
            _number(a.win_rate),
            a.won_amount,
            _number(a.average_deal),
        ]
        for a in agents
    ]
    return download(header, rows, "win-rates", fmt)


KIND_TITLES = {
    "cohort": _("Opened in the period"),
    "reached": _("Reached “%(status)s” or later"),
    "lost": _("Lost from “%(status)s”"),
    "time": _("Left “%(status)s” in the period"),
    "won": _("Won in the period"),
    "closed_lost": _("Lost in the period"),
}


@login_required
@require_GET
def analysis_cases(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """List the cases behind one figure of the conversion page (paginated, exportable)."""
    kind = request.GET.get("kind", "")
    if kind not in analysis.DRILLDOWNS:
        raise Http404
    form = ConversionFilterForm(_defaults(request), user=request.user)
    filters = form.filters()
    if filters is None:
        raise Http404
    status = None
    if kind in ("reached", "lost", "time"):
        try:
            status = CaseStatus.objects.get(
                pk=int(request.GET.get("status", "")), case_type=filters.case_type
            )
        except (ValueError, CaseStatus.DoesNotExist) as error:
            raise Http404 from error
    cases = analysis.drilldown_cases(user=request.user, filters=filters, kind=kind, status=status)
    fmt = request.GET.get("format", "")
    if fmt in FORMATS:
        filename = f"cases-{timezone.localtime():%Y%m%d-%H%M}.{fmt}"
        if fmt == "csv":
            return csv_response(case_export.header(), case_export.rows(cases), filename)
        return xlsx_response(case_export.header(), case_export.rows(cases), filename, "cases")
    rows = (
        cases.select_related(None)
        .select_related("status", "owner", "entity")
        .order_by("-opened_at", "-pk")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    title = str(KIND_TITLES[kind]) % {"status": status.name if status else ""}
    pairs = _filter_query(request, filters)
    back = reverse("dashboard:conversion") + "?" + urlencode(pairs)
    export_query = request.GET.copy()
    export_query.pop("page", None)
    context = {
        "title": title,
        "filters": filters,
        "page_obj": page,
        "back_url": back,
        "export_query": export_query.urlencode(),
        "currency": currency(),
    }
    return render(request, "dashboard/analysis/cases.html", context)
