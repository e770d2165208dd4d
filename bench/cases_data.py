"""Fill a benchmark database with cases until it holds ``target`` of them.

Used by ``bench/run.py --suite cases``. The demo makes a few thousand cases; this adds
plain rows with ``bulk_create`` (no history, no status changes, no product lines: the board
and the open-cases report read none of them) spread as a real installation would be:

* types: mostly opportunities, then incidents, complaints, service requests and leads;
* statuses: most opportunities still open, a third won or lost; after-sales cases 60 %
  closed; the opened dates spread over three years, the older ones more often closed;
* each case belongs to an entity with an owner, and is owned by that owner (85 %), by
  another member of the owner's team (10 %) or only by the team (5 %);
* expected close dates for opportunities from six months back to nine months ahead,
  amounts from 300 to 60,000 €, a campaign on a fifth of them.
"""

from __future__ import annotations

import datetime
import decimal
import random
import time
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

BATCH = 5_000
TYPE_WEIGHTS = {
    "opportunity": 45,
    "incident": 18,
    "complaint": 12,
    "service_request": 15,
    "lead": 10,
}
OPPORTUNITY_WEIGHTS = {
    "identifying_needs": 22,
    "presenting_solutions": 18,
    "decision": 12,
    "decision_postponed": 8,
    "won": 22,
    "lost": 18,
}
SUBJECTS = [
    "ERP renewal",
    "New warehouse terminals",
    "CRM licences for the sales team",
    "Maintenance contract",
    "Server replacement",
    "Training plan",
    "Data migration",
    "Point-of-sale rollout",
    "Printer not working",
    "Invoice dispute",
    "Delivery arrived damaged",
    "Install the new module",
]


def fill_cases(target: int, seed: int = 1, progress: bool = True) -> tuple[int, float]:
    """Add cases until there are ``target``; return how many were added and the seconds."""
    from relata.campaigns.models import Campaign
    from relata.cases.models import Case, CaseStatus, CaseType, StatusMeaning
    from relata.core.models import User
    from relata.entities.models import Entity

    start = time.perf_counter()
    existing = Case.objects.count()
    missing = target - existing
    if missing <= 0:
        return 0, 0.0
    rng = random.Random(seed)
    types = {t.code: t for t in CaseType.objects.filter(is_active=True)}
    weights = {code: w for code, w in TYPE_WEIGHTS.items() if code in types}
    statuses: dict[str, list[CaseStatus]] = defaultdict(list)
    for status in CaseStatus.objects.filter(is_active=True).select_related("case_type"):
        statuses[status.case_type.code].append(status)
    entities = list(
        Entity.objects.exclude(owner=None).values_list("pk", "owner_id", "team_id").order_by("pk")
    )
    if not entities:
        raise SystemExit("The demo made no entities with an owner: nothing to attach cases to.")
    members: dict[int, list[int]] = defaultdict(list)
    for user_id, team_id in User.teams.through.objects.values_list("user_id", "team_id"):
        members[team_id].append(user_id)
    campaigns = list(Campaign.objects.values_list("pk", flat=True))
    now = timezone.now()
    today = timezone.localdate()
    type_codes = list(weights)
    type_weights = list(weights.values())
    added = 0
    serial = Case.objects.filter(number__contains="-B").count()
    while added < missing:
        rows = []
        for _ in range(min(BATCH, missing - added)):
            serial += 1
            code = rng.choices(type_codes, type_weights)[0]
            case_type = types[code]
            entity_id, entity_owner, team_id = rng.choice(entities)
            owner_id: int | None = entity_owner
            roll = rng.random()
            if roll < 0.05 and team_id:
                owner_id = None
            elif roll < 0.15 and team_id and members.get(team_id):
                owner_id = rng.choice(members[team_id])
            age_days = int(rng.triangular(0, 1100, 30))
            opened = now - datetime.timedelta(days=age_days, minutes=rng.randint(0, 1439))
            if case_type.is_opportunity:
                by_code = {s.code: s for s in statuses[code]}
                status_code = rng.choices(
                    list(OPPORTUNITY_WEIGHTS), list(OPPORTUNITY_WEIGHTS.values())
                )[0]
                status = by_code.get(status_code) or statuses[code][0]
            else:
                closing = [s for s in statuses[code] if not s.is_open]
                open_ones = [s for s in statuses[code] if s.is_open]
                # Old after-sales cases are mostly closed; recent ones mostly open.
                closed = closing and rng.random() < min(0.95, 0.3 + age_days / 400)
                status = rng.choice(closing if closed else open_ones or statuses[code])
            case = Case(
                number=f"{case_type.number_prefix}-B{serial:07d}",
                case_type=case_type,
                entity_id=entity_id,
                status=status,
                subject=rng.choice(SUBJECTS),
                owner_id=owner_id,
                team_id=team_id,
                created_by_id=owner_id,
                opened_at=opened,
                currency="EUR",
            )
            if case_type.is_opportunity:
                case.amount = decimal.Decimal(rng.randint(300, 60_000)).quantize(
                    decimal.Decimal("0.01")
                )
                case.expected_close_date = today + datetime.timedelta(days=rng.randint(-180, 270))
                if campaigns and rng.random() < 0.2:
                    case.campaign_id = rng.choice(campaigns)
            elif case_type.service_level_hours:
                case.due_at = opened + datetime.timedelta(hours=case_type.service_level_hours)
            if status.meaning == StatusMeaning.LOST:
                case.lost_reason = "Price"
            if not status.is_open:
                case.closed_at = min(now, opened + datetime.timedelta(days=rng.randint(1, 60)))
            rows.append(case)
        with transaction.atomic():
            Case.objects.bulk_create(rows, batch_size=1000)
        added += len(rows)
        if progress:
            print(f"  cases: {existing + added:,} / {target:,}", end="\r", flush=True)
    if progress:
        print()
    analyse(Case._meta.db_table)
    return added, time.perf_counter() - start


def analyse(table: str) -> None:
    """Refresh the planner's statistics of ``table``, as autovacuum would a bit later."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
