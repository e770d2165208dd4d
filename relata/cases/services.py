"""Writes for cases: create, update, move between statuses, reassign.

Every change to a case goes through here: the permission layer decides who may do it, the
case's type decides its number, first status and due date, and the statuses decide where a
case may move and what moving there requires (an amount to win an opportunity, a reason
to lose one). Each move is a :class:`CaseStatusChange` row with the time spent before it.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from relata.actions.models import Action, ActionStatus
from relata.cases.free_fields import FREE_FIELDS, FREE_FIELDS_FIRST_ORDER
from relata.cases.models import (
    Case,
    CaseLine,
    CasePriority,
    CaseSequence,
    CaseStatus,
    CaseStatusChange,
    CaseType,
    StatusMeaning,
)
from relata.core import events, permissions
from relata.core.history import set_history_user
from relata.core.models import Role, Team, User
from relata.core.selectors import default_team, parameters_get
from relata.customfields.models import FieldDefinition, Target
from relata.customfields.services import values_clean, values_merge
from relata.entities.models import Contact, Entity
from relata.products.models import Product

CASE_FIELDS = (
    "entity",
    "contact",
    "subject",
    "description",
    "expected_close_date",
    "source",
    "prescriber",
    "campaign",
    "priority",
    "amount",
    "currency",
    "probability",
    "lost_reason",
    "resolution",
)


def number_allocate(*, case_type: CaseType, year: int) -> str:
    """Return the next case number of ``case_type`` in ``year``, e.g. OPP-2026-00042.

    The counter row is locked until the caller's transaction ends, so concurrent
    creations wait for each other instead of reading the same value.
    """
    with transaction.atomic():
        CaseSequence.objects.get_or_create(case_type=case_type, year=year)
        sequence = CaseSequence.objects.select_for_update().get(case_type=case_type, year=year)
        CaseSequence.objects.filter(pk=sequence.pk).update(last_value=F("last_value") + 1)
        sequence.refresh_from_db(fields=["last_value"])
    return f"{case_type.number_prefix}-{year}-{sequence.last_value:05d}"


def _first_open_status(case_type: CaseType) -> CaseStatus:
    status = (
        CaseStatus.objects.filter(case_type=case_type, meaning=StatusMeaning.OPEN, is_active=True)
        .order_by("order", "pk")
        .first()
    )
    if status is None:
        raise ValidationError(
            {"case_type": _("That case type has no open status to start a case in.")}
        )
    return status


def _check_links(user: User, data: dict[str, Any]) -> None:
    """Refuse links to records the user may not see, or that do not belong together."""
    entity: Entity | None = data.get("entity")
    contact: Contact | None = data.get("contact")
    prescriber: Entity | None = data.get("prescriber")
    errors: dict[str, str] = {}
    if entity is not None and not permissions.can_view(user, entity):
        errors["entity"] = _("You cannot see that entity.")
    if contact is not None and entity is not None and contact.entity_id != entity.pk:
        errors["contact"] = _("The contact must belong to the case's entity.")
    if prescriber is not None:
        if not permissions.can_view(user, prescriber):
            errors["prescriber"] = _("You cannot see that entity.")
        elif entity is not None and prescriber.pk == entity.pk:
            errors["prescriber"] = _("An entity cannot be the prescriber of its own case.")
    if "subject" in data and not (data.get("subject") or "").strip():
        errors["subject"] = _("Enter a subject.")
    if errors:
        raise ValidationError(errors)


def _custom_clean(case: Case, custom: dict[str, Any] | None, *, partial: bool) -> dict[str, Any]:
    try:
        cleaned = values_clean(
            target=Case.custom_fields_target,
            scope=case.case_type.code,
            data=custom or {},
            partial=partial,
        )
    except ValidationError as error:
        raise ValidationError(
            {f"custom.{key}": messages for key, messages in error.message_dict.items()}
        ) from error
    return values_merge(current=case.custom, cleaned=cleaned) if partial else cleaned


def _due_at(case_type: CaseType, opened_at: datetime.datetime) -> datetime.datetime | None:
    # Calendar hours for now; working hours (the parameters' working day) may come later.
    if case_type.service_level_hours is None:
        return None
    return opened_at + datetime.timedelta(hours=case_type.service_level_hours)


@transaction.atomic
def case_create(*, user: User, data: dict[str, Any], custom: dict[str, Any] | None = None) -> Case:
    """Create a case; an agent's new case is theirs unless they give it to a team.

    ``data`` holds ``case_type`` and ``entity`` and optionally ``status`` (an open status
    of the type; default its first), ``owner``, ``team`` and the fields of
    :data:`CASE_FIELDS`.
    """
    permissions.ensure(permissions.can_write(user))
    data = dict(data)
    case_type: CaseType | None = data.get("case_type")
    if case_type is None:
        raise ValidationError({"case_type": _("Choose a case type.")})
    if not case_type.is_active:
        raise ValidationError({"case_type": _("That case type is no longer in use.")})
    if "subject" not in data:
        data["subject"] = ""
    _check_links(user, data)
    status: CaseStatus | None = data.get("status")
    if status is None:
        status = _first_open_status(case_type)
    elif status.case_type_id != case_type.pk or not status.is_open:
        raise ValidationError({"status": _("Choose an open status of the case's type.")})
    owner = data.pop("owner", None)
    team: Team | None = data.pop("team", None)
    if owner is None and team is None and user.role in (Role.AGENT, Role.MANAGER):
        owner = user
    if team is None and owner is not None:
        team = default_team(owner)
    now = timezone.now()
    case = Case(
        **{k: v for k, v in data.items() if k in CASE_FIELDS},
        case_type=case_type,
        status=status,
        owner=owner,
        team=team,
        opened_at=now,
        status_since=now,
        due_at=_due_at(case_type, now),
        created_by=user,
    )
    if not case.priority:
        case.priority = CasePriority.NORMAL
    if not data.get("currency"):
        case.currency = parameters_get().default_currency
    if owner != user:
        permissions.ensure(
            permissions.can_reassign(user, case, owner)
            or (owner is None and team is not None and team.pk in permissions.team_ids(user)),
            _("You cannot give this case to that user."),
        )
    case.custom = _custom_clean(case, custom, partial=False)
    case.full_clean(exclude=["number"])
    case.number = number_allocate(case_type=case_type, year=timezone.localdate(now).year)
    set_history_user(case, user)
    case.save()
    CaseStatusChange.objects.create(
        case=case, from_status=None, to_status=status, changed_by=user, changed_at=now
    )
    return case


@transaction.atomic
def case_update(
    *,
    user: User,
    case: Case,
    data: dict[str, Any],
    custom: dict[str, Any] | None = None,
) -> Case:
    """Change a case's fields; the status changes only through :func:`case_move`."""
    permissions.ensure(permissions.can_change(user, case))
    data = {k: v for k, v in data.items() if k in CASE_FIELDS}
    merged = {name: getattr(case, name) for name in ("entity", "contact", "prescriber")}
    merged.update({k: v for k, v in data.items() if k in merged})
    _check_links(user, {**merged, **{k: v for k, v in data.items() if k == "subject"}})
    for name, value in data.items():
        setattr(case, name, value)
    if custom is not None:
        case.custom = _custom_clean(case, custom, partial=True)
    case.full_clean()
    set_history_user(case, user)
    case.save()
    return case


@transaction.atomic
def case_move(
    *,
    user: User,
    case: Case,
    status: CaseStatus,
    amount: decimal.Decimal | None = None,
    lost_reason: str | None = None,
    resolution: str | None = None,
) -> Case:
    """Move a case to ``status`` (the board's drag), with what that status requires.

    The status must belong to the case's type and, when the current status names the
    statuses allowed next, be one of them. Winning an opportunity needs an amount above
    zero; losing needs a reason. ``amount``, ``lost_reason`` and ``resolution`` given here
    are saved with the move.
    """
    # Lock the case and read it again: two moves at once must not both start from the
    # same status, and the checks below must see the stored values, not a stale copy.
    Case.objects.select_for_update().only("pk").get(pk=case.pk)
    case.refresh_from_db()
    permissions.ensure(permissions.can_change(user, case))
    current = case.status
    if status.case_type_id != case.case_type_id:
        raise ValidationError({"status": _("That status belongs to another case type.")})
    if status.pk == current.pk:
        raise ValidationError({"status": _("The case is already in that status.")})
    if not status.is_active:
        raise ValidationError({"status": _("That status is no longer in use.")})
    allowed = set(current.allowed_next.values_list("pk", flat=True))
    if allowed and status.pk not in allowed:
        raise ValidationError(
            {
                "status": _("A case in “%(from)s” cannot move to “%(to)s”.")
                % {"from": current.name, "to": status.name}
            }
        )
    if amount is not None:
        case.amount = amount
    if lost_reason is not None:
        case.lost_reason = lost_reason.strip()
    if resolution is not None:
        case.resolution = resolution
    errors: dict[str, str] = {}
    if status.meaning == StatusMeaning.WON and case.case_type.is_opportunity and case.amount <= 0:
        errors["amount"] = _("Enter the amount before marking the opportunity as won.")
    if status.meaning == StatusMeaning.LOST and not case.lost_reason:
        errors["lost_reason"] = _("Enter why the case was lost.")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    last = CaseStatusChange.objects.filter(case=case).order_by("-changed_at", "-pk").first()
    since = last.changed_at if last is not None else case.opened_at
    if status.is_open:
        case.closed_at = None
    elif current.is_open or case.closed_at is None:
        case.closed_at = now
    case.status = status
    case.status_since = now
    case.full_clean()
    set_history_user(case, user)
    case.save()
    CaseStatusChange.objects.create(
        case=case,
        from_status=current,
        to_status=status,
        changed_by=user,
        changed_at=now,
        seconds_in_previous=max(0, int((now - since).total_seconds())),
    )
    won = status.meaning == StatusMeaning.WON and current.meaning != StatusMeaning.WON
    if won and case.case_type.is_opportunity:
        events.publish(events.OPPORTUNITY_WON, case, user=user)
    return case


@transaction.atomic
def case_reassign(*, user: User, case: Case, owner: User | None, team: Team | None = None) -> Case:
    """Give a case to a user and/or a team; the history records who gave it to whom."""
    if owner is None and team is None:
        raise ValidationError({"owner": _("Choose a user or a team.")})
    permissions.ensure(permissions.can_change(user, case))
    allowed = permissions.can_reassign(user, case, owner) or (
        owner is None and team is not None and team.pk in permissions.team_ids(user)
    )
    permissions.ensure(allowed, _("You cannot give this case to that user."))
    if owner is not None and team is None:
        owner_teams = set(owner.teams.filter(is_active=True).values_list("id", flat=True))
        team = case.team if case.team_id in owner_teams else default_team(owner)
    case.owner, case.team = owner, team
    set_history_user(case, user)
    case.save()
    return case


LINE_FIELDS = ("product", "description", "quantity", "unit_price", "discount")


@transaction.atomic
def case_lines_set(*, user: User, case: Case, lines: list[dict[str, Any]]) -> Case:
    """Replace an opportunity's product lines; its amount becomes their total.

    Each line is a dict of :data:`LINE_FIELDS`; a missing unit price takes the product's
    list price. All lines are checked before any is saved, and the errors name the line
    (``lines.1.quantity``). An empty list removes the lines and leaves the amount as it was,
    to be entered by hand.
    """
    permissions.ensure(permissions.can_change(user, case))
    if not case.case_type.is_opportunity:
        raise ValidationError({"lines": _("Only sales opportunities have product lines.")})
    built: list[CaseLine] = []
    errors: dict[str, list[str]] = {}
    for index, raw in enumerate(lines):
        product: Product | None = raw.get("product")
        if product is None:
            errors[f"lines.{index}.product"] = [_("Choose a product.")]
            continue
        line = CaseLine(
            case=case,
            product=product,
            description=(raw.get("description") or "").strip()[:200],
            quantity=(raw["quantity"] if raw.get("quantity") is not None else decimal.Decimal("1")),
            unit_price=(
                raw["unit_price"] if raw.get("unit_price") is not None else product.unit_price
            ),
            discount=raw.get("discount") or decimal.Decimal("0"),
            order=index,
        )
        try:
            line.full_clean(exclude=["case", "amount"])
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors[f"lines.{index}.{name}"] = messages
            continue
        if not product.is_active and not case.lines.filter(product=product).exists():
            errors[f"lines.{index}.product"] = [_("That product is no longer sold.")]
            continue
        line.amount = line.compute_amount()
        built.append(line)
    if errors:
        raise ValidationError(errors)
    case.lines.all().delete()
    CaseLine.objects.bulk_create(built)
    if built:
        total = sum((line.amount for line in built), decimal.Decimal("0.00"))
        if total != case.amount:
            case.amount = total
            set_history_user(case, user)
            case.save(update_fields=["amount", "updated_at"])
    return case


def free_fields_seed(case_type: CaseType) -> None:
    """Give a case type the five free-use fields it does not have yet (R20)."""
    for offset, (key, field_type, label_en, label_es) in enumerate(FREE_FIELDS):
        FieldDefinition.objects.get_or_create(
            target=Target.CASE,
            scope=case_type.code,
            key=key,
            defaults={
                "field_type": field_type,
                "label_en": label_en,
                "label_es": label_es,
                "order": FREE_FIELDS_FIRST_ORDER + offset,
            },
        )


REFRESH_BATCH = 2000


def next_action_subquery() -> Subquery:
    """Return the start of the earliest planned action of the case ``OuterRef("pk")``.

    ``ORDER BY start LIMIT 1`` rather than ``MIN``: one probe of the partial
    (case, start) index of planned actions on both databases.
    """
    return Subquery(
        Action.objects.filter(case_id=OuterRef("pk"), status=ActionStatus.PLANNED)
        .order_by("start")
        .values("start")[:1]
    )


def case_next_action_refresh(case_ids: Iterable[int | None]) -> int:
    """Recompute ``Case.next_action_at`` of the cases ``case_ids`` (``None`` is skipped).

    The one place that keeps the field right: every action service that can change a
    case's planned actions (create, update, complete, cancel, delete) calls it in its own
    transaction, and so must any code that writes actions in bulk (or
    :func:`case_next_action_refresh_all` after a large load). One UPDATE per
    ``REFRESH_BATCH`` cases, no history row (the field is derived). Returns the number of
    cases updated.
    """
    ids = sorted({pk for pk in case_ids if pk is not None})
    updated = 0
    for first in range(0, len(ids), REFRESH_BATCH):
        batch = ids[first : first + REFRESH_BATCH]
        updated += Case.objects.filter(pk__in=batch).update(next_action_at=next_action_subquery())
    return updated


def case_next_action_refresh_all() -> int:
    """Recompute ``next_action_at`` of every case (after loading actions in bulk): two
    UPDATEs, the cases with a planned action and those that kept a stale date."""
    planned = Action.objects.filter(case_id=OuterRef("pk"), status=ActionStatus.PLANNED)
    updated = Case.objects.filter(Exists(planned)).update(next_action_at=next_action_subquery())
    updated += (
        Case.objects.filter(next_action_at__isnull=False)
        .exclude(Exists(planned))
        .update(next_action_at=None)
    )
    return updated
