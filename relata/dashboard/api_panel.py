"""``GET /api/v1/dashboard/``: the control panel of the signed-in user as data.

The same selectors as the page (:mod:`relata.dashboard.panel`,
:mod:`relata.dashboard.panel_kpis`), the same rules: ``?member=`` and ``?team=`` are for
managers (their teams) and administrators; anyone else naming another person gets 403.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from relata.actions.models import Action
from relata.cases.models import Case
from relata.core import permissions
from relata.core.types import request_user
from relata.dashboard.panel import LIST_SIZE, action_lists, case_lists, moments, panel_scope
from relata.dashboard.panel_kpis import PERIODS, kpis

DEFAULT_LIMIT = 10


class DashboardRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class DashboardActionItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    subject = serializers.CharField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    type = DashboardRefSerializer()
    entity = DashboardRefSerializer()
    owner = DashboardRefSerializer(allow_null=True)
    url = serializers.URLField(help_text="The action's page.")
    api_url = serializers.URLField(help_text="The action in the API.")


class DashboardCaseItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    subject = serializers.CharField()
    entity = DashboardRefSerializer()
    owner = DashboardRefSerializer(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    expected_close_date = serializers.DateField(allow_null=True)
    reasons = serializers.ListField(
        child=serializers.ChoiceField(choices=["no_action", "close_date_passed", "stuck"]),
        help_text="Why an opportunity needs attention (empty for after-sales cases).",
    )
    is_overdue = serializers.BooleanField(help_text="An after-sales case past its due time.")
    url = serializers.URLField(help_text="The case's page.")
    api_url = serializers.URLField(help_text="The case in the API.")


class DashboardCountsSerializer(serializers.Serializer):
    overdue = serializers.IntegerField()
    today = serializers.IntegerField()
    upcoming = serializers.IntegerField()
    opportunities = serializers.IntegerField(help_text="Open opportunities.")
    needing_attention = serializers.IntegerField()
    after_sales_open = serializers.IntegerField()
    after_sales_overdue = serializers.IntegerField()


class DashboardTypeCountSerializer(serializers.Serializer):
    type = DashboardRefSerializer()
    count = serializers.IntegerField()


class DashboardKpisSerializer(serializers.Serializer):
    period = serializers.ChoiceField(choices=list(PERIODS))
    date_from = serializers.DateField()
    date_to = serializers.DateField(help_text="The last day of the period (inclusive).")
    done_by_type = DashboardTypeCountSerializer(many=True)
    done_total = serializers.IntegerField()
    opportunities_opened = serializers.IntegerField()
    opportunities_won = serializers.IntegerField()
    opportunities_lost = serializers.IntegerField()
    amount_won = serializers.DecimalField(max_digits=16, decimal_places=2)
    currency = serializers.CharField()


class DashboardScopeSerializer(serializers.Serializer):
    member = DashboardRefSerializer(allow_null=True)
    team = DashboardRefSerializer(allow_null=True)


class DashboardSerializer(serializers.Serializer):
    """The answer's shape (for the schema)."""

    scope = DashboardScopeSerializer()
    counts = DashboardCountsSerializer()
    overdue = DashboardActionItemSerializer(many=True)
    today = DashboardActionItemSerializer(many=True)
    upcoming = DashboardActionItemSerializer(many=True)
    needing_attention = DashboardCaseItemSerializer(many=True)
    after_sales = DashboardCaseItemSerializer(many=True)
    kpis = DashboardKpisSerializer()


def _ref(obj: Any) -> dict[str, Any] | None:
    return None if obj is None else {"id": obj.pk, "name": str(obj)}


def _action(request: Request, action: Action) -> dict[str, Any]:
    return {
        "id": action.pk,
        "subject": action.subject,
        "start": action.start,
        "end": action.end,
        "type": {"id": action.type_id, "name": action.type.name},
        "entity": {"id": action.entity_id, "name": action.entity.display_name},
        "owner": _ref(action.owner),
        "url": request.build_absolute_uri(action.get_absolute_url()),
        "api_url": request.build_absolute_uri(reverse("action-detail", args=[action.pk])),
    }


def _case(request: Request, case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "number": case.number,
        "subject": case.subject,
        "entity": {"id": case.entity_id, "name": case.entity.display_name},
        "owner": _ref(case.owner),
        "due_at": case.due_at,
        "expected_close_date": case.expected_close_date,
        "reasons": [code for code, _label in getattr(case, "reasons", [])],
        "is_overdue": bool(getattr(case, "is_overdue", False)),
        "url": request.build_absolute_uri(case.get_absolute_url()),
        "api_url": request.build_absolute_uri(reverse("case-detail", args=[case.pk])),
    }


def _limit(value: str) -> int:
    value = (value or "").strip()
    if not value:
        return DEFAULT_LIMIT
    if not value.isdigit() or not 1 <= int(value) <= LIST_SIZE:
        raise serializers.ValidationError(
            {"limit": [f"Enter a whole number from 1 to {LIST_SIZE}."]}
        )
    return int(value)


class DashboardView(APIView):
    """The signed-in user's control panel: counts, the first items of each list and the
    KPIs of the period. Managers may ask for a member of their teams (``member``) or a
    whole team (``team``); administrators for anyone."""

    permission_classes = [permissions.RecordPermission]

    @extend_schema(
        parameters=[
            OpenApiParameter("member", int, description="Another user's panel (managers)."),
            OpenApiParameter("team", int, description="A whole team's panel (managers)."),
            OpenApiParameter(
                "period", str, enum=list(PERIODS), description="The KPIs' period; default week."
            ),
            OpenApiParameter(
                "limit", int, description=f"Items per list, 1 to {LIST_SIZE}; default 10."
            ),
        ],
        responses=DashboardSerializer,
    )
    def get(self, request: Request) -> Response:
        user = request_user(request)
        params = request.query_params
        limit = _limit(params.get("limit", ""))
        scope = panel_scope(
            user=user, member=params.get("member") or None, team=params.get("team") or None
        )
        now = moments().now
        actions = action_lists(scope=scope, now=now, limit=limit)
        cases = case_lists(scope=scope, now=now, limit=limit)
        figures = kpis(scope=scope, period=params.get("period", ""), now=now)
        counts = {**actions.counts, **cases.counts}
        return Response(
            {
                "scope": {"member": _ref(scope.member), "team": _ref(scope.team)},
                "counts": {
                    "overdue": counts["overdue"],
                    "today": counts["today"],
                    "upcoming": counts["upcoming"],
                    "opportunities": counts["opportunities"],
                    "needing_attention": counts["attention"],
                    "after_sales_open": counts["after_sales"],
                    "after_sales_overdue": counts["after_sales_overdue"],
                },
                "overdue": [_action(request, a) for a in actions.overdue],
                "today": [_action(request, a) for a in actions.today],
                "upcoming": [_action(request, a) for a in actions.upcoming],
                "needing_attention": [_case(request, c) for c in cases.attention],
                "after_sales": [_case(request, c) for c in cases.after_sales],
                "kpis": {
                    "period": figures.period,
                    "date_from": figures.date_from,
                    "date_to": figures.date_to,
                    "done_by_type": [
                        {"type": {"id": row.type_id, "name": row.name}, "count": row.count}
                        for row in figures.done_by_type
                    ],
                    "done_total": figures.done_total,
                    "opportunities_opened": figures.opened,
                    "opportunities_won": figures.won,
                    "opportunities_lost": figures.lost,
                    "amount_won": f"{figures.amount_won:.2f}",
                    "currency": figures.currency,
                },
            }
        )
