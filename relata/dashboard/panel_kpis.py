"""The control panel's numbers: the counters of its lists, a team's workload per member and
the KPIs of a period (actions done by type, opportunities opened / won / lost, amount won).

Each figure is a ``Count``/``Sum`` with a filter, so a table is read once per block of
numbers (once per table for a whole team's workload, grouped by owner), through the same
permission-scoped querysets as the lists.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relata.actions.models import ActionStatus
from relata.actions.selectors import action_queryset
from relata.cases.selectors import case_queryset
from relata.core.localized import localized
from relata.core.models import Team, User
from relata.core.selectors import parameters_get, team_members
from relata.dashboard.panel import (
    PanelScope,
    PanelStatuses,
    attention_q,
    midnight,
    moments,
    open_cases,
    overdue_q,
    panel_statuses,
    planned_actions,
    stuck_q,
    today_q,
    upcoming_q,
)

ZERO = decimal.Decimal("0.00")
PERIODS = {"week": _("This week"), "month": _("This month"), "quarter": _("This quarter")}
DEFAULT_PERIOD = "week"


# --- Counters -------------------------------------------------------------------------------


def _action_aggregates(m: Any) -> dict[str, Count]:
    return {
        "overdue": Count("start", filter=overdue_q(m)),
        "today": Count("start", filter=today_q(m)),
        "upcoming": Count("start", filter=upcoming_q(m)),
    }


def _case_aggregates(m: Any, statuses: PanelStatuses) -> dict[str, Count]:
    # By status id (a status belongs to one type): no join with the types or statuses.
    opportunity = Q(status_id__in=statuses.opportunity)
    after_sales = Q(status_id__in=statuses.other)
    # COUNT(status_id) (never null), not COUNT(id): every column read is in the
    # case_owner_panel index, so PostgreSQL can count from the index alone.
    return {
        "opportunities": Count("status", filter=opportunity),
        "attention": Count("status", filter=opportunity & attention_q(m, stuck_q(m.now, statuses))),
        "after_sales": Count("status", filter=after_sales),
        "after_sales_overdue": Count("status", filter=after_sales & Q(due_at__lt=m.now)),
    }


def summed(rows: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Add up the counts of the scope's parts (see :meth:`PanelScope.parts`)."""
    totals: dict[str, int] = {}
    for row in rows:
        for key, value in row.items():
            totals[key] = totals.get(key, 0) + int(value or 0)
    return totals


def action_counts(*, scope: PanelScope, now: datetime.datetime | None = None) -> dict[str, int]:
    """Return the sizes of the overdue, today and upcoming lists (one query)."""
    m = moments(now)
    return summed(
        planned_actions(scope, m, part).order_by().aggregate(**_action_aggregates(m))
        for part in scope.parts()
    )


def case_counts(*, scope: PanelScope, now: datetime.datetime | None = None) -> dict[str, int]:
    """Return the open opportunities, those needing attention, the open after-sales cases
    and the overdue ones (one query)."""
    m = moments(now)
    aggregates = _case_aggregates(m, panel_statuses(scope))
    return summed(
        open_cases(scope, part=part).order_by().aggregate(**aggregates) for part in scope.parts()
    )


# --- Workload -------------------------------------------------------------------------------

WORKLOAD_COLUMNS = (
    ("overdue", _("Overdue")),
    ("today", _("Today")),
    ("upcoming", _("Next 7 days")),
    ("opportunities", _("Open opportunities")),
    ("attention", _("Need attention")),
    ("after_sales", _("Open after-sales")),
    ("after_sales_overdue", _("Overdue after-sales")),
)


@dataclass
class WorkloadRow:
    """One member's counts; ``user`` None is the team's unassigned work."""

    user: User | None
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def cells(self) -> list[tuple[str, int]]:
        return [(key, self.counts.get(key, 0)) for key, _label in WORKLOAD_COLUMNS]


def workload(
    *, viewer: User, team: Team, now: datetime.datetime | None = None
) -> list[WorkloadRow]:
    """Return one row per active member of ``team`` (and one for the work assigned to the
    team with nobody yet, when there is any), in two grouped queries."""
    m = moments(now)
    members = list(team_members(team=team))
    scope = PanelScope(viewer=viewer, team=team, member_ids=[u.pk for u in members])
    rows: dict[int | None, WorkloadRow] = {u.pk: WorkloadRow(user=u) for u in members}
    grouped = [
        planned_actions(scope, m).order_by().values("owner_id").annotate(**_action_aggregates(m)),
        open_cases(scope)
        .order_by()
        .values("owner_id")
        .annotate(**_case_aggregates(m, panel_statuses(scope))),
    ]
    for query in grouped:
        for row in query:
            values: dict[str, Any] = dict(row)
            owner_id: int | None = values.pop("owner_id")
            if owner_id not in rows:
                if owner_id is not None:
                    # Owned by someone outside the team but assigned to it: the team's.
                    owner_id = None
                rows.setdefault(None, WorkloadRow(user=None))
            counts = rows[owner_id].counts
            for key, value in values.items():
                counts[key] = counts.get(key, 0) + int(value or 0)
    unassigned = rows.pop(None, None)
    result = list(rows.values())
    if unassigned is not None and any(unassigned.counts.values()):
        result.append(unassigned)
    return result


# --- KPIs -----------------------------------------------------------------------------------


def period_bounds(period: str, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Return ``[first day, day after the last)`` of this week, month or quarter."""
    if period == "month":
        first = today.replace(day=1)
        after = (first + datetime.timedelta(days=32)).replace(day=1)
    elif period == "quarter":
        first = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
        after = (first + datetime.timedelta(days=95)).replace(day=1)
    else:
        first = today - datetime.timedelta(days=today.weekday())
        after = first + datetime.timedelta(days=7)
    return first, after


@dataclass
class TypeCount:
    type_id: int
    name: str
    colour: str
    icon: str
    count: int


@dataclass
class Kpis:
    period: str
    date_from: datetime.date
    date_to: datetime.date  # the last day, inclusive
    done_by_type: list[TypeCount]
    opened: int
    won: int
    lost: int
    amount_won: decimal.Decimal
    currency: str

    @property
    def done_total(self) -> int:
        return sum(row.count for row in self.done_by_type)

    def chart(self) -> dict[str, Any]:
        """Return the doughnut's configuration for ``dashboard/charts.js``."""
        return {
            "type": "doughnut",
            "labels": [row.name for row in self.done_by_type],
            "datasets": [
                {
                    "label": str(_("Actions done")),
                    "data": [row.count for row in self.done_by_type],
                    "backgroundColor": [row.colour for row in self.done_by_type],
                }
            ],
        }


def kpis(
    *, scope: PanelScope, period: str = DEFAULT_PERIOD, now: datetime.datetime | None = None
) -> Kpis:
    """Return the KPIs of ``period`` (week, month or quarter containing today).

    Actions count by when they took place (their start), which the (owner, start) index
    finds; opportunities by when they were opened, won or lost. The amount won adds the
    opportunities in the default currency only (amounts are not converted).
    """
    period = period if period in PERIODS else DEFAULT_PERIOD
    now = now or timezone.now()
    first, after = period_bounds(period, timezone.localdate(now))
    start, end = midnight(first), midnight(after)
    rows: dict[int, TypeCount] = {}
    for part in scope.parts():
        done = (
            action_queryset(user=scope.viewer)
            .filter(part, status=ActionStatus.DONE, start__gte=start, start__lt=end)
            .order_by()
            .values("type_id", "type__name_en", "type__name_es", "type__colour", "type__icon")
            .annotate(count=Count("pk"))
        )
        for row in done:
            found = rows.get(row["type_id"])
            if found is not None:
                found.count += row["count"]
                continue
            rows[row["type_id"]] = TypeCount(
                type_id=row["type_id"],
                name=localized(row["type__name_en"], row["type__name_es"]),
                colour=row["type__colour"],
                icon=row["type__icon"],
                count=row["count"],
            )
    by_type = sorted(rows.values(), key=lambda row: (-row.count, row.name))
    currency = parameters_get().default_currency
    statuses = panel_statuses(scope)
    in_period_opened = Q(opened_at__gte=start, opened_at__lt=end)
    in_period_closed = Q(closed_at__gte=start, closed_at__lt=end)
    # By status ids (no join with the statuses and types, whose type index the planner
    # would otherwise intersect with the owner's).
    won = Q(status_id__in=statuses.won) & in_period_closed
    lost = Q(status_id__in=statuses.lost) & in_period_closed
    figures: dict[str, Any] = {"opened": 0, "won": 0, "lost": 0, "amount_won": ZERO}
    for part in scope.parts():
        sums = (
            case_queryset(user=scope.viewer)
            .filter(part, status_id__in=statuses.opportunity_any)
            .filter(in_period_opened | in_period_closed)
            .order_by()
            .aggregate(
                opened=Count("pk", filter=in_period_opened),
                won=Count("pk", filter=won),
                lost=Count("pk", filter=lost),
                amount_won=Sum("amount", filter=won & Q(currency=currency)),
            )
        )
        for key, value in sums.items():
            figures[key] += value or 0
    amount = figures["amount_won"] or ZERO
    return Kpis(
        period=period,
        date_from=first,
        date_to=after - datetime.timedelta(days=1),
        done_by_type=by_type,
        opened=figures["opened"],
        won=figures["won"],
        lost=figures["lost"],
        amount_won=decimal.Decimal(amount).quantize(ZERO, rounding=decimal.ROUND_HALF_UP),
        currency=currency,
    )
