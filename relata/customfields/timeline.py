"""Custom-field changes on the timeline: one line per field, with its label and values as
people read them, instead of the raw JSON object."""

from __future__ import annotations

from typing import Any

from django.db import models

from relata.core.timeline import FieldChange, register_expander
from relata.customfields.display import value_display
from relata.customfields.selectors import field_definitions


def custom_changes(obj: models.Model, old: Any, new: Any) -> list[FieldChange]:
    old = old if isinstance(old, dict) else {}
    new = new if isinstance(new, dict) else {}
    target = getattr(obj, "custom_fields_target", "")
    scope = getattr(obj, "custom_fields_scope", "")
    changes = []
    # Switched-off fields too: their old values were real changes.
    definitions = field_definitions(target=target, scope=scope, active_only=False)
    known = set()
    for definition in definitions:
        known.add(definition.key)
        before, after = old.get(definition.key), new.get(definition.key)
        if before == after:
            continue
        changes.append(
            FieldChange(
                label=definition.label,
                old=value_display(definition=definition, value=before),
                new=value_display(definition=definition, value=after),
            )
        )
    # Values of fields deleted since: shown by their key rather than hidden.
    for key in sorted((set(old) | set(new)) - known):
        if old.get(key) != new.get(key):
            changes.append(
                FieldChange(label=key, old=str(old.get(key, "—")), new=str(new.get(key, "—")))
            )
    return changes


register_expander("custom", custom_changes)
