"""Reads behind the control panel [panel de control]: whose work it shows, the action
lists and the opportunities and after-sales cases that need someone.

Every read starts from :func:`relata.actions.selectors.action_queryset` or
:func:`relata.cases.selectors.case_queryset`, so the panel shows only what the viewer may
see, whoever's panel they look at. Lists are bounded (:data:`LIST_SIZE` rows) and their
counters come from one aggregate query per table; the counts and KPIs of a team are in
:mod:`relata.dashboard.panel_kpis`.

The three action lists are disjoint, so that an action is counted once:

* overdue: planned, started before now, and its end has passed or its due date is before
  today;
* today: planned, starts today (local date) and is not overdue;
* upcoming: planned, starts in the seven days after today.

An action moved to a later start is judged by that start: it shows where it is planned,
not as overdue because of an older due date. This also keeps every list a range of the
(owner, start) and (team, start) indexes.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from relata.actions.models import Action, ActionStatus
from relata.actions.selectors import action_queryset
from relata.cases.models import Case, CaseStatus, CaseType, StatusMeaning
from relata.cases.selectors import case_queryset
from relata.core import permissions
from relata.core.models import Role, Team, User
from relata.core.selectors import colleagues, team_members

LIST_SIZE = 10
UPCOMING_DAYS = 7


# --- Whose panel ----------------------------------------------------------------------------


@dataclass
class PanelScope:
    """Whose work the panel shows: one person (``member``) or a whole ``team``.

    ``viewer`` is the signed-in user; every read is limited to what they may see.
    """

    viewer: User
    member: User | None = None
    team: Team | None = None
    member_ids: list[int] = field(default_factory=list)
    # The open statuses, read once per request (see :func:`panel_statuses`).
    statuses: PanelStatuses | None = field(default=None, repr=False, compare=False)

    @property
    def is_team(self) -> bool:
        return self.team is not None

    @property
    def is_self(self) -> bool:
        return self.member is not None and self.member.pk == self.viewer.pk

    def owner_q(self) -> Q:
        """Return the filter of the records in scope (actions and cases alike)."""
        if self.team is not None:
            return Q(owner_id__in=self.member_ids) | Q(team_id=self.team.pk)
        assert self.member is not None
        return Q(owner_id=self.member.pk)

    def parts(self) -> list[Q]:
        """Return the scope as disjoint filters that each follow one index.

        A person's scope is one part. A team's ``owner IN members OR team = T`` cannot be
        read in order from one index (PostgreSQL scans every case or planned action of the
        period instead), so it is read as its members' records, then the records assigned
        to the team that someone else or nobody owns; counts are summed over the parts and
        lists merged, which gives the same figures and rows.
        """
        if self.team is None:
            return [self.owner_q()]
        members = Q(owner_id__in=self.member_ids)
        return [members, Q(team_id=self.team.pk) & ~members]

    def list_parts(self) -> list[Q]:
        """Return :meth:`parts` with the members' split per member, for the lists: the
        first rows of one owner come in order from an (owner, …) index, and the scan stops
        at the list's size; several owners at once would be sorted in full first."""
        if self.team is None:
            return [self.owner_q()]
        members = Q(owner_id__in=self.member_ids)
        return [*(Q(owner_id=pk) for pk in self.member_ids), Q(team_id=self.team.pk) & ~members]

    def query(self) -> dict[str, int]:
        """Return the query parameters that select this scope (for links and fragments)."""
        if self.team is not None:
            return {"team": self.team.pk}
        if self.member is not None and not self.is_self:
            return {"member": self.member.pk}
        return {}


def can_switch(user: User) -> bool:
    """Return whether ``user`` may look at other people's panels (managers, admins)."""
    return permissions.is_administrator(user) or user.role == Role.MANAGER


def switchable_teams(user: User) -> QuerySet[Team]:
    """Return the teams whose whole panel ``user`` may open."""
    if not can_switch(user):
        return Team.objects.none()
    teams = Team.objects.filter(is_active=True)
    if not permissions.is_administrator(user):
        teams = teams.filter(pk__in=sorted(permissions.team_ids(user)))
    return teams.order_by("name")


def switchable_members(user: User) -> QuerySet[User]:
    """Return the people whose panel ``user`` may open (themselves included)."""
    if not can_switch(user):
        return User.objects.filter(pk=user.pk)
    return colleagues(user)


def _int(value: str | int | None) -> int | None:
    if value is None or value == "":
        return None
    text = str(value).strip()
    if not text.isdigit() or len(text) > 18:
        raise PermissionDenied(_("Choose a person or a team from the list."))
    return int(text)


def panel_scope(
    *, user: User, member: str | int | None = None, team: str | int | None = None
) -> PanelScope:
    """Return the scope asked for by ``?member=`` / ``?team=``, or the viewer's own.

    Agents and read-only users see only their own panel: naming anyone else raises
    ``PermissionDenied``, as does a manager naming someone outside their teams.
    """
    member_id, team_id = _int(member), _int(team)
    if team_id is not None:
        found = switchable_teams(user).filter(pk=team_id).first()
        if found is None:
            raise PermissionDenied(_("You cannot see that team's panel."))
        ids = list(team_members(team=found).values_list("pk", flat=True))
        return PanelScope(viewer=user, team=found, member_ids=ids)
    if member_id is not None and member_id != user.pk:
        chosen = switchable_members(user).filter(pk=member_id).first() if can_switch(user) else None
        if chosen is None:
            raise PermissionDenied(_("You cannot see that person's panel."))
        return PanelScope(viewer=user, member=chosen, member_ids=[chosen.pk])
    return PanelScope(viewer=user, member=user, member_ids=[user.pk])


# --- Time boundaries ------------------------------------------------------------------------


@dataclass(frozen=True)
class Moments:
    """The instants the panel compares with, computed once per request."""

    now: datetime.datetime
    today: datetime.date
    today_start: datetime.datetime
    tomorrow_start: datetime.datetime
    upcoming_end: datetime.datetime


def midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=timezone.get_current_timezone())


def moments(now: datetime.datetime | None = None) -> Moments:
    """Return today's boundaries in the current time zone (``now`` for tests)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    return Moments(
        now=now,
        today=today,
        today_start=midnight(today),
        tomorrow_start=midnight(today + datetime.timedelta(days=1)),
        upcoming_end=midnight(today + datetime.timedelta(days=1 + UPCOMING_DAYS)),
    )


# --- Actions --------------------------------------------------------------------------------


def overdue_q(m: Moments) -> Q:
    return Q(start__lt=m.now) & (Q(due_date__lt=m.today) | Q(end__lt=m.now))


def today_q(m: Moments) -> Q:
    return Q(start__gte=m.today_start, start__lt=m.tomorrow_start) & ~overdue_q(m)


def upcoming_q(m: Moments) -> Q:
    return Q(start__gte=m.tomorrow_start, start__lt=m.upcoming_end)


def planned_actions(scope: PanelScope, m: Moments, part: Q | None = None) -> QuerySet[Action]:
    """Return the planned actions in scope (or in one of its :meth:`~PanelScope.parts`)
    that any of the three lists may show.

    The start bound lets the database stop at the end of the upcoming week on the
    (owner, start) and (team, start) indexes.
    """
    return action_queryset(user=scope.viewer).filter(
        scope.owner_q() if part is None else part,
        status=ActionStatus.PLANNED,
        start__lt=m.upcoming_end,
    )


def first_rows(
    scope: PanelScope,
    query: Callable[[Q], QuerySet[Any]],
    key: Callable[[Any], Any],
    limit: int,
    *,
    reverse: bool = False,
) -> list[Any]:
    """Return the first ``limit`` rows of ``query`` over the scope's parts, merged in the
    order of ``key`` (the same order as each part's query)."""
    parts = scope.list_parts()
    rows = [row for part in parts for row in query(part)[:limit]]
    if len(parts) > 1:
        rows.sort(key=key, reverse=reverse)
    return rows[:limit]


@dataclass
class ActionLists:
    overdue: list[Action]
    today: list[Action]
    upcoming: list[Action]
    counts: dict[str, int]


def action_lists(
    *, scope: PanelScope, now: datetime.datetime | None = None, limit: int = LIST_SIZE
) -> ActionLists:
    """Return the first ``limit`` actions of each list and the full counts.

    Overdue actions come most recent first (the ones still worth doing); today's and the
    upcoming ones in the order they happen.
    """
    from relata.dashboard.panel_kpis import action_counts

    m = moments(now)

    def listed(which: Q, *, latest_first: bool = False) -> list[int]:
        order = ("-start", "-pk") if latest_first else ("start", "pk")
        rows = first_rows(
            scope,
            lambda part: (
                planned_actions(scope, m, part)
                .filter(which)
                .order_by(*order)
                .values_list("start", "pk")
            ),
            lambda row: row,
            limit,
            reverse=latest_first,
        )
        return [pk for _start, pk in rows]

    # The ids first, on the action indexes alone; then the rows of the (at most 3 ×
    # ``limit``) actions shown, with what they show, in one query.
    ids = {
        "overdue": listed(overdue_q(m), latest_first=True),
        "today": listed(today_q(m)),
        "upcoming": listed(upcoming_q(m)),
    }
    found = action_queryset(user=scope.viewer).in_bulk([pk for pks in ids.values() for pk in pks])
    rows = {name: [found[pk] for pk in pks if pk in found] for name, pks in ids.items()}
    return ActionLists(
        overdue=rows["overdue"],
        today=rows["today"],
        upcoming=rows["upcoming"],
        counts=action_counts(scope=scope, now=m.now),
    )


# --- Cases ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PanelStatuses:
    """The ids of the statuses the panel filters on, and the stuck thresholds.

    ``opportunity`` and ``other`` are the open statuses of opportunity types and of the
    others; ``won`` and ``lost`` those of opportunity types; ``opportunity_any`` every
    status of an opportunity type.
    """

    opportunity: list[int]
    other: list[int]
    won: list[int]
    lost: list[int]
    opportunity_any: list[int]
    stale_after_days: dict[int, int]  # case type id → days

    @property
    def all(self) -> list[int]:
        return sorted([*self.opportunity, *self.other])


def panel_statuses(scope: PanelScope | None = None) -> PanelStatuses:
    """Return the statuses by meaning and kind of type (one query of a few dozen rows,
    kept on ``scope`` for the rest of the request).

    The case queries then filter ``status_id IN (…)`` on the case table's own indexes
    instead of joining the statuses and the types.
    """
    if scope is not None and scope.statuses is not None:
        return scope.statuses
    ids: dict[tuple[bool, str], list[int]] = {}
    stale: dict[int, int] = {}
    rows = CaseStatus.objects.order_by("pk").values_list(
        "pk", "meaning", "case_type_id", "case_type__is_opportunity", "case_type__stale_after_days"
    )
    for pk, meaning, type_id, is_opportunity, days in rows:
        ids.setdefault((is_opportunity, meaning), []).append(pk)
        if days is not None and meaning == StatusMeaning.OPEN:
            stale[type_id] = days
    found = PanelStatuses(
        opportunity=ids.get((True, StatusMeaning.OPEN), []),
        other=ids.get((False, StatusMeaning.OPEN), []),
        won=ids.get((True, StatusMeaning.WON), []),
        lost=ids.get((True, StatusMeaning.LOST), []),
        opportunity_any=sorted(pk for (is_opp, _m), pks in ids.items() if is_opp for pk in pks),
        stale_after_days=stale,
    )
    if scope is not None:
        scope.statuses = found
    return found


def stuck_q(now: datetime.datetime, statuses: PanelStatuses | None = None) -> Q:
    """Return the filter of open cases longer in their status than their type allows.

    One term per type with a threshold (a handful of rows), so that the comparison is a
    plain date comparison on both databases.
    """
    if statuses is not None:
        thresholds = list(statuses.stale_after_days.items())
    else:
        thresholds = [
            (type_id, days)
            for type_id, days in CaseType.objects.filter(
                stale_after_days__isnull=False
            ).values_list("pk", "stale_after_days")
            if days is not None
        ]
    q = Q(pk__in=[])
    for type_id, days in sorted(thresholds):
        q |= Q(case_type_id=type_id, status_since__lt=now - datetime.timedelta(days=days))
    return q


def attention_q(m: Moments, stuck: Q | None = None) -> Q:
    """Return the filter of open opportunities needing attention (any reason).

    "No next action" reads ``Case.next_action_at`` (kept by the action services), not the
    actions table: the whole filter is on the case row.
    """
    return (
        Q(next_action_at__isnull=True)
        | Q(expected_close_date__lt=m.today)
        | (stuck if stuck is not None else stuck_q(m.now))
    )


def open_cases(
    scope: PanelScope, *, opportunity: bool | None = None, part: Q | None = None
) -> QuerySet[Case]:
    """Return the open cases in scope, or in one of its :meth:`~PanelScope.parts` (only
    opportunities, only the others, or all)."""
    statuses = panel_statuses(scope)
    ids = {True: statuses.opportunity, False: statuses.other, None: statuses.all}[opportunity]
    return case_queryset(user=scope.viewer).filter(
        scope.owner_q() if part is None else part, status_id__in=ids
    )


@dataclass
class CaseLists:
    attention: list[Case]
    after_sales: list[Case]
    counts: dict[str, int]


REASON_LABELS = {
    "no_action": gettext_lazy("No next action planned"),
    "close_date_passed": gettext_lazy("Close date passed"),
    "stuck": gettext_lazy("Stuck in its status"),
}


def reasons(case: Case, m: Moments) -> list[str]:
    """Return why an open opportunity needs attention (codes of :data:`REASON_LABELS`)."""
    found = []
    if case.next_action_at is None:
        found.append("no_action")
    if case.expected_close_date is not None and case.expected_close_date < m.today:
        found.append("close_date_passed")
    days = case.case_type.stale_after_days
    if days is not None and case.status_since < m.now - datetime.timedelta(days=days):
        found.append("stuck")
    return found


def case_lists(
    *, scope: PanelScope, now: datetime.datetime | None = None, limit: int = LIST_SIZE
) -> CaseLists:
    """Return the opportunities needing attention (each with ``.reasons``, oldest status
    first) and the open after-sales cases by due date (overdue first; ``.is_overdue``)."""
    from relata.dashboard.panel_kpis import case_counts

    m = moments(now)
    stuck = stuck_q(m.now, panel_statuses(scope))
    # The ids first, on the case table alone, then the rows with what they show: the
    # database then joins the related rows of ``limit`` cases, not of every open one.
    attention_rows = first_rows(
        scope,
        lambda part: (
            open_cases(scope, opportunity=True, part=part)
            .filter(attention_q(m, stuck))
            .order_by("status_since", "pk")
            .values_list("status_since", "pk")
        ),
        lambda row: row,
        limit,
    )
    after_sales_rows = first_rows(
        scope,
        lambda part: (
            open_cases(scope, opportunity=False, part=part)
            .order_by(F("due_at").asc(nulls_last=True), "opened_at", "pk")
            .values_list("due_at", "opened_at", "pk")
        ),
        lambda row: (row[0] is None, row[0] or row[1], row[1], row[2]),
        limit,
    )
    ids = [row[-1] for row in attention_rows]
    after_sales_ids = [row[-1] for row in after_sales_rows]
    found = {
        case.pk: case
        for case in case_queryset(user=scope.viewer).filter(pk__in=[*ids, *after_sales_ids])
    }
    attention: list[Case] = [found[pk] for pk in ids if pk in found]
    for opportunity in attention:
        opportunity.reasons = [(code, REASON_LABELS[code]) for code in reasons(opportunity, m)]  # type: ignore[attr-defined]
    after_sales = [found[pk] for pk in after_sales_ids if pk in found]
    for case in after_sales:
        case.is_overdue = case.due_at is not None and case.due_at < m.now  # type: ignore[attr-defined]
    return CaseLists(
        attention=attention,
        after_sales=after_sales,
        counts=case_counts(scope=scope, now=m.now),
    )
