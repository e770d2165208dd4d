"""Segment conditions on an entity's cases: open cases, opportunities won and their amount,
the date of the last case. Registered with the entities app's history-field registry."""

from __future__ import annotations

from typing import cast

from django.db.models import Count, DecimalField, Expression, Max, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from relata.cases.models import Case, StatusMeaning
from relata.entities.segments import register_history_field
from relata.entities.segments.history import HistoryCondition
from relata.entities.segments.operators import DATE, DECIMAL, INTEGER


def _entity_cases(condition: HistoryCondition, *, date_field: str, **filters: object):
    cases = Case.objects.filter(entity=OuterRef("pk"), **filters)
    if condition.start is not None:
        cases = cases.filter(**{f"{date_field}__gte": condition.start})
    if condition.end is not None:
        cases = cases.filter(**{f"{date_field}__lt": condition.end})
    return cases.order_by().values("entity")


def _open_cases(condition: HistoryCondition) -> Q:
    cases = _entity_cases(condition, date_field="opened_at", status__meaning=StatusMeaning.OPEN)
    count = Coalesce(Subquery(cases.annotate(n=Count("pk")).values("n")[:1]), 0)
    return condition.compare(count, kind=INTEGER)


def _won(condition: HistoryCondition) -> Q:
    cases = _entity_cases(
        condition,
        date_field="closed_at",
        status__meaning=StatusMeaning.WON,
        case_type__is_opportunity=True,
    )
    count = Coalesce(Subquery(cases.annotate(n=Count("pk")).values("n")[:1]), 0)
    return condition.compare(count, kind=INTEGER)


def _amount_won(condition: HistoryCondition) -> Q:
    cases = _entity_cases(
        condition,
        date_field="closed_at",
        status__meaning=StatusMeaning.WON,
        case_type__is_opportunity=True,
    )
    money = DecimalField(max_digits=16, decimal_places=2)
    total = Coalesce(
        Subquery(cases.annotate(t=Sum("amount")).values("t")[:1], output_field=money),
        Value(0, output_field=money),
    )
    return condition.compare(total, kind=DECIMAL)


def _last_case(condition: HistoryCondition) -> Q:
    cases = Case.objects.filter(entity=OuterRef("pk")).order_by().values("entity")
    last = cast(Expression, Subquery(cases.annotate(d=Max("opened_at")).values("d")[:1]))
    return condition.compare(last, kind=DATE, datetimes=True)


register_history_field(
    "open_cases",
    _("Number of open cases"),
    _open_cases,
    period=True,
    help_text=_("Cases of any type in an open status; with a period, those opened in it."),
)
register_history_field(
    "opportunities_won",
    _("Opportunities won"),
    _won,
    period=True,
    help_text=_("With a period, those won (closed) in it."),
)
register_history_field(
    "amount_won",
    _("Amount won"),
    _amount_won,
    kind=DECIMAL,
    period=True,
    help_text=_("The total amount of the opportunities won; with a period, won in it."),
)
register_history_field(
    "last_case_opened",
    _("Last case opened"),
    _last_case,
    kind=DATE,
)
