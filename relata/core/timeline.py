"""The timeline of a CRM record: its audit history and, later, its actions and emails.

Each app contributes events for the models it knows through :func:`register`; the
timeline merges them newest first. History events come from django-simple-history: each
historical row is compared with the previous one to say which fields changed.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from relata.core.models import User


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class TimelineEvent:
    when: datetime.datetime
    who: User | None
    kind: str  # "created", "changed", "deleted", or an app's own kind
    title: str
    icon: str = "clock-history"
    changes: tuple[FieldChange, ...] = field(default_factory=tuple)
    url: str = ""


# A provider gets the record, the limit and the viewer, whose permissions it applies.
Provider = Callable[[models.Model, int, User | None], Iterable[TimelineEvent]]
_providers: list[Provider] = []

_KIND = {
    "+": ("created", _("Created"), "plus-circle"),
    "~": ("changed", _("Changed"), "pencil"),
    "-": ("deleted", _("Deleted"), "trash"),
}


# An expander turns the change of one field holding several values (the custom-fields JSON)
# into one change per value, labelled for people: (record, field name, old, new) → changes.
Expander = Callable[[models.Model, Any, Any], list[FieldChange]]
_expanders: dict[str, Expander] = {}


def register_expander(field_name: str, expander: Expander) -> None:
    """Explain changes of ``field_name`` (on any model) with ``expander``."""
    _expanders[field_name] = expander


def _changes(obj: models.Model, record: Any, previous: Any, changed: set[str]) -> list[FieldChange]:
    changes: list[FieldChange] = []
    # In the model's field order, so that the same change always reads the same.
    for model_field in type(obj)._meta.fields:
        name = model_field.name
        if name not in changed:
            continue
        expander = _expanders.get(name)
        if expander is not None:
            changes.extend(
                expander(obj, getattr(previous, name, None), getattr(record, name, None))
            )
            continue
        changes.append(
            FieldChange(
                label=str(model_field.verbose_name),
                old=_display(previous, name),
                new=_display(record, name),
            )
        )
    return changes


def register(provider: Provider) -> Provider:
    """Add a source of timeline events; usable as a decorator."""
    _providers.append(provider)
    return provider


def _display(record: Any, name: str) -> str:
    value = getattr(record, name, None)
    if value is None or value == "":
        return "—"
    display = getattr(record, f"get_{name}_display", None)
    if callable(display):
        return str(display())
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, datetime.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return formats.date_format(local, "SHORT_DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


def history_events(obj: models.Model, limit: int = 50) -> list[TimelineEvent]:
    """Return the audit history of ``obj`` as timeline events, newest first."""
    history = getattr(obj, "history", None)
    if history is None:
        return []
    records = list(
        history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1]
    )
    events = []
    for index, record in enumerate(records[:limit]):
        kind, title, icon = _KIND[record.history_type]
        changes: tuple[FieldChange, ...] = ()
        previous = records[index + 1] if index + 1 < len(records) else None
        if previous is not None and record.history_type == "~":
            changed = {change.field for change in record.diff_against(previous).changes}
            changes = tuple(_changes(obj, record, previous, changed))
            if not changes:
                continue
        events.append(
            TimelineEvent(
                when=record.history_date,
                who=record.history_user,
                kind=kind,
                title=str(title),
                icon=icon,
                changes=changes,
            )
        )
    return events


def timeline_for(
    obj: models.Model, limit: int = 50, *, user: User | None = None
) -> list[TimelineEvent]:
    """Return every event about ``obj`` from every provider, newest first.

    ``user`` is the viewer: providers of records with their own permissions (actions)
    show only what that user may see, and nothing without one.
    """
    events = history_events(obj, limit)
    for provider in _providers:
        events.extend(provider(obj, limit, user))
    events.sort(key=lambda e: e.when, reverse=True)
    return events[:limit]
