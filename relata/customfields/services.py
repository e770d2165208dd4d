"""Writes of custom-field definitions, and the engine that checks values.

Definitions change only here, by administrators. Records that carry values call
:func:`values_clean` before they save their ``custom`` object (and :func:`values_merge`
when they update it); pages call :func:`values_display`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from relata.core import permissions
from relata.core.effects import on_commit
from relata.core.history import set_history_user
from relata.core.models import User
from relata.core.services import model_update
from relata.customfields import selectors
from relata.customfields.display import value_display, values_display
from relata.customfields.models import FieldDefinition, Target
from relata.customfields.values import clean_values, merge_values

__all__ = [
    "field_definition_create",
    "field_definition_delete",
    "field_definition_move",
    "field_definition_update",
    "field_definitions_reorder",
    "value_display",
    "values_clean",
    "values_display",
    "values_merge",
]

UPDATABLE_FIELDS = (
    "scope",
    "label_en",
    "label_es",
    "required",
    "default",
    "help_text_en",
    "help_text_es",
    "order",
    "choices",
    "show_in_list",
    "show_in_filters",
    "is_active",
)
IMMUTABLE_FIELDS = ("target", "key", "field_type")
ORDER_STEP = 10


def values_clean(
    *, target: str, scope: str = "", data: dict[str, Any], partial: bool = False
) -> dict[str, Any]:
    """Return ``data`` checked and converted to the stored form of each field.

    With ``partial=False`` (a new record) every active field of ``target``/``scope`` is
    considered: a missing key takes the field's default, and a required field without a
    value is an error; keys without a value are left out of the result. With
    ``partial=True`` (an update) only the keys given are checked, and an empty value comes
    back as None, meaning "remove it": pass the result to :func:`values_merge`.

    Raise ``ValidationError`` with a dict keyed by the bare field key (``{"budget":
    ["Enter a whole number."]}``); callers add their own prefix (``cf_`` in forms,
    the ``custom`` object in the API). Unknown or inactive keys are refused.
    """
    definitions = selectors.field_definitions(target=target, scope=scope)
    return clean_values(definitions=definitions, data=data, partial=partial)


def values_merge(*, current: dict[str, Any] | None, cleaned: dict[str, Any]) -> dict[str, Any]:
    """Return the stored values ``current`` with the result of a partial clean applied."""
    return merge_values(current=current, cleaned=cleaned)


def _definitions_changed() -> None:
    selectors.field_definitions_cache_clear()
    on_commit(selectors.field_definitions_cache_clear)


def _ensure_key_free(*, target: str, scope: str, key: str, exclude_pk: int | None = None) -> None:
    """Refuse a key already used by a field that would appear on the same records.

    Unscoped fields appear on every record of the target, so their keys must differ from
    every scoped key of that target; two scopes may reuse a key.
    """
    clashes = FieldDefinition.objects.filter(target=target, key=key)
    if scope:
        clashes = clashes.filter(scope__in=["", scope])
    if exclude_pk is not None:
        clashes = clashes.exclude(pk=exclude_pk)
    if clashes.exists():
        raise ValidationError(
            {
                "key": _("A field with the key “%(key)s” already exists for %(target)s.")
                % {"key": key, "target": Target(target).label.lower()}
            }
        )


@transaction.atomic
def field_definition_create(
    *,
    user: User,
    target: str,
    key: str,
    label_en: str,
    field_type: str,
    scope: str = "",
    label_es: str = "",
    required: bool = False,
    default: Any = None,
    help_text_en: str = "",
    help_text_es: str = "",
    order: int | None = None,
    choices: list[dict[str, str]] | None = None,
    show_in_list: bool = False,
    show_in_filters: bool = False,
) -> FieldDefinition:
    """Define a new custom field; administrators only. Without an order it goes last."""
    permissions.ensure(permissions.can_configure(user))
    key, scope = key.strip(), scope.strip()
    if target in Target.values:
        _ensure_key_free(target=target, scope=scope, key=key)
    if order is None:
        last = FieldDefinition.objects.filter(target=target, scope=scope).aggregate(
            last=Max("order")
        )["last"]
        order = (last or 0) + ORDER_STEP
    definition = FieldDefinition(
        target=target,
        scope=scope,
        key=key,
        label_en=label_en.strip(),
        label_es=label_es.strip(),
        field_type=field_type,
        required=required,
        default=default,
        help_text_en=help_text_en.strip(),
        help_text_es=help_text_es.strip(),
        order=order,
        choices=choices or [],
        show_in_list=show_in_list,
        show_in_filters=show_in_filters,
    )
    set_history_user(definition, user)
    definition.full_clean()
    definition.save()
    _definitions_changed()
    return definition


@transaction.atomic
def field_definition_update(
    *, user: User, definition: FieldDefinition, data: dict[str, Any]
) -> FieldDefinition:
    """Change a definition; administrators only. Target, key and type never change.

    The key names the stored values and the type decides their form, so changing either
    would orphan or corrupt the values already stored: create a new field instead.
    """
    permissions.ensure(permissions.can_configure(user))
    messages = {
        "target": _("The record type cannot be changed once the field exists."),
        "key": _("The key cannot be changed once the field exists; create a new field instead."),
        "field_type": _(
            "The type cannot be changed once the field exists, because the values already "
            "stored would no longer match it; create a new field instead."
        ),
    }
    errors = {
        name: messages[name]
        for name in IMMUTABLE_FIELDS
        if name in data and data[name] != getattr(definition, name)
    }
    if errors:
        raise ValidationError(errors)
    data = {
        name: value.strip() if isinstance(value, str) else value for name, value in data.items()
    }
    if "scope" in data and data["scope"] != definition.scope:
        _ensure_key_free(
            target=definition.target,
            scope=data["scope"],
            key=definition.key,
            exclude_pk=definition.pk,
        )
    set_history_user(definition, user)
    if model_update(instance=definition, fields=UPDATABLE_FIELDS, data=data):
        _definitions_changed()
    return definition


@transaction.atomic
def field_definition_delete(*, user: User, definition: FieldDefinition) -> FieldDefinition:
    """Deactivate a definition; the values stored on records are kept, and come back with
    the field if it is activated again."""
    return field_definition_update(user=user, definition=definition, data={"is_active": False})


@transaction.atomic
def field_definitions_reorder(
    *, user: User, target: str, scope: str = "", keys: list[str]
) -> list[FieldDefinition]:
    """Put the fields of ``target``/``scope`` in the order of ``keys``; administrators only.

    Fields not named keep their relative order after the named ones.
    """
    permissions.ensure(permissions.can_configure(user))
    definitions = list(
        FieldDefinition.objects.select_for_update()
        .filter(target=target, scope=scope)
        .order_by("order", "id")
    )
    by_key = {d.key: d for d in definitions}
    unknown = [key for key in keys if key not in by_key]
    if unknown:
        raise ValidationError(
            {"keys": _("Unknown fields: %(keys)s.") % {"keys": ", ".join(unknown)}}
        )
    if len(set(keys)) != len(keys):
        raise ValidationError({"keys": _("Each field may appear only once.")})
    named = set(keys)
    ordered = [by_key[key] for key in keys] + [d for d in definitions if d.key not in named]
    for position, definition in enumerate(ordered, start=1):
        if definition.order != position * ORDER_STEP:
            definition.order = position * ORDER_STEP
            set_history_user(definition, user)
            definition.save(update_fields=["order", "updated_at"])
    _definitions_changed()
    return ordered


@transaction.atomic
def field_definition_move(
    *, user: User, definition: FieldDefinition, offset: int
) -> list[FieldDefinition]:
    """Move a definition ``offset`` places (negative: up) among its target and scope."""
    permissions.ensure(permissions.can_configure(user))
    keys = selectors.sibling_keys(definition=definition)
    index = keys.index(definition.key)
    new_index = max(0, min(len(keys) - 1, index + offset))
    keys.insert(new_index, keys.pop(index))
    return field_definitions_reorder(
        user=user, target=definition.target, scope=definition.scope, keys=keys
    )
