"""Reads of the sales targets: whose targets a user sees and the grid of one year.

Administrators see everyone's targets; managers and read-only users see themselves and
the members of their teams; agents see only their own. Who may *set* them is
:func:`relata.dashboard.services.can_set_target`.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass

from django.db.models import QuerySet

from relata.core import permissions
from relata.core.models import Role, Team, User
from relata.dashboard.models import SalesTarget
from relata.dashboard.services import can_set_target

TARGET_ROLES = (Role.AGENT, Role.MANAGER)
ZERO = decimal.Decimal("0.00")


def target_agents(*, user: User, team: Team | None = None) -> QuerySet[User]:
    """Return the people (agents and managers) whose targets ``user`` may see."""
    qs = User.objects.filter(is_active=True, role__in=TARGET_ROLES)
    if not permissions.is_administrator(user):
        if user.role == Role.AGENT:
            qs = qs.filter(pk=user.pk)
        else:
            qs = qs.filter(pk__in=sorted({user.pk, *permissions.team_member_ids(user)}))
    if team is not None:
        qs = qs.filter(teams=team)
    return qs.distinct().order_by("first_name", "last_name", "username")


@dataclass
class TargetRow:
    agent: User
    months: list[decimal.Decimal | None]
    editable: bool

    @property
    def quarters(self) -> list[decimal.Decimal]:
        return [sum((m or ZERO for m in self.months[q * 3 : q * 3 + 3]), ZERO) for q in range(4)]

    @property
    def total(self) -> decimal.Decimal:
        return sum((m or ZERO for m in self.months), ZERO)


def target_grid(*, user: User, year: int, team: Team | None = None) -> list[TargetRow]:
    """Return one row per visible agent with the 12 monthly targets of ``year``."""
    agents = list(target_agents(user=user, team=team))
    amounts = {
        (t.user_id, t.month): t.amount
        for t in SalesTarget.objects.filter(user__in=agents, year=year).only(
            "user_id", "month", "amount"
        )
    }
    return [
        TargetRow(
            agent=agent,
            months=[amounts.get((agent.pk, m)) for m in range(1, 13)],
            editable=can_set_target(user, agent),
        )
        for agent in agents
    ]


def month_totals(rows: list[TargetRow]) -> list[decimal.Decimal]:
    """Return the sum of the rows per month, then per quarter, then the year."""
    months = [sum((r.months[i] or ZERO for r in rows), ZERO) for i in range(12)]
    quarters = [sum(months[q * 3 : q * 3 + 3], ZERO) for q in range(4)]
    return [*months, *quarters, sum(months, ZERO)]
