"""A change of custom-field values reads on the timeline one field at a time, labelled and
formatted, not as the raw JSON object."""

from __future__ import annotations

import pytest

from relata.core.timeline import timeline_for
from relata.customfields.models import FieldType
from relata.entities import services as entity_services
from relata.entities.models import EntityKind, KindMeaning

pytestmark = pytest.mark.django_db


def test_custom_field_changes_are_one_line_each_with_labels(admin_user, make_field):
    make_field("colour", FieldType.CHOICE, label_en="Favourite colour")
    make_field("employees", FieldType.INTEGER, label_en="Employees")
    make_field("notes", FieldType.TEXT, label_en="Notes")
    kind = EntityKind.objects.create(
        code="tl-customer", label_en="Customer", meaning=KindMeaning.CUSTOMER
    )
    entity = entity_services.entity_create(
        user=admin_user,
        data={"legal_name": "Acme", "kind": kind},
        custom={"colour": "red", "employees": 1200, "notes": "same"},
    )

    entity_services.entity_update(
        user=admin_user, entity=entity, data={}, custom={"colour": "green", "employees": 1500}
    )

    changed = next(e for e in timeline_for(entity, user=admin_user) if e.kind == "changed")
    lines = {(c.label, c.old, c.new) for c in changed.changes}
    assert ("Favourite colour", "Red", "Green") in lines
    assert ("Employees", "1,200", "1,500") in lines
    assert not any(c.label in ("Notes", "custom fields") for c in changed.changes)
    assert not any("{" in c.old or "{" in c.new for c in changed.changes)
