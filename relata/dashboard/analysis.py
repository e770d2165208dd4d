"""Conversion reports: stage-to-stage conversion, time in each status, win rate per agent.

Every figure reads only the cases the user may see (:func:`case_queryset`), and each one
has a matching queryset of the cases behind it (:func:`drilldown_cases`), so that a
number on the page opens the list it counts.

Definitions
-----------
* Cohort: the cases of the chosen type opened (local date) within the period.
* Funnel statuses: the type's active statuses in order, without those meaning lost or
  closed (the won status stays, as the last step).
* reached(S): cohort cases that ever entered S or a later funnel status, read from the
  status changes (the first change, with no "from" status, records the opening status).
* Conversion S→next = reached(next) / reached(S).
* Lost from S: cohort cases now lost whose move to a lost status came from S.
* Time in S: the changes out of S made within the period (any case of the type, not only
  the cohort), their ``seconds_in_previous``: mean, median and count.
* Per agent: the type's cases closed (won or lost) within the period by their owner.
"""

from __future__ import annotations

import datetime
import decimal
import itertools
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Case as CaseWhen
from django.db.models import Count, Max, Q, QuerySet, Sum, When
from django.utils import timezone

from relata.cases.models import Case, CaseStatus, CaseStatusChange, CaseType, StatusMeaning
from relata.cases.selectors import case_queryset, case_statuses
from relata.core.models import Team, User

CENT = decimal.Decimal("0.01")
OWNER_NONE = "none"


@dataclass(frozen=True)
class Period:
    """A period of local dates, both ends included."""

    start: datetime.date
    end: datetime.date

    @property
    def since(self) -> datetime.datetime:
        return _local_midnight(self.start)

    @property
    def until(self) -> datetime.datetime:
        """The first moment after the period."""
        return _local_midnight(self.end + datetime.timedelta(days=1))


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def default_period(today: datetime.date | None = None) -> Period:
    """Return the last 90 days, today included."""
    today = today or timezone.localdate()
    return Period(today - datetime.timedelta(days=89), today)


@dataclass(frozen=True)
class Filters:
    """What every conversion figure is filtered by."""

    case_type: CaseType
    period: Period
    owner: int | str | None = None  # a user id, "none" (unassigned) or None (anyone)
    team: Team | None = None


def _scoped(user: User, filters: Filters) -> QuerySet[Case]:
    """Return the visible cases of the filters' type, owner and team (no period)."""
    qs = case_queryset(user=user).select_related(None).filter(case_type=filters.case_type)
    if filters.owner == OWNER_NONE:
        qs = qs.filter(owner__isnull=True)
    elif isinstance(filters.owner, int):
        qs = qs.filter(owner_id=filters.owner)
    if filters.team is not None:
        qs = qs.filter(team=filters.team)
    return qs


def cohort(user: User, filters: Filters) -> QuerySet[Case]:
    """Return the visible cases of the type opened within the period."""
    period = filters.period
    return _scoped(user, filters).filter(opened_at__gte=period.since, opened_at__lt=period.until)


def funnel_statuses(case_type: CaseType) -> list[CaseStatus]:
    """Return the type's statuses a case moves forward through: open and won, in order."""
    return list(
        case_statuses(case_type=case_type).filter(
            meaning__in=[StatusMeaning.OPEN, StatusMeaning.WON]
        )
    )


# --- Stage-to-stage conversion ------------------------------------------------------


@dataclass
class Stage:
    status: CaseStatus
    reached: int = 0
    lost: int = 0
    conversion: decimal.Decimal | None = None  # to the next stage, in %; None: no next / 0


@dataclass
class Funnel:
    stages: list[Stage]
    cohort_count: int


def _percent(part: int, whole: int) -> decimal.Decimal | None:
    if not whole:
        return None
    return (decimal.Decimal(part) * 100 / whole).quantize(
        decimal.Decimal("0.1"), rounding=decimal.ROUND_HALF_UP
    )


def funnel(*, user: User, filters: Filters) -> Funnel:
    """Return, per funnel status, how many cohort cases reached it and how many were lost
    from it, with the conversion to the next status (three queries)."""
    statuses = funnel_statuses(filters.case_type)
    stages = [Stage(status=s) for s in statuses]
    cases = cohort(user, filters)
    cohort_count = cases.count()
    if statuses and cohort_count:
        index = CaseWhen(*(When(to_status=s.pk, then=i) for i, s in enumerate(statuses)))
        furthest = (
            CaseStatusChange.objects.filter(case__in=cases.values("pk"), to_status__in=statuses)
            .values("case_id")
            .annotate(furthest=Max(index))
            .values_list("furthest", flat=True)
        )
        counts: dict[int, int] = defaultdict(int)
        for value in furthest:
            counts[value] += 1
        running = 0
        for i in range(len(stages) - 1, -1, -1):
            running += counts.get(i, 0)
            stages[i].reached = running
        lost = (
            CaseStatusChange.objects.filter(
                case__in=cases.filter(status__meaning=StatusMeaning.LOST).values("pk"),
                to_status__meaning=StatusMeaning.LOST,
                from_status__in=statuses,
            )
            .values("from_status_id")
            .annotate(n=Count("case_id", distinct=True))
        )
        by_status = {row["from_status_id"]: row["n"] for row in lost}
        for stage in stages:
            stage.lost = by_status.get(stage.status.pk, 0)
    for current, following in itertools.pairwise(stages):
        current.conversion = _percent(following.reached, current.reached)
    return Funnel(stages=stages, cohort_count=cohort_count)


# --- Time in status ------------------------------------------------------------------


@dataclass
class StatusTime:
    status: CaseStatus
    count: int = 0
    mean_seconds: float | None = None
    median_seconds: float | None = None

    @property
    def mean_days(self) -> decimal.Decimal | None:
        return _days(self.mean_seconds)

    @property
    def median_days(self) -> decimal.Decimal | None:
        return _days(self.median_seconds)


def _days(seconds: float | None) -> decimal.Decimal | None:
    if seconds is None:
        return None
    return (decimal.Decimal(seconds) / 86400).quantize(
        decimal.Decimal("0.1"), rounding=decimal.ROUND_HALF_UP
    )


def status_changes_out(user: User, filters: Filters) -> QuerySet[CaseStatusChange]:
    """Return the changes out of a status of the type made within the period, for the
    visible cases of the filters."""
    period = filters.period
    return CaseStatusChange.objects.filter(
        case__in=_scoped(user, filters).values("pk"),
        from_status__isnull=False,
        changed_at__gte=period.since,
        changed_at__lt=period.until,
        seconds_in_previous__isnull=False,
    )


def time_in_status(*, user: User, filters: Filters) -> list[StatusTime]:
    """Return, per open status of the type, the mean and median time cases spent in it
    before leaving it within the period (one query)."""
    statuses = [
        s for s in case_statuses(case_type=filters.case_type) if s.meaning == StatusMeaning.OPEN
    ]
    seconds: dict[int, list[int]] = defaultdict(list)
    for status_id, value in status_changes_out(user, filters).values_list(
        "from_status_id", "seconds_in_previous"
    ):
        if value is not None:
            seconds[status_id].append(value)
    rows = []
    for status in statuses:
        values = seconds.get(status.pk, [])
        rows.append(
            StatusTime(
                status=status,
                count=len(values),
                mean_seconds=statistics.fmean(values) if values else None,
                median_seconds=float(statistics.median(values)) if values else None,
            )
        )
    return rows


# --- Win rate per agent --------------------------------------------------------------


@dataclass
class AgentResult:
    owner: User | None
    won: int = 0
    lost: int = 0
    won_amount: decimal.Decimal = field(default_factory=lambda: decimal.Decimal("0.00"))

    @property
    def win_rate(self) -> decimal.Decimal | None:
        return _percent(self.won, self.won + self.lost)

    @property
    def average_deal(self) -> decimal.Decimal | None:
        if not self.won:
            return None
        return (self.won_amount / self.won).quantize(CENT, rounding=decimal.ROUND_HALF_UP)

    @property
    def owner_key(self) -> str:
        return str(self.owner.pk) if self.owner else OWNER_NONE


def closed_cases(user: User, filters: Filters) -> QuerySet[Case]:
    """Return the visible cases of the type won or lost within the period."""
    period = filters.period
    return _scoped(user, filters).filter(
        status__meaning__in=[StatusMeaning.WON, StatusMeaning.LOST],
        closed_at__gte=period.since,
        closed_at__lt=period.until,
    )


def win_rates(*, user: User, filters: Filters) -> list[AgentResult]:
    """Return per owner the cases won and lost in the period, the amount won, the win rate
    and the average deal; best won amount first (two queries)."""
    grouped = (
        closed_cases(user, filters)
        .order_by()
        .values("owner_id")
        .annotate(
            won=Count("pk", filter=Q(status__meaning=StatusMeaning.WON)),
            lost=Count("pk", filter=Q(status__meaning=StatusMeaning.LOST)),
            won_amount=Sum("amount", filter=Q(status__meaning=StatusMeaning.WON)),
        )
    )
    rows = list(grouped)
    owners = User.objects.in_bulk([r["owner_id"] for r in rows if r["owner_id"]])
    results = [
        AgentResult(
            owner=owners.get(r["owner_id"]) if r["owner_id"] else None,
            won=r["won"],
            lost=r["lost"],
            won_amount=(r["won_amount"] or decimal.Decimal(0)).quantize(CENT),
        )
        for r in rows
    ]
    results.sort(key=lambda r: (-r.won_amount, -r.won, str(r.owner or "")))
    return results


# --- Drill-down ----------------------------------------------------------------------

DRILLDOWNS = ("cohort", "reached", "lost", "time", "won", "closed_lost")


def drilldown_cases(
    *, user: User, filters: Filters, kind: str, status: CaseStatus | None = None
) -> QuerySet[Case]:
    """Return the visible cases behind one figure of the conversion page.

    ``kind``: ``cohort``; ``reached`` / ``lost`` / ``time`` with a ``status`` of the type;
    ``won`` / ``closed_lost`` (the per-agent table; narrow by ``filters.owner``).
    """
    if kind == "cohort":
        return cohort(user, filters)
    if kind == "reached" and status is not None:
        ids = [s.pk for s in funnel_statuses(filters.case_type)]
        later = ids[ids.index(status.pk) :] if status.pk in ids else []
        return cohort(user, filters).filter(
            pk__in=CaseStatusChange.objects.filter(to_status__in=later).values("case_id")
        )
    if kind == "lost" and status is not None:
        return cohort(user, filters).filter(
            status__meaning=StatusMeaning.LOST,
            pk__in=CaseStatusChange.objects.filter(
                from_status=status, to_status__meaning=StatusMeaning.LOST
            ).values("case_id"),
        )
    if kind == "time" and status is not None:
        return _scoped(user, filters).filter(
            pk__in=status_changes_out(user, filters).filter(from_status=status).values("case_id")
        )
    if kind == "won":
        return closed_cases(user, filters).filter(status__meaning=StatusMeaning.WON)
    if kind == "closed_lost":
        return closed_cases(user, filters).filter(status__meaning=StatusMeaning.LOST)
    return Case.objects.none()
