"""Reads behind the pipeline board and the open-cases report (R19).

Both aggregate in the database (one grouped query) and fetch only the rows a screen shows,
so they stay fast with hundreds of thousands of cases; both go through
:func:`relata.cases.selectors.case_queryset` and so show only what the user may see.
"""

from __future__ import annotations

import datetime
import decimal
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Min, Q, QuerySet, Sum
from django.utils import timezone

from relata.cases.models import Case, CaseStatus, CaseType, StatusMeaning
from relata.cases.selectors import case_queryset, case_statuses
from relata.core.models import User
from relata.core.selectors import parameters_get

BOARD_CARDS_PER_COLUMN = 50
# What a card shows: loading only these (and not the descriptions, custom fields and
# five other related rows) keeps a board of a few hundred cards cheap to build.
CARD_FIELDS = (
    "id",
    "number",
    "subject",
    "amount",
    "currency",
    "expected_close_date",
    "opened_at",
    "due_at",
    "case_type_id",
    "status_id",
    "owner_id",
    "team_id",
    "entity__id",
    "entity__legal_name",
    "entity__trade_name",
    "owner__id",
    "owner__username",
    "owner__first_name",
    "owner__last_name",
)
ZERO = decimal.Decimal("0.00")


@dataclass
class BoardColumn:
    status: CaseStatus
    count: int = 0
    total: decimal.Decimal = ZERO
    cases: list[Case] = field(default_factory=list)

    @property
    def more(self) -> int:
        """How many cases of the column are not shown as cards."""
        return max(0, self.count - len(self.cases))


def _filtered(
    qs: QuerySet[Case],
    *,
    owner: Any = None,
    team: Any = None,
    campaign: Any = None,
    close_from: datetime.date | None = None,
    close_to: datetime.date | None = None,
) -> QuerySet[Case]:
    if owner == "none":
        qs = qs.filter(owner__isnull=True)
    elif owner:
        qs = qs.filter(owner=owner)
    if team:
        qs = qs.filter(team=team)
    if campaign:
        qs = qs.filter(campaign=campaign)
    if close_from:
        qs = qs.filter(expected_close_date__gte=close_from)
    if close_to:
        qs = qs.filter(expected_close_date__lte=close_to)
    return qs


def board(
    *,
    user: User,
    case_type: CaseType,
    cards_per_column: int = BOARD_CARDS_PER_COLUMN,
    **filters: Any,
) -> list[BoardColumn]:
    """Return the board of one case type: a column per active status, in order.

    Each column has the count and amount total of every visible case in that status that
    matches the filters (``owner`` (a user, id or ``"none"``), ``team``, ``campaign``,
    ``close_from``/``close_to`` on the expected close date), and the first
    ``cards_per_column`` cases by expected close date.
    """
    columns = {s.pk: BoardColumn(status=s) for s in case_statuses(case_type=case_type)}
    qs = _filtered(case_queryset(user=user).filter(case_type=case_type), **filters)
    totals = (
        qs.order_by()
        .values("status_id")
        .annotate(count=Count("pk"), total=Sum("amount"))
        .filter(status_id__in=list(columns))
    )
    for row in totals:
        column = columns[row["status_id"]]
        column.count, column.total = row["count"], row["total"] or ZERO
    cards = qs.select_related(None).select_related("entity", "owner").only(*CARD_FIELDS)
    for column in columns.values():
        if column.count:
            column.cases = list(
                cards.filter(status=column.status).order_by(
                    F("expected_close_date").asc(nulls_last=True), "-opened_at", "-pk"
                )[:cards_per_column]
            )
            for case in column.cases:
                case.status = column.status  # the column's, rather than a query per card
    return list(columns.values())


def open_status_q() -> Q:
    """Return the filter on cases whose status counts as open (R19).

    The parameter *case statuses that count as open* lists status codes (across types);
    empty, every status whose meaning is *open* counts.
    """
    codes = parameters_get().open_case_status_codes
    if codes:
        return Q(status__code__in=codes)
    return Q(status__meaning=StatusMeaning.OPEN)


def open_status_q_on_status() -> Q:
    """Return :func:`open_status_q` as a filter on the statuses themselves."""
    codes = parameters_get().open_case_status_codes
    if codes:
        return Q(code__in=codes)
    return Q(meaning=StatusMeaning.OPEN)


def open_cases(
    *,
    user: User,
    case_type: Any = None,
    owner: Any = None,
    team: Any = None,
    min_age_days: int | None = None,
    max_age_days: int | None = None,
) -> QuerySet[Case]:
    """Return the visible open cases across types, oldest first, with the filters applied.

    The age of a case is the whole days since it was opened: ``min_age_days=30`` keeps the
    cases opened at least 30 days ago, ``max_age_days=0`` those opened in the last day.
    """
    # The ids of the open statuses (a handful) rather than a join on the statuses: the
    # planner then estimates the rows well and reads the cases through their status index.
    open_ids = list(
        CaseStatus.objects.filter(open_status_q_on_status()).values_list("pk", flat=True)
    )
    qs = _filtered(case_queryset(user=user).filter(status_id__in=open_ids), owner=owner, team=team)
    if case_type:
        qs = qs.filter(case_type=case_type)
    now = timezone.now()
    if min_age_days is not None:
        qs = qs.filter(opened_at__lte=now - datetime.timedelta(days=min_age_days))
    if max_age_days is not None:
        # Ages are whole days: "at most 0 days old" is everything opened in the last 24 h.
        qs = qs.filter(opened_at__gt=now - datetime.timedelta(days=max_age_days + 1))
    return qs.order_by("opened_at", "pk")


@dataclass
class ReportGroup:
    case_type: CaseType
    status: CaseStatus
    count: int
    total: decimal.Decimal
    oldest: datetime.datetime | None


def open_cases_summary(cases: QuerySet[Case]) -> list[ReportGroup]:
    """Group ``cases`` (from :func:`open_cases`) by type and status, in their order."""
    rows = list(
        cases.order_by()
        .values("case_type_id", "status_id")
        .annotate(count=Count("pk"), total=Sum("amount"), oldest=Min("opened_at"))
    )
    types = CaseType.objects.in_bulk({r["case_type_id"] for r in rows})
    statuses = CaseStatus.objects.in_bulk({r["status_id"] for r in rows})
    groups = [
        ReportGroup(
            case_type=types[r["case_type_id"]],
            status=statuses[r["status_id"]],
            count=r["count"],
            total=r["total"] or ZERO,
            oldest=r["oldest"],
        )
        for r in rows
    ]
    groups.sort(key=lambda g: (g.case_type.order, g.case_type.pk, g.status.order, g.status.pk))
    return groups
