"""Demo actions: a few weeks of calls, visits and meetings around today for every agent.

Most entities with an owner get one to three actions: finished ones in the last two months
(with outcomes; a quarter of the last week's still to do, that is overdue) and planned ones
in the next three weeks, in working hours, so that the agenda, the control panel, the entity
pages and the timelines show something real on first login.
"""

from __future__ import annotations

import datetime
import uuid

from django.utils import timezone

from relata.actions.models import Action, ActionStatus, ActionType, Priority
from relata.core.demo_runner import DemoContext, step
from relata.entities.models import Contact, Entity

BATCH = 2_000
SUBJECTS = {
    "call": ["Follow-up call", "Check the quote", "Call about the renewal", "Qualify the lead"],
    "email": ["Send the price list", "Answer the enquiry", "Confirm the order"],
    "visit": ["Visit the plant", "Visit to present the range", "Yearly review visit"],
    "documentation": ["Send the catalogue", "Send the technical sheets", "Send the contract"],
    "presentation": ["Present the new range", "Product demonstration"],
    "meeting": ["Negotiation meeting", "Kick-off meeting", "Account review"],
    "task": ["Prepare the quote", "Update the customer file", "Check the payment terms"],
}
OUTCOMES = [
    "Interested, wants a quote",
    "Not now, call again next quarter",
    "Order promised",
    "No answer",
    "Meeting agreed",
    "Sent as requested",
]
LOCATIONS = ["Customer's offices", "Our showroom", "Video call", "Trade fair stand"]


def _weight(ctx: DemoContext) -> int:
    return max(1, ctx.entities // BATCH + (1 if ctx.entities % BATCH else 0))


def _slot(ctx: DemoContext, today: datetime.date, days: int) -> datetime.datetime:
    """Return a working-hours start ``days`` days from today, moved off weekends."""
    day = today + datetime.timedelta(days=days)
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1 if days >= 0 else -1)
    minutes = 9 * 60 + 30 * ctx.rng.randrange(0, 17)  # 9:00 … 17:00
    naive = datetime.datetime.combine(day, datetime.time(minutes // 60, minutes % 60))
    return timezone.make_aware(naive)


@step(40, "actions and agenda", weight=_weight)
def actions(ctx: DemoContext) -> None:
    rng = ctx.rng
    types = {t.code: t for t in ActionType.objects.filter(is_active=True)}
    if not types:
        return
    codes = list(types)
    weights = [{"call": 5, "email": 3, "visit": 2, "task": 2}.get(c, 1) for c in codes]
    today = timezone.localdate()
    entities = (
        Entity.objects.exclude(owner=None).order_by("pk").values_list("pk", "owner_id", "team_id")
    )
    rows = list(entities)
    for batch_start in range(0, len(rows), BATCH):
        batch = rows[batch_start : batch_start + BATCH]
        contact_of: dict[int, int] = {}
        for entity_id, contact_id in Contact.objects.filter(
            entity_id__in=[r[0] for r in batch]
        ).values_list("entity_id", "pk"):
            contact_of.setdefault(entity_id, contact_id)
        new: list[Action] = []
        for entity_id, owner_id, team_id in batch:
            if rng.random() < 0.35:
                continue
            for _n in range(rng.randint(1, 3)):
                code = rng.choices(codes, weights)[0]
                action_type = types[code]
                days = rng.randint(-60, 21)
                start = _slot(ctx, today, days)
                past = start < timezone.now()
                status = ActionStatus.PLANNED
                # Most past actions are done; some of the last week's are still to do, so
                # the control panel has overdue work to show.
                if past and (days < -7 or rng.random() < 0.75):
                    status = ActionStatus.CANCELLED if rng.random() < 0.05 else ActionStatus.DONE
                new.append(
                    Action(
                        entity_id=entity_id,
                        contact_id=contact_of.get(entity_id) if rng.random() < 0.7 else None,
                        type=action_type,
                        subject=rng.choice(SUBJECTS.get(code, ["Follow-up"])),
                        start=start,
                        end=start + datetime.timedelta(minutes=action_type.default_duration),
                        priority=rng.choices(
                            [Priority.NORMAL, Priority.HIGH, Priority.LOW], [6, 2, 1]
                        )[0],
                        location=rng.choice(LOCATIONS) if action_type.is_meeting else "",
                        status=status,
                        outcome=rng.choice(OUTCOMES) if status == ActionStatus.DONE else "",
                        done_at=start + datetime.timedelta(minutes=action_type.default_duration)
                        if status == ActionStatus.DONE
                        else None,
                        owner_id=owner_id,
                        team_id=team_id,
                        created_by_id=owner_id,
                        # Seeded, so that the same --seed gives the same calendar UIDs.
                        uid=uuid.UUID(int=rng.getrandbits(128), version=4),
                    )
                )
        Action.objects.bulk_create(new, batch_size=BATCH)
        ctx.advance()
    ctx.notes.append(f"Actions on the agenda: {Action.objects.count()}")
