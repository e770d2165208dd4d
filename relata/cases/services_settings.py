"""Writes for Settings → Case types: the types, their statuses and the statuses' order.

Only administrators configure cases. Types and statuses are never deleted: cases and their
status history point at them, so they are switched off instead. Two rules keep every type
usable: a type always has an active *open* status to start cases in, and a type's code stays
once it has cases, because the custom fields of its cases are scoped by that code.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from relata.cases.models import Case, CaseStatus, CaseType, StatusMeaning
from relata.cases.services import free_fields_seed
from relata.core import permissions
from relata.core.history import set_history_user
from relata.core.models import User
from relata.customfields.models import FieldDefinition, Target

TYPE_FIELDS = (
    "code",
    "name_en",
    "name_es",
    "number_prefix",
    "is_opportunity",
    "service_level_hours",
    "stale_after_days",
    "order",
    "is_active",
)
STATUS_FIELDS = (
    "code",
    "name_en",
    "name_es",
    "colour",
    "default_probability",
    "meaning",
    "is_active",
)

# The statuses a new type starts with (code, English, Spanish, colour, probability,
# meaning); the administrator renames them and adds the steps in between.
STARTER_STATUSES: dict[bool, tuple[tuple[str, str, str, str, int, str], ...]] = {
    True: (
        ("open", "Open", "Abierta", "#0d6efd", 10, StatusMeaning.OPEN),
        ("won", "Won", "Ganada", "#198754", 100, StatusMeaning.WON),
        ("lost", "Lost", "Perdida", "#dc3545", 0, StatusMeaning.LOST),
    ),
    False: (
        ("open", "Open", "Abierto", "#0d6efd", 0, StatusMeaning.OPEN),
        ("closed", "Closed", "Cerrado", "#198754", 0, StatusMeaning.CLOSED),
    ),
}


def _apply(obj: Any, data: dict[str, Any], fields: tuple[str, ...]) -> None:
    for name, value in data.items():
        if name in fields:
            setattr(obj, name, value.strip() if isinstance(value, str) else value)


def _check_type(case_type: CaseType) -> None:
    """Validate a type with messages that say what to do, then the model's own checks."""
    errors: dict[str, str] = {}
    case_type.number_prefix = (case_type.number_prefix or "").upper()
    others = CaseType.objects.exclude(pk=case_type.pk)
    if case_type.code and others.filter(code=case_type.code).exists():
        errors["code"] = _("Another case type already has the code “%(code)s”.") % {
            "code": case_type.code
        }
    if case_type.number_prefix and others.filter(number_prefix=case_type.number_prefix).exists():
        errors["number_prefix"] = _(
            "Another case type already numbers its cases with “%(prefix)s”."
        ) % {"prefix": case_type.number_prefix}
    if not (case_type.name_en or "").strip():
        errors["name_en"] = _("Enter the English name.")
    if errors:
        raise ValidationError(errors)
    case_type.full_clean()


@transaction.atomic
def case_type_create(*, user: User, data: dict[str, Any]) -> CaseType:
    """Create a case type with its five free-use fields and its first statuses.

    A sales opportunity starts with the statuses open, won and lost; any other type with
    open and closed. ``data`` holds the fields of :data:`TYPE_FIELDS`; without an order the
    type goes last.
    """
    permissions.ensure(permissions.can_configure(user))
    case_type = CaseType()
    _apply(case_type, data, TYPE_FIELDS)
    if "order" not in data or data["order"] is None:
        last = CaseType.objects.aggregate(last=Max("order"))["last"]
        case_type.order = (last or 0) + 10
    _check_type(case_type)
    set_history_user(case_type, user)
    case_type.save()
    free_fields_seed(case_type)
    for order, (code, name_en, name_es, colour, probability, meaning) in enumerate(
        STARTER_STATUSES[case_type.is_opportunity], start=1
    ):
        status = CaseStatus(
            case_type=case_type,
            code=code,
            name_en=name_en,
            name_es=name_es,
            colour=colour,
            default_probability=probability,
            meaning=meaning,
            order=order,
        )
        set_history_user(status, user)
        status.save()
    return case_type


@transaction.atomic
def case_type_update(*, user: User, case_type: CaseType, data: dict[str, Any]) -> CaseType:
    """Change a case type.

    The code cannot change once the type has cases: their custom fields are scoped by it.
    Before that, the type's custom fields follow the new code.
    """
    permissions.ensure(permissions.can_configure(user))
    old_code = CaseType.objects.values_list("code", flat=True).get(pk=case_type.pk)
    if data.get("order", 0) is None:  # an emptied order keeps the type where it is
        data = {k: v for k, v in data.items() if k != "order"}
    _apply(case_type, data, TYPE_FIELDS)
    if case_type.code != old_code and Case.objects.filter(case_type=case_type).exists():
        raise ValidationError(
            {
                "code": _(
                    "The code cannot change once the type has cases: their custom fields "
                    "are kept under it."
                )
            }
        )
    _check_type(case_type)
    set_history_user(case_type, user)
    case_type.save()
    if case_type.code != old_code:
        FieldDefinition.objects.filter(target=Target.CASE, scope=old_code).update(
            scope=case_type.code
        )
    return case_type


def _check_status(status: CaseStatus) -> None:
    errors: dict[str, str] = {}
    siblings = CaseStatus.objects.filter(case_type=status.case_type).exclude(pk=status.pk)
    if status.code and siblings.filter(code=status.code).exists():
        errors["code"] = _("This type already has a status with the code “%(code)s”.") % {
            "code": status.code
        }
    if not (status.name_en or "").strip():
        errors["name_en"] = _("Enter the English name.")
    if errors:
        raise ValidationError(errors)
    status.full_clean()


def _set_allowed_next(status: CaseStatus, allowed_next: list[CaseStatus]) -> None:
    """Set the statuses a case may move to from ``status``; all of its own type."""
    foreign = [s for s in allowed_next if s.case_type_id != status.case_type_id]
    if foreign:
        raise ValidationError(
            {
                "allowed_next": _("Choose statuses of the type “%(type)s” only.")
                % {"type": status.case_type.name}
            }
        )
    if any(s.pk == status.pk for s in allowed_next):
        raise ValidationError({"allowed_next": _("A status cannot be the next step of itself.")})
    status.allowed_next.set(allowed_next)


@transaction.atomic
def status_create(
    *,
    user: User,
    case_type: CaseType,
    data: dict[str, Any],
    allowed_next: list[CaseStatus] | None = None,
) -> CaseStatus:
    """Add a status at the end of a type's statuses."""
    permissions.ensure(permissions.can_configure(user))
    status = CaseStatus(case_type=case_type)
    _apply(status, data, STATUS_FIELDS)
    last = CaseStatus.objects.filter(case_type=case_type).aggregate(last=Max("order"))["last"]
    status.order = (last or 0) + 1
    _check_status(status)
    set_history_user(status, user)
    status.save()
    if allowed_next:
        _set_allowed_next(status, allowed_next)
    return status


@transaction.atomic
def status_update(
    *,
    user: User,
    status: CaseStatus,
    data: dict[str, Any],
    allowed_next: list[CaseStatus] | None = None,
) -> CaseStatus:
    """Change a status; ``allowed_next`` (when given) replaces the statuses allowed next.

    The last active open status of a type cannot be switched off or given another
    meaning: new cases of the type start in an open status.
    """
    permissions.ensure(permissions.can_configure(user))
    stored = CaseStatus.objects.get(pk=status.pk)
    _apply(status, data, STATUS_FIELDS)
    was_open = stored.is_active and stored.meaning == StatusMeaning.OPEN
    stays_open = status.is_active and status.meaning == StatusMeaning.OPEN
    if was_open and not stays_open:
        others = (
            CaseStatus.objects.filter(
                case_type_id=status.case_type_id, meaning=StatusMeaning.OPEN, is_active=True
            )
            .exclude(pk=status.pk)
            .exists()
        )
        if not others:
            field = "is_active" if not status.is_active else "meaning"
            raise ValidationError(
                {
                    field: _(
                        "This is the last active open status of “%(type)s”: new cases start "
                        "in an open status. Add or switch on another open status first."
                    )
                    % {"type": status.case_type.name}
                }
            )
    _check_status(status)
    set_history_user(status, user)
    status.save()
    if allowed_next is not None:
        _set_allowed_next(status, allowed_next)
    return status


@transaction.atomic
def status_move(*, user: User, status: CaseStatus, offset: int) -> list[CaseStatus]:
    """Move a status ``offset`` places (negative: up) among its type's statuses.

    Return the type's statuses in their new order, numbered 1, 2, 3…
    """
    permissions.ensure(permissions.can_configure(user))
    ordered = list(
        CaseStatus.objects.select_for_update()
        .filter(case_type_id=status.case_type_id)
        .order_by("order", "pk")
    )
    index = next(i for i, s in enumerate(ordered) if s.pk == status.pk)
    new_index = max(0, min(len(ordered) - 1, index + offset))
    ordered.insert(new_index, ordered.pop(index))
    for position, item in enumerate(ordered, start=1):
        if item.order != position:
            item.order = position
            set_history_user(item, user)
            item.save(update_fields=["order"])
    return ordered
