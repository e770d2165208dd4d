"""The control panel page (the home page after login) and its read-only fragments: the
lists with their counters, the KPIs of a period and an entity's summary.

The lists region and the KPIs reload themselves (``hx-trigger="panelChanged from:body"``)
whenever a write endpoint of :mod:`relata.dashboard.views_panel_actions` answers with the
``panelChanged`` event.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from relata.actions.forms import BulkReassignForm, can_bulk_reassign
from relata.actions.models import ActionStatus
from relata.actions.selectors import action_queryset
from relata.cases.models import CaseType, StatusMeaning
from relata.cases.selectors import case_queryset
from relata.core import permissions
from relata.core.types import AuthenticatedHttpRequest
from relata.dashboard.panel import (
    LIST_SIZE,
    PanelScope,
    action_lists,
    can_switch,
    case_lists,
    panel_scope,
    switchable_members,
    switchable_teams,
)
from relata.dashboard.panel_kpis import PERIODS, WORKLOAD_COLUMNS, kpis, workload
from relata.entities import selectors as entity_selectors
from relata.entities.models import Entity

SUMMARY_ROWS = 5


def scope_from(request: AuthenticatedHttpRequest) -> PanelScope:
    """Return the scope of ``?member=`` / ``?team=`` (``PermissionDenied`` when not allowed)."""
    params = request.GET if request.method == "GET" else request.POST
    return panel_scope(
        user=request.user, member=params.get("member") or None, team=params.get("team") or None
    )


def _query(scope: PanelScope, **extra: Any) -> str:
    values = {**scope.query(), **{k: v for k, v in extra.items() if v}}
    return urlencode(values)


def _more_links(scope: PanelScope) -> dict[str, str]:
    """Return where each list's "N more" goes (the full action and case lists)."""
    actions = reverse("actions:list")
    cases = reverse("cases:list")
    opportunity = CaseType.objects.filter(is_opportunity=True, is_active=True).order_by(
        "order", "pk"
    )
    opportunity_id = opportunity.values_list("pk", flat=True).first()
    if scope.team is not None:
        whose = {"team": scope.team.pk}
        action_query = {"scope": "team"}
    else:
        assert scope.member is not None
        whose = {"owner": "me" if scope.is_self else scope.member.pk}  # type: ignore[dict-item]
        action_query = {"scope": "mine" if scope.is_self else "team"}
    opportunities = {**whose, "case_type": opportunity_id or "", "open": 1}
    return {
        "actions": f"{actions}?{urlencode(action_query)}",
        "opportunities": f"{cases}?{urlencode(opportunities)}",
        "after_sales": f"{cases}?{urlencode({**whose, 'open': 1})}",
    }


def board_context(request: AuthenticatedHttpRequest, scope: PanelScope) -> dict[str, Any]:
    """Return what the lists region shows: the lists, their counters and the workload."""
    user = request.user
    actions = action_lists(scope=scope)
    cases = case_lists(scope=scope)
    context: dict[str, Any] = {
        "scope": scope,
        "scope_query": _query(scope),
        "actions": actions,
        "cases": cases,
        "can_write": permissions.can_write(user),
        "can_reassign": can_bulk_reassign(user),
        "show_owner": scope.is_team or not scope.is_self,
        "more": _more_links(scope),
        "list_size": LIST_SIZE,
    }
    if can_switch(user):
        team = scope.team or switchable_teams(user).first()
        if team is not None:
            # The table itself loads after the page (panel_workload): it reads the whole
            # team's records, and the person's own lists should not wait for it.
            context["workload_team"] = team
    return context


def kpis_context(request: AuthenticatedHttpRequest, scope: PanelScope) -> dict[str, Any]:
    period = request.GET.get("period", "")
    figures = kpis(scope=scope, period=period)
    return {
        "kpis": figures,
        "chart": figures.chart(),
        "periods": list(PERIODS.items()),
        "scope_query": _query(scope),
        "kpis_query": _query(scope, period=figures.period),
    }


@login_required
@require_GET
def panel(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The control panel: the signed-in user's day, or a team member's for managers."""
    scope = scope_from(request)
    user = request.user
    # The period's KPIs load after the page (like the workload table): the day's lists do
    # not wait for them. Asked for with ?period= (a link followed without JavaScript),
    # they come with the page.
    kpis = kpis_context(request, scope) if request.GET.get("period") else {}
    context = {
        **board_context(request, scope),
        **kpis,
        "can_switch": can_switch(user),
        "members": list(switchable_members(user)) if can_switch(user) else [],
        "teams": list(switchable_teams(user)),
    }
    if context["can_reassign"]:
        context["reassign_form"] = BulkReassignForm(user=user, prefix_id="panel-bulk")
    return render(request, "dashboard/panel/panel.html", context)


@login_required
@require_GET
def panel_board(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The lists region alone (its counters included): what ``panelChanged`` reloads."""
    scope = scope_from(request)
    return render(request, "dashboard/panel/_board.html", board_context(request, scope))


@login_required
@require_GET
def panel_kpis(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The KPIs card for ``?period=week|month|quarter``."""
    scope = scope_from(request)
    return render(request, "dashboard/panel/_kpis.html", kpis_context(request, scope))


@login_required
@require_GET
def panel_workload(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The workload table of ``?team=`` (managers and administrators)."""
    user = request.user
    if not can_switch(user):
        raise PermissionDenied
    raw = request.GET.get("team", "")
    team = switchable_teams(user).filter(pk=int(raw)).first() if raw.isdigit() else None
    if team is None:
        raise PermissionDenied
    member = request.GET.get("member", "")
    return render(
        request,
        "dashboard/panel/_workload.html",
        {
            "workload_team": team,
            "workload": workload(viewer=user, team=team),
            "workload_columns": WORKLOAD_COLUMNS,
            "highlight": int(member) if member.isdigit() else user.pk,
        },
    )


@login_required
@require_GET
def entity_summary(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """An entity's summary for the side panel; 404 when the user may not see it."""
    try:
        entity = entity_selectors.entity_get(user=request.user, pk=pk)
    except Entity.DoesNotExist as error:
        raise Http404 from error
    user = request.user
    actions = action_queryset(user=user).filter(entity=entity)
    context = {
        "entity": entity,
        "emails": entity_selectors.entity_emails(entity)[:3],
        "phones": entity_selectors.entity_phones(entity)[:3],
        "addresses": entity_selectors.entity_addresses(entity)[:2],
        "contacts": list(
            entity_selectors.contact_list(user=user, entity=entity)
            .filter(is_active=True)
            .prefetch_related(None)[:SUMMARY_ROWS]
        ),
        "open_cases": list(
            case_queryset(user=user)
            .filter(entity=entity, status__meaning=StatusMeaning.OPEN)
            .order_by("-opened_at", "-pk")[:SUMMARY_ROWS]
        ),
        "planned": list(
            actions.filter(status=ActionStatus.PLANNED).order_by("start", "pk")[:SUMMARY_ROWS]
        ),
        "recent": list(
            actions.filter(status=ActionStatus.DONE).order_by("-start", "-pk")[:SUMMARY_ROWS]
        ),
    }
    return render(request, "dashboard/panel/_entity.html", context)
