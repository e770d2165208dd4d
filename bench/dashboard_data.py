"""Fill a benchmark database with opportunities and actions for the control panel and forecast.

Used by ``bench/run.py --suite dashboard`` on top of ``relata demo --entities 20000``. It adds
rows until the database holds ``opportunities`` opportunity cases and ``actions`` actions
(1,000,000 and 200,000 by default), so a second run on the same database adds nothing.

The rows are written without the ORM's per-object work: ``COPY`` on PostgreSQL and
``executemany`` on SQLite, in batches of ``BATCH`` rows built by generators, with primary keys
handed out here (so the status changes can point at their case without reading it back) and
the sequences reset afterwards. Columns the generator does not fill get their model default,
so a field added later does not break the script. No history rows, no notifications.

The spread, with a fixed seed (same seed, same rows, relative to today):

* opportunities: ~70 % open (identifying needs 25, presenting solutions 20, decision 15,
  decision postponed 10), won 16, lost 14; opened over the last 18 months; closed ones
  closed 1–120 days after opening; open ones expected to close from 6 months back to 12
  ahead (most in the next quarter); amounts 300–150,000 € (long tail); probability from the
  status default except 15 % overrides; a campaign on a fifth, a source on 60 %;
  one status change per status the case went through (opening included);
* actions: start from 12 months back to 3 months ahead in working hours; past ones 93 %
  done, 4 % cancelled, 3 % still planned (overdue); future ones planned (2 % cancelled);
  types weighted like the demo (calls, emails, visits, tasks first); a quarter linked to an
  opportunity of the same entity;
* both: owned by the entity's owner (82 %), another member of its team (12 %) or by the
  team alone (6 %).
"""

from __future__ import annotations

import datetime
import decimal
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

BATCH = 10_000
OPEN_WEIGHTS = {
    "identifying_needs": 25,
    "presenting_solutions": 20,
    "decision": 15,
    "decision_postponed": 10,
}
CLOSED_WEIGHTS = {"won": 16, "lost": 14}
ACTION_TYPE_WEIGHTS = {"call": 5, "email": 3, "visit": 2, "task": 2}
SUBJECTS = [
    "ERP roll-out for the new plant",
    "CRM licences for the sales team",
    "Point-of-sale renewal",
    "Warehouse scanners",
    "Maintenance renewal",
    "Business intelligence pilot",
    "Server replacement",
    "Training plan for the year",
]
ACTION_SUBJECTS = [
    "Follow-up call",
    "Check the quote",
    "Send the price list",
    "Visit to present the range",
    "Negotiation meeting",
    "Prepare the quote",
    "Yearly review visit",
]
OUTCOMES = ["Interested, wants a quote", "Order promised", "No answer", "Meeting agreed"]
LOST_REASONS = ["Price", "Chose a competitor", "Project postponed", "No budget"]
D = decimal.Decimal
CENT = D("0.01")


class Owners:
    """Who a new row belongs to: the entity's owner, a team mate, or the team alone."""

    def __init__(self, rng: random.Random) -> None:
        from relata.core.models import User
        from relata.entities.models import Entity

        self.rng = rng
        self.entities = list(
            Entity.objects.exclude(owner=None)
            .order_by("pk")
            .values_list("pk", "owner_id", "team_id")
        )
        if not self.entities:
            raise SystemExit("The demo made no entities with an owner: run `relata demo` first.")
        self.members: dict[int, list[int]] = defaultdict(list)
        for user_id, team_id in User.teams.through.objects.order_by("pk").values_list(
            "user_id", "team_id"
        ):
            self.members[team_id].append(user_id)

    def pick(self) -> tuple[int, int | None, int | None]:
        """Return (entity id, owner id or None, team id or None)."""
        entity_id, owner_id, team_id = self.rng.choice(self.entities)
        roll = self.rng.random()
        if team_id and roll < 0.06:
            return entity_id, None, team_id
        if team_id and roll < 0.18 and self.members.get(team_id):
            return entity_id, self.rng.choice(self.members[team_id]), team_id
        return entity_id, owner_id, team_id


def _converters(model: Any, columns: list[str]) -> list[Callable[[Any], Any] | None]:
    """Per column, how a Python value becomes what SQLite's driver takes (None: as it is)."""
    out: list[Callable[[Any], Any] | None] = []
    for column in columns:
        field = model._meta.get_field(column)
        if field.get_internal_type() in {
            "DateTimeField",
            "DateField",
            "UUIDField",
            "JSONField",
            "DecimalField",
        }:
            out.append(lambda value, f=field: f.get_db_prep_save(value, connection))
        else:
            out.append(None)
    return out


def insert(model: Any, columns: list[str], rows: Iterable[tuple[Any, ...]]) -> int:
    """Write ``rows`` (values in ``columns`` order, by attname) into ``model``'s table.

    Columns of the model missing from ``columns`` get the field's default. Returns the
    number of rows written.
    """
    fields = [
        f
        for f in model._meta.concrete_fields
        if f.attname not in columns and not f.primary_key  # the key: from the sequence
    ]
    extra_columns = [f.attname for f in fields]
    extra_values = tuple(
        ("{}" if f.get_internal_type() == "JSONField" else f.get_default()) for f in fields
    )
    all_columns = columns + extra_columns
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(
        connection.ops.quote_name(model._meta.get_field(c).column) for c in all_columns
    )
    count = 0
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row + extra_values)
                    count += 1
        else:
            convert = _converters(model, all_columns)
            json_columns = {
                i
                for i, c in enumerate(all_columns)
                if model._meta.get_field(c).get_internal_type() == "JSONField"
            }
            placeholders = ", ".join(["%s"] * len(all_columns))
            sql = f"INSERT INTO {table} ({names}) VALUES ({placeholders})"
            batch: list[tuple[Any, ...]] = []
            for row in rows:
                full = row + extra_values
                batch.append(
                    tuple(
                        value
                        if fn is None or value is None or (i in json_columns and value == "{}")
                        else fn(value)
                        for i, (fn, value) in enumerate(zip(convert, full, strict=True))
                    )
                )
                if len(batch) >= 2_000:
                    cursor.executemany(sql, batch)
                    count += len(batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
                count += len(batch)
    return count


def _next_id(model: Any) -> int:
    from django.db.models import Max

    return (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1


def _reset_sequences(*models: Any) -> None:
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def _batches(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


CASE_COLUMNS = [
    "id",
    "number",
    "case_type_id",
    "entity_id",
    "contact_id",
    "status_id",
    "subject",
    "opened_at",
    "status_since",
    "closed_at",
    "expected_close_date",
    "source_id",
    "campaign_id",
    "priority",
    "amount",
    "currency",
    "probability",
    "lost_reason",
    "owner_id",
    "team_id",
    "created_by_id",
    "created_at",
    "updated_at",
]
CHANGE_COLUMNS = [
    "case_id",
    "from_status_id",
    "to_status_id",
    "changed_by_id",
    "changed_at",
    "seconds_in_previous",
]


def fill_opportunities(target: int, seed: int = 1, progress: bool = True) -> tuple[int, float]:
    """Add opportunities until there are ``target``; return how many were added and seconds."""
    from relata.campaigns.models import Campaign
    from relata.cases.models import Case, CaseStatus, CaseStatusChange, CaseType
    from relata.entities.models import Contact, Source

    start = time.perf_counter()
    case_type = CaseType.objects.filter(is_opportunity=True, code="opportunity").first()
    if case_type is None:
        raise SystemExit("No opportunity case type: run the migrations first.")
    existing = Case.objects.filter(case_type=case_type).count()
    missing = target - existing
    if missing <= 0:
        return 0, 0.0
    rng = random.Random(seed)
    owners = Owners(rng)
    statuses = list(
        CaseStatus.objects.filter(case_type=case_type, is_active=True).order_by("order")
    )
    by_code = {s.code: s for s in statuses}
    weights = {c: w for c, w in {**OPEN_WEIGHTS, **CLOSED_WEIGHTS}.items() if c in by_code}
    codes, code_weights = list(weights), list(weights.values())
    open_path = [s for s in statuses if s.is_open and s.code != "decision_postponed"]
    contact_of: dict[int, int] = {}
    for entity_id, contact_id in Contact.objects.order_by("pk").values_list("entity_id", "pk"):
        contact_of.setdefault(entity_id, contact_id)
    campaigns = list(Campaign.objects.order_by("pk").values_list("pk", flat=True))
    sources = list(Source.objects.order_by("pk").values_list("pk", flat=True))
    now = timezone.now()
    today = timezone.localdate()
    serial = Case.objects.filter(number__startswith=f"{case_type.number_prefix}-D").count()
    next_case = _next_id(Case)
    changes: list[tuple[Any, ...]] = []

    def cases() -> Iterator[tuple[Any, ...]]:
        nonlocal serial, next_case
        for _ in range(missing):
            serial += 1
            case_id = next_case
            next_case += 1
            entity_id, owner_id, team_id = owners.pick()
            status = by_code[rng.choices(codes, code_weights)[0]]
            opened = now - datetime.timedelta(days=rng.uniform(0, 548), minutes=rng.randint(0, 600))
            # Path: the open statuses up to the current one (a closed case stops at a random
            # point first); one change row per step, the first being the opening.
            if status.is_open and status in open_path:
                path = open_path[: open_path.index(status) + 1]
            elif status.is_open:  # postponed: after a decision
                path = [*open_path, status]
            else:
                path = [*open_path[: rng.randint(1, len(open_path))], status]
            closed_at = None
            expected: datetime.date
            if status.is_open:
                since = opened if len(path) == 1 else opened + (now - opened) * rng.random()
                expected = today + datetime.timedelta(days=int(rng.triangular(-182, 365, 45)))
            else:
                closed_at = min(now, opened + datetime.timedelta(days=rng.uniform(1, 120)))
                since = closed_at
                expected = timezone.localdate(closed_at) + datetime.timedelta(
                    days=rng.randint(-20, 20)
                )
            steps = len(path)
            between = sorted(opened + (since - opened) * rng.random() for _ in range(steps - 2))
            moments = [opened, *between]
            if steps > 1:
                moments.append(since)
            previous = None
            for position, (to_status, at) in enumerate(zip(path, moments, strict=True)):
                changes.append(
                    (
                        case_id,
                        path[position - 1].pk if position else None,
                        to_status.pk,
                        owner_id,
                        at,
                        int((at - previous).total_seconds()) if previous else None,
                    )
                )
                previous = at
            amount = D(min(150_000, int(rng.lognormvariate(8.6, 1.0)) + 300)).quantize(CENT)
            probability = None
            if status.is_open and rng.random() < 0.15:
                probability = rng.choice([5, 15, 25, 40, 50, 65, 75, 80, 90])
            yield (
                case_id,
                f"{case_type.number_prefix}-D{serial:07d}",
                case_type.pk,
                entity_id,
                contact_of.get(entity_id) if rng.random() < 0.8 else None,
                status.pk,
                rng.choice(SUBJECTS),
                opened,
                since,
                closed_at,
                expected,
                rng.choice(sources) if sources and rng.random() < 0.6 else None,
                rng.choice(campaigns) if campaigns and rng.random() < 0.2 else None,
                rng.choices(["normal", "high", "low", "urgent"], [6, 2, 2, 1])[0],
                amount,
                "EUR",
                probability,
                rng.choice(LOST_REASONS) if status.code == "lost" else "",
                owner_id,
                team_id,
                owner_id,
                opened,
                since,
            )

    added = 0
    for batch in _batches(cases(), BATCH):
        with transaction.atomic():  # a case never lands without its status changes
            added += insert(Case, CASE_COLUMNS, batch)
            insert(CaseStatusChange, CHANGE_COLUMNS, changes)
        changes.clear()
        if progress:
            print(f"  opportunities: {existing + added:,} / {target:,}", end="\r", flush=True)
    if progress:
        print()
    _reset_sequences(Case, CaseStatusChange)
    analyse(Case, CaseStatusChange)
    return added, time.perf_counter() - start


ACTION_COLUMNS = [
    "id",
    "entity_id",
    "contact_id",
    "case_id",
    "type_id",
    "subject",
    "start",
    "end",
    "due_date",
    "priority",
    "status",
    "outcome",
    "done_at",
    "uid",
    "owner_id",
    "team_id",
    "created_by_id",
    "created_at",
    "updated_at",
]


def fill_actions(target: int, seed: int = 1, progress: bool = True) -> tuple[int, float]:
    """Add actions until there are ``target``; return how many were added and the seconds."""
    from relata.actions.models import Action, ActionType
    from relata.cases.models import Case
    from relata.entities.models import Contact

    start_clock = time.perf_counter()
    existing = Action.objects.count()
    missing = target - existing
    if missing <= 0:
        return 0, 0.0
    rng = random.Random(seed * 7919)
    owners = Owners(rng)
    types = list(ActionType.objects.filter(is_active=True).order_by("pk"))
    type_weights = [ACTION_TYPE_WEIGHTS.get(t.code, 1) for t in types]
    contact_of: dict[int, int] = {}
    for entity_id, contact_id in Contact.objects.order_by("pk").values_list("entity_id", "pk"):
        contact_of.setdefault(entity_id, contact_id)
    cases_of: dict[int, list[int]] = defaultdict(list)
    for entity_id, case_id in (
        Case.objects.filter(case_type__is_opportunity=True)
        .order_by("pk")
        .values_list("entity_id", "pk")
    ):
        cases_of[entity_id].append(case_id)
    now = timezone.now()
    today = timezone.localdate()
    next_action = _next_id(Action)

    def actions() -> Iterator[tuple[Any, ...]]:
        nonlocal next_action
        for _ in range(missing):
            entity_id, owner_id, team_id = owners.pick()
            action_type = rng.choices(types, type_weights)[0]
            day = today + datetime.timedelta(days=rng.randint(-365, 92))
            if day.weekday() >= 5:
                day -= datetime.timedelta(days=day.weekday() - 4)
            minutes = 9 * 60 + 15 * rng.randrange(0, 37)
            start = timezone.make_aware(
                datetime.datetime.combine(day, datetime.time(minutes // 60, minutes % 60))
            )
            end = start + datetime.timedelta(minutes=action_type.default_duration)
            roll = rng.random()
            if start < now:
                status = "done" if roll < 0.93 else "cancelled" if roll < 0.97 else "planned"
            else:
                status = "cancelled" if roll < 0.02 else "planned"
            linked = cases_of.get(entity_id)
            case_id = rng.choice(linked) if linked and rng.random() < 0.25 else None
            created = min(now, start - datetime.timedelta(days=rng.randint(0, 20)))
            action_id = next_action
            next_action += 1
            yield (
                action_id,
                entity_id,
                contact_of.get(entity_id) if rng.random() < 0.7 else None,
                case_id,
                action_type.pk,
                rng.choice(ACTION_SUBJECTS),
                start,
                end,
                day if action_type.code == "task" else None,
                rng.choices(["normal", "high", "low"], [6, 2, 1])[0],
                status,
                rng.choice(OUTCOMES) if status == "done" else "",
                end if status == "done" else None,
                uuid.UUID(int=rng.getrandbits(128), version=4),
                owner_id,
                team_id,
                owner_id,
                created,
                end if status == "done" else created,
            )

    added = 0
    for batch in _batches(actions(), BATCH):
        added += insert(Action, ACTION_COLUMNS, batch)
        if progress:
            print(f"  actions: {existing + added:,} / {target:,}", end="\r", flush=True)
    if progress:
        print()
    _reset_sequences(Action)
    # Actions are copied in bulk: set each case's next planned action in one pass.
    from relata.cases.services import case_next_action_refresh_all

    case_next_action_refresh_all()
    analyse(Action, Case)
    return added, time.perf_counter() - start_clock


def analyse(*models: Any) -> None:
    """Refresh the planner's statistics and, on PostgreSQL, the visibility map (index-only
    scans need it), as autovacuum would a bit later."""
    command = "VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE"
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")


def fill_dashboard(
    opportunities: int, actions: int, seed: int = 1, progress: bool = True
) -> dict[str, float]:
    """Fill both; return the seconds each part took (0 when the data was already there)."""
    _added, opportunity_seconds = fill_opportunities(opportunities, seed, progress)
    if progress and opportunity_seconds:
        print(f"  opportunities took {opportunity_seconds:.1f} s", flush=True)
    _added, action_seconds = fill_actions(actions, seed, progress)
    if progress and action_seconds:
        print(f"  actions took {action_seconds:.1f} s", flush=True)
    return {"opportunities": opportunity_seconds, "actions": action_seconds}


def row_counts() -> dict[str, int]:
    """The sizes that matter to the panel and the forecast."""
    from relata.actions.models import Action
    from relata.cases.models import Case, CaseStatusChange
    from relata.entities.models import Entity

    return {
        "entities": Entity.objects.count(),
        "opportunities": Case.objects.filter(case_type__is_opportunity=True).count(),
        "open opportunities": Case.objects.filter(
            case_type__is_opportunity=True, status__meaning="open"
        ).count(),
        "cases": Case.objects.count(),
        "status changes": CaseStatusChange.objects.count(),
        "actions": Action.objects.count(),
        "planned actions": Action.objects.filter(status="planned").count(),
    }
