"""Reads behind the sales forecast: the pipeline grouped by status, agent, team or close
period, and the cases behind every figure (the drill-down).

The forecast covers the *opportunities* (cases of a type marked as opportunity) that the
user may see (:func:`relata.cases.selectors.case_queryset`): an agent's forecast is what
they may see, a manager's their own and their teams', an administrator's everything.

Every figure comes from one grouped query, exact on both databases: PostgreSQL sums the
decimals themselves; on SQLite (which keeps decimals as floating point) amounts are
summed as whole cents. Weighted amounts are summed exactly too (amount × percent, or
cents × percent on SQLite) and rounded half-up to cents once, at the end of each group's
sum. The
forecast categories per period and the per-agent table are in
:mod:`relata.dashboard.forecast_categories`; how the figures are computed is told to users
in ``docs/forecast.md``.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import (
    BigIntegerField,
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce, TruncMonth, TruncQuarter
from django.utils import formats
from django.utils.translation import gettext as _

from relata.cases.models import Case, CaseLine, CaseStatus, CaseType, StatusMeaning
from relata.cases.selectors import case_queryset
from relata.core.models import Team, User
from relata.dashboard.forecast_cells import (  # noqa: F401 (re-exported)
    Cell,
    amount_cents,
    category_expression,
    cell_probability,
    grouped_cells,
)

CENT = decimal.Decimal("0.01")
ZERO = decimal.Decimal("0.00")
GROUP_BYS = ("status", "agent", "team", "month", "quarter")
NONE_KEY = "none"


@dataclass(frozen=True)
class ForecastFilters:
    """What the forecast is limited to; ``None`` means any. Ids, not objects: the page,
    the drill-down and the API read them from the query string alike."""

    case_type: int | None = None
    campaign: int | None = None
    family: int | None = None
    source: int | None = None
    zone: int | None = None
    owner: int | None = None
    team: int | None = None
    close_from: datetime.date | None = None
    close_to: datetime.date | None = None


@dataclass
class Figures:
    """A count with its amount and weighted amount (both rounded to cents)."""

    count: int = 0
    amount: decimal.Decimal = ZERO
    weighted: decimal.Decimal = ZERO


@dataclass
class Group(Figures):
    key: str = ""
    label: str = ""


@dataclass
class Pipeline:
    group_by: str
    groups: list[Group]
    totals: Figures


# --- Money in the database -------------------------------------------------------------------


def effective_probability() -> Coalesce:
    """Return the case's probability, or else its status's default (an integer 0–100)."""
    return Coalesce("probability", "status__default_probability", output_field=IntegerField())


def money_aggregates(condition: Q | None = None, prefix: str = "") -> dict[str, Any]:
    """Return the aggregates of :class:`Figures` (read them with :func:`figures_from`),
    of the rows matching ``condition`` when given, named with ``prefix``.

    PostgreSQL sums decimals exactly, and faster than whole cents; SQLite keeps decimals as
    floating point, so there the sums are of integers (cents, and cents × percent).
    """
    if connection.vendor == "postgresql":
        return {
            f"{prefix}count": Count("pk", filter=condition),
            f"{prefix}amount_sum": Sum("amount", filter=condition),
            f"{prefix}weighted_sum": Sum(
                F("amount") * effective_probability(),
                filter=condition,
                output_field=DecimalField(max_digits=30, decimal_places=2),
            ),
        }
    return {
        f"{prefix}count": Count("pk", filter=condition),
        f"{prefix}cents": Sum(amount_cents(), filter=condition, output_field=BigIntegerField()),
        f"{prefix}weighted_units": Sum(
            amount_cents() * effective_probability(),
            filter=condition,
            output_field=BigIntegerField(),
        ),
    }


def cents_to_money(value: Any, divisor: int = 100) -> decimal.Decimal:
    """Return an exact sum (cents, or cents × percent with ``divisor`` 10 000) as money."""
    if value is None:
        return ZERO
    return (decimal.Decimal(value) / divisor).quantize(CENT, rounding=decimal.ROUND_HALF_UP)


def row_units(row: dict[str, Any]) -> tuple[int, decimal.Decimal, decimal.Decimal]:
    """Return a row of :func:`money_aggregates` as (count, cents, cents × percent), exact."""
    if "amount_sum" in row:
        hundred = decimal.Decimal(100)
        return (
            row.get("count") or 0,
            decimal.Decimal(row["amount_sum"] or 0) * hundred,
            decimal.Decimal(row["weighted_sum"] or 0) * hundred,
        )
    return (
        row.get("count") or 0,
        decimal.Decimal(row.get("cents") or 0),
        decimal.Decimal(row.get("weighted_units") or 0),
    )


def figures_from(row: dict[str, Any], prefix: str = "") -> Figures:
    if prefix:
        row = {k[len(prefix) :]: v for k, v in row.items() if k.startswith(prefix)}
    count, cents, units = row_units(row)
    return Figures(
        count=count, amount=cents_to_money(cents), weighted=cents_to_money(units, 10_000)
    )


def case_totals(cases: QuerySet[Case]) -> Figures:
    """Return the count, amount and weighted amount of ``cases``, as the groups sum them."""
    return figures_from(cases.order_by().aggregate(**money_aggregates()))


# --- Which cases -------------------------------------------------------------------------------


def _ids(model: Any, **lookups: Any) -> list[int]:
    # Plain id lists (a handful of types and statuses): PostgreSQL then reads the cases
    # through their indexes instead of joining first.
    return sorted(model.objects.filter(**lookups).values_list("pk", flat=True))


def status_ids(meaning: str) -> list[int]:
    return _ids(CaseStatus, meaning=meaning, case_type__is_opportunity=True)


@dataclass(frozen=True)
class OpportunityStatuses:
    """The statuses of the opportunity types (one query), by id, with their type."""

    by_id: dict[int, CaseStatus]

    def ids(self, meaning: str) -> list[int]:
        return sorted(pk for pk, s in self.by_id.items() if s.meaning == meaning)

    @property
    def type_ids(self) -> list[int]:
        return sorted({s.case_type_id for s in self.by_id.values()})


def opportunity_statuses() -> OpportunityStatuses:
    statuses = CaseStatus.objects.filter(case_type__is_opportunity=True).select_related("case_type")
    return OpportunityStatuses(by_id={s.pk: s for s in statuses})


def forecast_scope(
    *, user: User, filters: ForecastFilters, statuses: OpportunityStatuses | None = None
) -> QuerySet[Case]:
    """Return the visible opportunities matching the filters other than the close dates
    (``statuses``, when already read, spares the query of the opportunity types)."""
    type_ids = statuses.type_ids if statuses else _ids(CaseType, is_opportunity=True)
    qs = case_queryset(user=user).filter(case_type_id__in=type_ids)
    f = filters
    for name in ("case_type", "campaign", "source", "owner", "team"):
        value = getattr(f, name)
        if value is not None:
            qs = qs.filter(**{f"{name}_id": value})
    if f.zone is not None:
        qs = qs.filter(entity__zone_id=f.zone)
    if f.family is not None:
        qs = qs.filter(
            Exists(CaseLine.objects.filter(case=OuterRef("pk"), product__family_id=f.family))
        )
    return qs


def pipeline_cases(
    *, user: User, filters: ForecastFilters, statuses: OpportunityStatuses | None = None
) -> QuerySet[Case]:
    """Return the open opportunities behind the pipeline, expected to close in the range."""
    open_ids = statuses.ids(StatusMeaning.OPEN) if statuses else status_ids(StatusMeaning.OPEN)
    qs = forecast_scope(user=user, filters=filters, statuses=statuses).filter(
        status_id__in=open_ids
    )
    if filters.close_from:
        qs = qs.filter(expected_close_date__gte=filters.close_from)
    if filters.close_to:
        qs = qs.filter(expected_close_date__lte=filters.close_to)
    return qs


# --- Group keys --------------------------------------------------------------------------------


def month_key(day: datetime.date) -> str:
    return f"{day.year}-{day.month:02d}"


def quarter_key(day: datetime.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def month_label(day: datetime.date) -> str:
    return formats.date_format(day, "F Y")


def quarter_label(day: datetime.date) -> str:
    return _("Q%(quarter)s %(year)s") % {"quarter": (day.month - 1) // 3 + 1, "year": day.year}


def period_bounds(key: str) -> tuple[datetime.date, datetime.date]:
    """Return the first and last day of a period key (``2026-11`` or ``2026-Q4``).

    A key that is neither raises ``ValueError``.
    """
    year_text, _sep, rest = key.partition("-")
    if not year_text.isdigit() or len(year_text) != 4:
        raise ValueError(key)
    year = int(year_text)
    if rest.startswith("Q") and rest[1:] in ("1", "2", "3", "4"):
        first_month, months = (int(rest[1:]) - 1) * 3 + 1, 3
    elif rest.isdigit() and len(rest) == 2 and 1 <= int(rest) <= 12:
        first_month, months = int(rest), 1
    else:
        raise ValueError(key)
    start = datetime.date(year, first_month, 1)
    next_month = first_month + months
    end = (
        datetime.date(year + 1, 1, 1) if next_month > 12 else datetime.date(year, next_month, 1)
    ) - datetime.timedelta(days=1)
    return start, end


def _id_key(key: str, field: str) -> Q:
    if key == NONE_KEY:
        return Q(**{f"{field}__isnull": True})
    if not key.isdigit() or len(key) > 18:
        raise ValueError(key)
    return Q(**{field: int(key)})


def group_q(group_by: str, key: str) -> Q:
    """Return the filter of one group of :func:`pipeline_groups` (``ValueError`` if bad)."""
    if group_by == "status":
        if key == NONE_KEY:
            raise ValueError(key)
        return _id_key(key, "status_id")
    if group_by == "agent":
        return _id_key(key, "owner_id")
    if group_by == "team":
        return _id_key(key, "team_id")
    if group_by in ("month", "quarter"):
        if key == NONE_KEY:
            return Q(expected_close_date__isnull=True)
        start, end = period_bounds(key)
        if ("Q" in key) != (group_by == "quarter"):
            raise ValueError(key)
        return Q(expected_close_date__gte=start, expected_close_date__lte=end)
    raise ValueError(group_by)


# --- The pipeline grouped ----------------------------------------------------------------------
#
# The figures are summed in two steps: the database groups the open cases by what the
# page shows (close month, owner, …) *and* by status and probability, with a count and
# the amount; Python then multiplies each of these few hundred sums by its effective
# probability. That is exact (the weighted sum of a group is the sum of its parts'
# amount × probability) and much cheaper than a product per case in the database: the
# per-case multiplication, and the join to the statuses for their default probability,
# took most of the time of the forecast over 140,000 open cases.


class Sums:
    """Adds up cells per key: ``[count, cents, units]``."""

    def __init__(self) -> None:
        self.by_key: dict[Any, list[int]] = {}

    def add(self, key: Any, cell: Cell) -> None:
        sums = self.by_key.get(key)
        if sums is None:
            self.by_key[key] = [cell.count, cell.cents, cell.units]
        else:
            sums[0] += cell.count
            sums[1] += cell.cents
            sums[2] += cell.units


def sums_figures(sums: list[int] | None) -> Figures:
    """Return the figures of ``[count, cents, units]``, rounded half-up to cents."""
    if sums is None:
        return Figures()
    count, cents, units = sums
    return Figures(
        count=count, amount=cents_to_money(cents), weighted=cents_to_money(units, 10_000)
    )


def user_label(user: User) -> str:
    return user.get_full_name() or user.get_username()


def user_names(ids: set[int | None]) -> dict[int, str]:
    users = User.objects.in_bulk(sorted(pk for pk in ids if pk is not None))
    return {pk: user_label(u) for pk, u in users.items()}


def _status_groups(sums: Sums, statuses: OpportunityStatuses) -> list[Group]:
    found = [statuses.by_id[pk] for pk in sums.by_key]
    several_types = len({s.case_type_id for s in found}) > 1
    found.sort(key=lambda s: (s.case_type.order, s.case_type_id, s.order, s.pk))
    return [
        Group(
            key=str(status.pk),
            label=f"{status.case_type.name}: {status.name}" if several_types else status.name,
            **vars(sums_figures(sums.by_key[status.pk])),
        )
        for status in found
    ]


def _named_groups(sums: Sums, names: dict[int, str], none_label: str) -> list[Group]:
    groups = [
        Group(
            key=NONE_KEY if pk is None else str(pk),
            label=none_label if pk is None else names.get(pk, str(pk)),
            **vars(sums_figures(figures)),
        )
        for pk, figures in sums.by_key.items()
    ]
    # Alphabetical, the group of nobody last.
    groups.sort(key=lambda g: (g.key == NONE_KEY, g.label.casefold(), g.key))
    return groups


def _period_groups(
    sums: Sums,
    key: Callable[[datetime.date], str],
    label: Callable[[datetime.date], str],
) -> list[Group]:
    dated = sorted(day for day in sums.by_key if day is not None)
    groups = [
        Group(key=key(d), label=label(d), **vars(sums_figures(sums.by_key[d]))) for d in dated
    ]
    if None in sums.by_key:
        groups.append(
            Group(key=NONE_KEY, label=_("No date"), **vars(sums_figures(sums.by_key[None])))
        )
    return groups


class MonthStart(TruncMonth):
    """The first day of a date's month. On PostgreSQL truncated as a plain timestamp:
    ``DATE_TRUNC`` of a date casts it to a timestamp *with time zone* first, a time-zone
    conversion per case that made a third of the forecast's query."""

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        sql, params = compiler.compile(self.lhs)
        return f"DATE_TRUNC('month', ({sql})::timestamp)::date", params


def quarter_of(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def pipeline_cell_fields(group_by: str) -> tuple[Any, tuple[str, ...]]:
    """Return the period expression and the fields the cells of ``group_by`` need."""
    if group_by not in GROUP_BYS:
        raise ValueError(group_by)
    if group_by in ("month", "quarter"):
        trunc = MonthStart if group_by == "month" else TruncQuarter
        return trunc("expected_close_date"), ()
    return None, {"status": ("status_id",), "agent": ("owner_id",), "team": ("team_id",)}[group_by]


def pipeline_sums(cells: list[Cell], group_by: str) -> Sums:
    """Return the sums of ``cells`` per group of ``group_by`` (cells from
    :func:`grouped_cells` with the fields of :func:`pipeline_cell_fields`, or more)."""
    sums = Sums()
    for cell in cells:
        if group_by == "status":
            key: Any = cell.status_id
        elif group_by == "agent":
            key = cell.owner_id
        elif group_by == "team":
            key = cell.team_id
        elif group_by == "month" or cell.period is None:
            key = cell.period
        else:
            key = quarter_of(cell.period)
        sums.add(key, cell)
    return sums


def pipeline_from_sums(
    sums: Sums,
    group_by: str,
    statuses: OpportunityStatuses,
    names: dict[int, str] | None = None,
) -> Pipeline:
    """Return the pipeline of :func:`pipeline_sums`, labelled (``names``: the owners')."""
    groups: list[Group]
    if group_by == "status":
        groups = _status_groups(sums, statuses)
    elif group_by == "agent":
        if names is None:
            names = user_names(set(sums.by_key))
        groups = _named_groups(sums, names, _("Unassigned"))
    elif group_by == "team":
        teams = Team.objects.in_bulk(sorted(pk for pk in sums.by_key if pk is not None))
        groups = _named_groups(sums, {pk: t.name for pk, t in teams.items()}, _("No team"))
    elif group_by == "month":
        groups = _period_groups(sums, month_key, month_label)
    else:
        groups = _period_groups(sums, quarter_key, quarter_label)
    # The exact integer sums of the groups add up to those of every case.
    totals = [sum(s[i] for s in sums.by_key.values()) for i in range(3)]
    return Pipeline(group_by=group_by, groups=groups, totals=sums_figures(totals))


def pipeline_groups(*, user: User, filters: ForecastFilters, group_by: str) -> Pipeline:
    """Return the open pipeline grouped by ``group_by`` (one of :data:`GROUP_BYS`).

    Each group has the count of cases, their amount and weighted amount (amount ×
    effective probability / 100, rounded half-up to cents after summing); the totals are
    summed the same way over every case (not from the rounded groups).
    """
    period, fields = pipeline_cell_fields(group_by)
    statuses = opportunity_statuses()
    cases = pipeline_cases(user=user, filters=filters, statuses=statuses)
    cells = grouped_cells(cases, statuses, period=period, fields=fields)
    return pipeline_from_sums(pipeline_sums(cells, group_by), group_by, statuses)


# --- The cases behind a figure -----------------------------------------------------------------


def with_weighted(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Annotate each case with ``effective_probability_value`` and ``weighted_units``
    (cents × percent, to sort by)."""
    if "effective_probability_value" not in cases.query.annotations:
        cases = cases.annotate(effective_probability_value=effective_probability())
    return cases.annotate(weighted_units=amount_cents() * effective_probability())


def row_weighted(case: Case) -> decimal.Decimal:
    """Return one case's weighted amount, rounded half-up to cents."""
    probability = getattr(case, "effective_probability_value", None)
    if probability is None:
        probability = case.effective_probability
    return (case.amount * probability / 100).quantize(CENT, rounding=decimal.ROUND_HALF_UP)
