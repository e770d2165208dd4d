"""Forecast categories per period, won to date against the agents' targets, and the cases
behind each of those figures.

Among the open opportunities expected to close in a period, a case whose effective
probability reaches the *committed* threshold (general parameter
``forecast_committed_probability``) is committed; one reaching the *best case* threshold
(``forecast_best_case_probability``) but not the committed one is best case; the rest is
pipeline. Won is the amount of the cases won (status meaning *won*) whose close date
(``closed_at`` in the local time zone) falls in the period. The target is the sum of the
monthly :class:`~relata.dashboard.models.SalesTarget` of the agents in scope.

Three grouped queries build both the periods and the per-agent table: the open cases by
(period, owner, category) — the category worked out in the query from each case's
effective probability —, the won cases by (period, owner), and the targets. The forecast page and
the API read the pipeline and the categories together (:func:`forecast_figures`): one
query of the open cases serves both.
"""

from __future__ import annotations

import datetime
import decimal
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import DateField, Q, QuerySet
from django.db.models.functions import Trunc
from django.utils import timezone
from django.utils.translation import gettext as _

from relata.cases.models import Case, StatusMeaning
from relata.core import permissions
from relata.core.models import User
from relata.core.selectors import parameters_get
from relata.dashboard.forecast import (
    NONE_KEY,
    ZERO,
    Cell,
    Figures,
    ForecastFilters,
    MonthStart,
    OpportunityStatuses,
    Pipeline,
    Sums,
    effective_probability,
    forecast_scope,
    group_q,
    grouped_cells,
    month_key,
    month_label,
    opportunity_statuses,
    period_bounds,
    pipeline_cases,
    pipeline_cell_fields,
    pipeline_from_sums,
    pipeline_sums,
    quarter_key,
    quarter_label,
    status_ids,
    sums_figures,
    user_names,
)
from relata.dashboard.models import SalesTarget

PERIOD_BYS = ("month", "quarter")
OPEN_CATEGORIES = ("committed", "best_case", "pipeline")
CATEGORIES = ("won", *OPEN_CATEGORIES, "open")
MAX_PERIODS = 36


# --- Periods -----------------------------------------------------------------------------------


def quarter_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def period_start(day: datetime.date, period_by: str) -> datetime.date:
    return quarter_start(day) if period_by == "quarter" else day.replace(day=1)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """Return the first day of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def period_presets(today: datetime.date) -> dict[str, tuple[datetime.date, datetime.date]]:
    """Return the named close-date ranges the filters offer, around ``today``."""
    day = datetime.timedelta(days=1)
    this_quarter = quarter_start(today)
    next_quarter = add_months(this_quarter, 3)
    return {
        "this_month": (today.replace(day=1), add_months(today, 1) - day),
        "this_quarter": (this_quarter, next_quarter - day),
        "next_quarter": (next_quarter, add_months(next_quarter, 3) - day),
        "this_year": (datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31)),
    }


def category_range(
    filters: ForecastFilters, today: datetime.date | None = None
) -> tuple[datetime.date, datetime.date]:
    """Return the first and last day the categories cover.

    The close-date filters when given; otherwise from the start of this quarter (or of the
    quarter of ``close_to`` when that is earlier) to the end of the following quarter.
    """
    today = today or timezone.localdate()
    start = filters.close_from
    if start is None:
        anchor = min(today, filters.close_to) if filters.close_to else today
        start = quarter_start(anchor)
    end = filters.close_to
    if end is None:
        end = add_months(quarter_start(start), 6) - datetime.timedelta(days=1)
    return start, end


def period_keys(start: datetime.date, end: datetime.date, period_by: str) -> list[datetime.date]:
    """Return the first day of every month or quarter from ``start``'s to ``end``'s."""
    step = 3 if period_by == "quarter" else 1
    first = period_start(start, period_by)
    days = []
    while first <= end:
        days.append(first)
        first = add_months(first, step)
    return days


def count_periods(start: datetime.date, end: datetime.date, period_by: str) -> int:
    """Return how many months or quarters ``start`` to ``end`` touches."""
    if end < start:
        return 0
    first, last = start.year * 12 + start.month - 1, end.year * 12 + end.month - 1
    if period_by == "quarter":
        return last // 3 - first // 3 + 1
    return last - first + 1


# --- Figures -----------------------------------------------------------------------------------


@dataclass
class CategoryFigures:
    won: Figures = field(default_factory=Figures)
    committed: Figures = field(default_factory=Figures)
    best_case: Figures = field(default_factory=Figures)
    pipeline: Figures = field(default_factory=Figures)
    target: decimal.Decimal = ZERO

    @property
    def open(self) -> Figures:
        parts = (self.committed, self.best_case, self.pipeline)
        return Figures(
            count=sum(p.count for p in parts),
            amount=sum((p.amount for p in parts), ZERO),
            weighted=sum((p.weighted for p in parts), ZERO),
        )

    @property
    def gap(self) -> decimal.Decimal:
        """What is left to win to reach the target (never below zero)."""
        return max(self.target - self.won.amount, ZERO)

    @property
    def attainment(self) -> decimal.Decimal | None:
        """Won as a percentage of the target (one decimal), None without a target."""
        if not self.target:
            return None
        return (self.won.amount * 100 / self.target).quantize(
            decimal.Decimal("0.1"), rounding=decimal.ROUND_HALF_UP
        )

    def add(self, other: CategoryFigures) -> None:
        for name in ("won", *OPEN_CATEGORIES):
            mine, theirs = getattr(self, name), getattr(other, name)
            mine.count += theirs.count
            mine.amount += theirs.amount
            mine.weighted += theirs.weighted
        self.target += other.target


@dataclass
class PeriodRow(CategoryFigures):
    key: str = ""
    label: str = ""
    start: datetime.date = datetime.date.min
    end: datetime.date = datetime.date.min


@dataclass
class AgentRow(CategoryFigures):
    key: str = ""
    label: str = ""


@dataclass
class Categories:
    period_by: str
    start: datetime.date
    end: datetime.date
    committed_from: int
    best_case_from: int
    periods: list[PeriodRow]
    agents: list[AgentRow]
    totals: CategoryFigures


def _category_conditions(committed: int, best_case: int) -> dict[str, Q]:
    """Return the filter of each open category on the effective probability."""
    p = "effective_probability_value"
    return {
        "committed": Q(**{f"{p}__gte": committed}),
        "best_case": Q(**{f"{p}__gte": best_case}) & ~Q(**{f"{p}__gte": committed}),
        "pipeline": ~Q(**{f"{p}__gte": best_case}),
    }


def target_users_q(user: User, filters: ForecastFilters) -> Q:
    """Return which users' targets count: the one agent filtered on; else everyone whose
    cases the user may see (administrators: everyone; others: themselves and the members
    of their teams), narrowed to a team's members when a team is filtered on."""
    if filters.owner is not None:
        q = Q(user_id=filters.owner)
    elif permissions.is_administrator(user):
        q = Q()
    else:
        q = Q(user_id__in=sorted({user.pk, *permissions.team_member_ids(user)}))
    if filters.team is not None:
        q &= Q(user__teams=filters.team)
    return q


def _month_range_q(start: datetime.date, end: datetime.date) -> Q:
    low, high = start.year * 12 + start.month, end.year * 12 + end.month
    q = Q()
    for year in range(start.year, end.year + 1):
        months = [m for m in range(1, 13) if low <= year * 12 + m <= high]
        q |= Q(year=year, month__in=months)
    return q


def _local_day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _open_cases(
    user: User,
    filters: ForecastFilters,
    start: datetime.date,
    end: datetime.date,
    statuses: OpportunityStatuses | None = None,
) -> QuerySet[Case]:
    open_ids = statuses.ids(StatusMeaning.OPEN) if statuses else status_ids(StatusMeaning.OPEN)
    return forecast_scope(user=user, filters=filters, statuses=statuses).filter(
        status_id__in=open_ids,
        expected_close_date__gte=start,
        expected_close_date__lte=end,
    )


def _open_in_range(
    user: User, filters: ForecastFilters, start: datetime.date, end: datetime.date
) -> QuerySet[Case]:
    return _open_cases(user, filters, start, end).annotate(
        effective_probability_value=effective_probability()
    )


def _won_in_range(
    user: User,
    filters: ForecastFilters,
    start: datetime.date,
    end: datetime.date,
    statuses: OpportunityStatuses | None = None,
) -> QuerySet[Case]:
    won_ids = statuses.ids(StatusMeaning.WON) if statuses else status_ids(StatusMeaning.WON)
    return forecast_scope(user=user, filters=filters, statuses=statuses).filter(
        status_id__in=won_ids,
        closed_at__gte=_local_day_start(start),
        closed_at__lt=_local_day_start(end + datetime.timedelta(days=1)),
    )


def _checked_range(
    filters: ForecastFilters, period_by: str, today: datetime.date | None
) -> tuple[datetime.date, datetime.date]:
    if period_by not in PERIOD_BYS:
        raise ValueError(period_by)
    start, end = category_range(filters, today)
    if end < start or count_periods(start, end, period_by) > MAX_PERIODS:
        raise ValueError("range")
    return start, end


class _CategoryTable:
    """The periods and agents of :class:`Categories`, filled from cells."""

    def __init__(self, start: datetime.date, end: datetime.date, period_by: str) -> None:
        self.start, self.end, self.period_by = start, end, period_by
        self.key = quarter_key if period_by == "quarter" else month_key
        label = quarter_label if period_by == "quarter" else month_label
        self.periods: dict[str, PeriodRow] = {}
        for first in period_keys(start, end, period_by):
            _first, last = period_bounds(self.key(first))
            self.periods[self.key(first)] = PeriodRow(
                key=self.key(first), label=label(first), start=max(first, start), end=min(last, end)
            )
        # Per category: the sums per period key, and per owner.
        self.period_sums = {name: Sums() for name in ("won", *OPEN_CATEGORIES)}
        self.agent_sums = {name: Sums() for name in ("won", *OPEN_CATEGORIES)}
        self.targets: dict[int | None, decimal.Decimal] = {}
        self.owner_ids: dict[int | None, None] = {}  # in the order met

    def add_open(self, cells: list[Cell]) -> None:
        """Add open cells grouped with their category (``thresholds`` given)."""
        keys: dict[datetime.date, str] = {}
        for cell in cells:
            assert cell.period is not None and cell.category is not None
            period = keys.get(cell.period)
            if period is None:
                period = keys[cell.period] = self.key(cell.period)
            self.period_sums[cell.category].add(period, cell)
            self.agent_sums[cell.category].add(cell.owner_id, cell)
            self.owner_ids[cell.owner_id] = None

    def add_won(self, cells: list[Cell]) -> None:
        for cell in cells:
            assert cell.period is not None
            self.period_sums["won"].add(self.key(cell.period), cell)
            self.agent_sums["won"].add(cell.owner_id, cell)
            self.owner_ids[cell.owner_id] = None

    def add_targets(self, targets: Any) -> None:
        for user_id, year, month, amount in targets:
            self.periods[self.key(datetime.date(year, month, 1))].target += amount
            self.targets[user_id] = self.targets.get(user_id, ZERO) + amount
            self.owner_ids[user_id] = None

    def categories(self, committed: int, best_case: int, names: dict[int, str]) -> Categories:
        names_sums = ("won", *OPEN_CATEGORIES)
        for key, period in self.periods.items():
            for name in names_sums:
                figures = sums_figures(self.period_sums[name].by_key.get(key))
                setattr(period, name, figures)
        agents = []
        for owner_id in self.owner_ids:
            row = AgentRow(
                key=NONE_KEY if owner_id is None else str(owner_id),
                label=_("Unassigned") if owner_id is None else names.get(owner_id, str(owner_id)),
                target=self.targets.get(owner_id, ZERO),
            )
            for name in names_sums:
                setattr(row, name, sums_figures(self.agent_sums[name].by_key.get(owner_id)))
            agents.append(row)
        totals = CategoryFigures()
        for period in self.periods.values():
            totals.add(period)
        return Categories(
            period_by=self.period_by,
            start=self.start,
            end=self.end,
            committed_from=committed,
            best_case_from=best_case,
            periods=list(self.periods.values()),
            agents=sorted(agents, key=lambda a: (a.key == NONE_KEY, a.label.casefold())),
            totals=totals,
        )


def _fill_open(
    table: _CategoryTable,
    user: User,
    filters: ForecastFilters,
    statuses: OpportunityStatuses,
    committed: int,
    best_case: int,
) -> None:
    trunc_kind = "quarter" if table.period_by == "quarter" else "month"
    cells = grouped_cells(
        _open_cases(user, filters, table.start, table.end, statuses),
        statuses,
        period=Trunc("expected_close_date", trunc_kind, output_field=DateField()),
        fields=("owner_id",),
        thresholds=(committed, best_case),
    )
    table.add_open(cells)


def _fill_won_and_targets(
    table: _CategoryTable, user: User, filters: ForecastFilters, statuses: OpportunityStatuses
) -> None:
    trunc_kind = "quarter" if table.period_by == "quarter" else "month"
    won = _won_in_range(user, filters, table.start, table.end, statuses)
    table.add_won(
        grouped_cells(
            won,
            statuses,
            period=Trunc("closed_at", trunc_kind, output_field=DateField()),
            fields=("owner_id",),
        )
    )
    table.add_targets(
        SalesTarget.objects.filter(
            _month_range_q(table.start, table.end), target_users_q(user, filters)
        ).values_list("user_id", "year", "month", "amount")
    )


def forecast_categories(
    *,
    user: User,
    filters: ForecastFilters,
    period_by: str = "quarter",
    today: datetime.date | None = None,
) -> Categories:
    """Return the categories, won and target per period, per agent and in total.

    ``period_by`` is ``"month"`` or ``"quarter"``; the range is :func:`category_range`
    (at most :data:`MAX_PERIODS` periods; ``ValueError`` beyond).
    """
    start, end = _checked_range(filters, period_by, today)
    params = parameters_get()
    committed = params.forecast_committed_probability
    best_case = params.forecast_best_case_probability
    statuses = opportunity_statuses()
    table = _CategoryTable(start, end, period_by)
    _fill_open(table, user, filters, statuses, committed, best_case)
    _fill_won_and_targets(table, user, filters, statuses)
    return table.categories(committed, best_case, user_names(set(table.owner_ids)))


def forecast_figures(
    *,
    user: User,
    filters: ForecastFilters,
    group_by: str,
    period_by: str = "quarter",
    today: datetime.date | None = None,
) -> tuple[Pipeline, Categories]:
    """Return :func:`~relata.dashboard.forecast.pipeline_groups` and
    :func:`forecast_categories` together, the same figures from fewer queries.

    The open cases are read once, summed per close month, owner and category:
    the pipeline adds them all up; the categories those of the months of their range.
    That range starts and ends on the close-date filters when given (which bound the
    pipeline the same way) and on whole months otherwise, so its months hold exactly its
    cases.
    """
    start, end = _checked_range(filters, period_by, today)
    pipeline_cell_fields(group_by)  # refuses an unknown grouping
    params = parameters_get()
    committed = params.forecast_committed_probability
    best_case = params.forecast_best_case_probability
    statuses = opportunity_statuses()
    table = _CategoryTable(start, end, period_by)
    first, last = start.replace(day=1), end.replace(day=1)
    period: Any = MonthStart("expected_close_date")
    if group_by not in ("month", "quarter"):
        # Only the categories need the months, of their range: fewer groups to sum.
        in_range = Q(expected_close_date__gte=first, expected_close_date__lte=end)
        period = models.Case(
            models.When(in_range, then=period), default=None, output_field=DateField()
        )
    fields = {"team": ("owner_id", "team_id"), "status": ("owner_id", "status_id")}
    cells = grouped_cells(
        pipeline_cases(user=user, filters=filters, statuses=statuses),
        statuses,
        period=period,
        fields=fields.get(group_by, ("owner_id",)),
        thresholds=(committed, best_case),
    )
    table.add_open([c for c in cells if c.period is not None and first <= c.period <= last])
    sums = pipeline_sums(cells, group_by)
    _fill_won_and_targets(table, user, filters, statuses)
    owners = set(table.owner_ids)
    if group_by == "agent":
        owners |= set(sums.by_key)
    names = user_names(owners)
    pipeline = pipeline_from_sums(sums, group_by, statuses, names)
    return pipeline, table.categories(committed, best_case, names)


# --- The cases behind a figure -----------------------------------------------------------------


def drilldown_cases(
    *,
    user: User,
    filters: ForecastFilters,
    group_by: str = "",
    key: str = "",
    category: str = "",
    period: str = "",
    today: datetime.date | None = None,
) -> QuerySet[Case]:
    """Return the cases behind one figure of the forecast (``ValueError`` if it is none).

    Without ``category``: the open pipeline (of one group when ``group_by`` and ``key``
    are given). With ``category`` (``won``, ``committed``, ``best_case``, ``pipeline`` or
    ``open`` for the three together): the cases of that category over the categories'
    range, or of one ``period`` of it (``2026-11`` or ``2026-Q4``), and of one group.
    """
    if category and category not in CATEGORIES:
        raise ValueError(category)
    if period and not category:
        raise ValueError(period)
    if category:
        start, end = category_range(filters, today)
        if period:
            first, last = period_bounds(period)
            start, end = max(first, start), min(last, end)
        if category == "won":
            qs = _won_in_range(user, filters, start, end)
        else:
            qs = _open_in_range(user, filters, start, end)
            if category != "open":
                params = parameters_get()
                conditions = _category_conditions(
                    params.forecast_committed_probability, params.forecast_best_case_probability
                )
                qs = qs.filter(conditions[category])
    else:
        qs = pipeline_cases(user=user, filters=filters)
    if group_by or key:
        qs = qs.filter(group_q(group_by, key))
    return qs
