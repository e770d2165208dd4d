"""``GET /api/v1/forecast/``: the forecast's figures as on the page (R18).

The query parameters are those of the page (one form reads both); a value it refuses is a
400 naming the parameter. Amounts are strings with two decimals, like DRF's DecimalField.
"""

from __future__ import annotations

import decimal
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from relata.core import permissions
from relata.core.selectors import parameters_get
from relata.core.types import request_user
from relata.dashboard.forecast import Figures
from relata.dashboard.forecast_categories import CategoryFigures, forecast_figures
from relata.dashboard.forecast_filters import ForecastFilterForm, errors_dict


def money_text(value: decimal.Decimal) -> str:
    return f"{value:.2f}"


def _figures(figures: Figures) -> dict[str, Any]:
    return {
        "count": figures.count,
        "amount": money_text(figures.amount),
        "weighted": money_text(figures.weighted),
    }


def _categories(row: CategoryFigures) -> dict[str, Any]:
    return {
        "won": money_text(row.won.amount),
        "committed": money_text(row.committed.amount),
        "best_case": money_text(row.best_case.amount),
        "pipeline": money_text(row.pipeline.amount),
        "target": money_text(row.target),
        "gap": money_text(row.gap),
        "attainment": None if row.attainment is None else money_text(row.attainment),
        "open_count": row.open.count,
    }


def _amount(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=16, decimal_places=2, **kwargs)


class FiguresSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    amount = _amount()
    weighted = _amount(help_text="Sum of amount × effective probability / 100.")


class GroupSerializer(FiguresSerializer):
    key = serializers.CharField(
        help_text="Status, user or team id, `YYYY-MM`, `YYYY-Qn` or `none`."
    )
    label = serializers.CharField()  # type: ignore[assignment]


class CategoryFieldsSerializer(serializers.Serializer):
    won = _amount()
    committed = _amount()
    best_case = _amount()
    pipeline = _amount()
    target = _amount()
    gap = _amount(help_text="Target − won, not below 0.")
    attainment = serializers.DecimalField(
        max_digits=8, decimal_places=2, allow_null=True, help_text="Won / target, in %."
    )
    open_count = serializers.IntegerField()


class PeriodSerializer(CategoryFieldsSerializer):
    period = serializers.CharField(help_text="`YYYY-MM` or `YYYY-Qn`.")
    label = serializers.CharField()  # type: ignore[assignment]
    start = serializers.DateField()
    end = serializers.DateField()


class AgentSerializer(CategoryFieldsSerializer):
    agent = serializers.IntegerField(allow_null=True, help_text="User id; null: unassigned.")
    label = serializers.CharField()  # type: ignore[assignment]


class ForecastSerializer(serializers.Serializer):
    """The answer's shape (for the schema)."""

    group_by = serializers.CharField()
    currency = serializers.CharField()
    groups = GroupSerializer(many=True)
    totals = FiguresSerializer()
    period_by = serializers.CharField()
    start = serializers.DateField(help_text="First day the categories cover.")
    end = serializers.DateField(help_text="Last day the categories cover.")
    committed_from = serializers.IntegerField()
    best_case_from = serializers.IntegerField()
    categories = PeriodSerializer(many=True)
    agents = AgentSerializer(many=True)


def _id_parameter(name: str, what: str) -> OpenApiParameter:
    return OpenApiParameter(name, int, description=f"Only the opportunities of this {what} (id).")


PARAMETERS = [
    OpenApiParameter(
        "group_by",
        str,
        enum=["status", "agent", "team", "month", "quarter"],
        description="How the open pipeline is grouped (default: status).",
    ),
    _id_parameter("case_type", "opportunity type"),
    _id_parameter("campaign", "campaign"),
    OpenApiParameter(
        "family", int, description="Opportunities with a line of a product of this family."
    ),
    _id_parameter("source", "source"),
    OpenApiParameter("zone", int, description="Opportunities whose entity is in this zone."),
    OpenApiParameter("owner", str, description="A user id, or `me`."),
    _id_parameter("team", "team"),
    OpenApiParameter(
        "preset",
        str,
        enum=["this_month", "this_quarter", "next_quarter", "this_year"],
        description="Sets close_from and close_to (replacing them).",
    ),
    OpenApiParameter("close_from", str, description="Expected close on or after (YYYY-MM-DD)."),
    OpenApiParameter("close_to", str, description="Expected close on or before (YYYY-MM-DD)."),
    OpenApiParameter(
        "period_by",
        str,
        enum=["quarter", "month"],
        description="The periods of the categories (default: quarter).",
    ),
]


class ForecastView(APIView):
    """The open pipeline grouped, the forecast categories per period and per agent.

    Only the opportunities the caller may see count. Amounts are strings with two
    decimals in the default currency; see docs/forecast.md for how they are computed.
    """

    permission_classes = [permissions.RecordPermission]

    @extend_schema(parameters=PARAMETERS, responses=ForecastSerializer)
    def get(self, request: Request) -> Response:
        user = request_user(request)
        form = ForecastFilterForm(request.query_params, user=user)
        if not form.is_valid():
            raise serializers.ValidationError(errors_dict(form))
        filters = form.filters()
        pipeline, categories = forecast_figures(
            user=user,
            filters=filters,
            group_by=form.chosen_group_by,
            period_by=form.chosen_period_by,
        )
        return Response(
            {
                "group_by": pipeline.group_by,
                "currency": parameters_get().default_currency,
                "groups": [
                    {"key": g.key, "label": g.label, **_figures(g)} for g in pipeline.groups
                ],
                "totals": _figures(pipeline.totals),
                "period_by": categories.period_by,
                "start": categories.start.isoformat(),
                "end": categories.end.isoformat(),
                "committed_from": categories.committed_from,
                "best_case_from": categories.best_case_from,
                "categories": [
                    {
                        "period": p.key,
                        "label": p.label,
                        "start": p.start.isoformat(),
                        "end": p.end.isoformat(),
                        **_categories(p),
                    }
                    for p in categories.periods
                ],
                "agents": [
                    {
                        "agent": None if a.key == "none" else int(a.key),
                        "label": a.label,
                        **_categories(a),
                    }
                    for a in categories.agents
                ],
            }
        )
