"""Demo data of the control panel and the forecast: monthly sales targets for the sales
staff, and two pipeline snapshots a week apart with a week of changes between them, so the
"Pipeline changes" page shows what was added, won, lost and slipped."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from relata.actions.models import Action, ActionStatus, ActionType
from relata.cases import services as case_services
from relata.cases.models import Case, CaseStatus, CaseType, StatusMeaning
from relata.core.demo_runner import DemoContext, step
from relata.core.models import Role, User
from relata.dashboard.models import SalesTarget
from relata.dashboard.services import snapshot_take
from relata.entities.models import Entity
from relata.products.models import Product

LOST_REASON = "Chose a cheaper competitor"


def _targets(ctx: DemoContext, sellers: list[User], set_by: User | None) -> int:
    """Monthly targets for this year and the next, in the order of the demo's deals."""
    year = timezone.localdate().year
    rows = []
    for seller in sellers:
        # A monthly target in whole thousands, lower in August and December.
        base = ctx.rng.randint(4, 12) * 1000
        for target_year in (year, year + 1):
            for month in range(1, 13):
                factor = Decimal("0.5") if month in (8, 12) else Decimal("1")
                rows.append(
                    SalesTarget(
                        user=seller,
                        year=target_year,
                        month=month,
                        amount=(Decimal(base) * factor).quantize(Decimal("1")),
                        set_by=set_by,
                    )
                )
    SalesTarget.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _owner(case: Case) -> User:
    assert case.owner is not None  # only owned cases are picked
    return case.owner


def _a_week_of_changes(ctx: DemoContext) -> None:
    """Win, lose and slip a few open opportunities and open two new ones, each done by the
    case's owner."""
    opportunity = CaseType.objects.filter(code="opportunity").first()
    if opportunity is None:
        return
    statuses = {s.meaning: s for s in CaseStatus.objects.filter(case_type=opportunity)}
    open_cases = list(
        Case.objects.filter(
            case_type=opportunity, status__meaning=StatusMeaning.OPEN, owner__isnull=False
        )
        .select_related("status", "case_type", "owner")
        .order_by("pk")
    )
    if len(open_cases) < 12:
        return
    picked = ctx.rng.sample(open_cases, 10)
    moves = [(StatusMeaning.WON, picked[:3]), (StatusMeaning.LOST, picked[3:5])]
    for meaning, cases in moves:
        status = statuses.get(meaning)
        for case in cases:
            if status is None:
                continue
            try:
                case_services.case_move(
                    user=_owner(case),
                    case=case,
                    status=status,
                    lost_reason=LOST_REASON if meaning == StatusMeaning.LOST else None,
                )
            except (ValidationError, PermissionDenied):
                continue  # a status its type does not allow next: leave it open
    for case in picked[5:8]:
        later = (case.expected_close_date or timezone.localdate()) + datetime.timedelta(days=35)
        case_services.case_update(user=_owner(case), case=case, data={"expected_close_date": later})
    products = list(Product.objects.filter(is_active=True).order_by("pk")[:20])
    for case in picked[8:10]:
        new = case_services.case_create(
            user=_owner(case),
            data={
                "case_type": opportunity,
                "entity": case.entity,
                "owner": case.owner,
                "team": case.team,
                "subject": "Extension of the service contract",
                "expected_close_date": timezone.localdate() + datetime.timedelta(days=45),
            },
        )
        if products:
            # The amount is the total of the lines, as on every demo opportunity.
            case_services.case_lines_set(
                user=_owner(case),
                case=new,
                lines=[{"product": ctx.rng.choice(products), "quantity": ctx.rng.randint(2, 8)}],
            )


# A manager's own day: (type code, subject, days from today, hour).
MANAGER_DAY = [
    ("meeting", "Pipeline review with the team", 0, 9),
    ("call", "Call the key account about the renewal", 0, 16),
    ("visit", "Visit with the new agent", 1, 11),
    ("task", "Approve the discount requests", -2, 10),
]


def _managers_day(managers: list[User]) -> int:
    """Give each manager a few actions of their own around today (agents already have
    theirs from the agenda's demo), so their control panel is not empty before they switch
    to the team."""
    types = {t.code: t for t in ActionType.objects.filter(is_active=True)}
    today = timezone.localdate()
    new = []
    for manager in managers:
        team = manager.teams.first()
        entity = Entity.objects.filter(team=team).order_by("pk").first() if team else None
        if entity is None:
            continue
        for code, subject, days, hour in MANAGER_DAY:
            action_type = types.get(code)
            if action_type is None:
                continue
            start = timezone.make_aware(
                datetime.datetime.combine(
                    today + datetime.timedelta(days=days), datetime.time(hour, 0)
                )
            )
            new.append(
                Action(
                    entity=entity,
                    type=action_type,
                    subject=subject,
                    start=start,
                    end=start + datetime.timedelta(minutes=action_type.default_duration),
                    status=ActionStatus.PLANNED,
                    owner=manager,
                    team=team,
                    created_by=manager,
                )
            )
    Action.objects.bulk_create(new)
    return len(new)


@step(60, "sales targets and pipeline snapshots")
def targets_and_snapshots(ctx: DemoContext) -> None:
    users: list[User] = ctx.data.get("users", [])
    sellers = [u for u in users if u.role in (Role.AGENT, Role.MANAGER)]
    manager = next((u for u in users if u.role == Role.MANAGER), None)
    count = _targets(ctx, sellers, manager)
    _managers_day([u for u in users if u.role == Role.MANAGER])
    today = timezone.localdate()
    snapshot_take(on=today - datetime.timedelta(days=7))
    _a_week_of_changes(ctx)
    latest = snapshot_take(on=today)
    ctx.notes.append(
        f"Sales targets: {count} monthly targets; pipeline snapshots of "
        f"{today - datetime.timedelta(days=7)} and {today} ({latest.case_count} opportunities)"
    )
