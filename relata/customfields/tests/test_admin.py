"""The Django admin changes definitions through the services too."""

from __future__ import annotations

import pytest
from django.urls import reverse

from relata.customfields.models import FieldDefinition, FieldType, Target

pytestmark = pytest.mark.django_db


def test_admin_site_adds_a_field_through_the_service(client, admin_user, make_field):
    make_field("sector")
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:customfields_fielddefinition_add"),
        {
            "target": Target.ENTITY,
            "scope": "",
            "key": "employees",
            "label_en": "Employees",
            "label_es": "",
            "field_type": FieldType.INTEGER,
            "default": "7",
            "help_text_en": "",
            "help_text_es": "",
            "order": "0",
            "choices": "[]",
            "is_active": "on",
        },
    )

    definition = FieldDefinition.objects.get(key="employees")
    assert response.status_code == 302
    assert (definition.default, definition.order) == (7, 0)
    assert definition.history.get().history_user == admin_user


def test_admin_site_delete_only_deactivates(client, admin_user, make_field):
    definition = make_field("sector")
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:customfields_fielddefinition_delete", args=[definition.pk]),
        {"post": "yes"},
    )

    assert response.status_code == 302
    assert FieldDefinition.objects.get(pk=definition.pk).is_active is False


def test_admin_site_keeps_the_key_read_only(client, admin_user, make_field):
    definition = make_field("sector", label_en="Sector")
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:customfields_fielddefinition_change", args=[definition.pk]),
        {
            "scope": "",
            "label_en": "Industry",
            "label_es": "",
            "default": "",
            "help_text_en": "",
            "help_text_es": "",
            "order": "10",
            "choices": "[]",
            "is_active": "on",
            "key": "hacked",
        },
    )

    definition.refresh_from_db()
    assert response.status_code == 302
    assert (definition.key, definition.label_en) == ("sector", "Industry")
