"""Settings → Custom fields pages: administrators change, everybody else looks."""

from __future__ import annotations

import pytest
from django.urls import reverse

from relata.customfields.models import FieldDefinition, FieldType, Target

pytestmark = pytest.mark.django_db


def _post_data(**changes: str) -> dict[str, str]:
    data = {
        "target": Target.ENTITY,
        "scope": "",
        "key": "tier",
        "field_type": FieldType.CHOICE,
        "label_en": "Tier",
        "label_es": "Nivel",
        "choices": "gold | Gold | Oro\nsilver | Silver | Plata",
        "default": "silver",
        "show_in_list": "on",
    }
    return {**data, **changes}


def test_list_shows_fields_grouped_by_target_to_an_agent_without_buttons(client, agent, make_field):
    make_field("sector", label_en="Business sector")
    make_field("birthday", FieldType.DATE, target=Target.CONTACT, label_en="Birthday")
    client.force_login(agent)

    response = client.get(reverse("customfields:list"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Business sector" in html and "<code>sector</code>" in html
    assert html.index("Business sector") < html.index("Birthday")
    assert "No fields for this record type yet." in html  # cases have none
    assert reverse("customfields:create") not in html
    assert "bi-arrow-up" not in html


def test_list_offers_the_add_button_to_an_administrator(client, admin_user):
    client.force_login(admin_user)

    response = client.get(reverse("customfields:list"))

    html = response.content.decode()
    assert "No custom fields yet" in html
    assert f'href="{reverse("customfields:create")}"' in html


def test_administrator_creates_a_field_by_post(client, admin_user):
    client.force_login(admin_user)

    response = client.post(reverse("customfields:create"), _post_data())

    definition = FieldDefinition.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("customfields:detail", args=[definition.pk])
    assert (definition.key, definition.field_type, definition.default) == (
        "tier",
        FieldType.CHOICE,
        "silver",
    )
    assert definition.choices == [
        {"value": "gold", "label_en": "Gold", "label_es": "Oro"},
        {"value": "silver", "label_en": "Silver", "label_es": "Plata"},
    ]
    assert (definition.show_in_list, definition.show_in_filters) == (True, False)
    assert definition.history.get().history_user == admin_user


def test_create_shows_the_service_errors_on_the_form(client, admin_user, make_field):
    make_field("tier")
    client.force_login(admin_user)

    response = client.post(reverse("customfields:create"), _post_data(choices="", default=""))

    html = response.content.decode()
    assert response.status_code == 200
    assert "A field with the key “tier” already exists for entity." in html
    assert FieldDefinition.objects.count() == 1


def test_create_shows_choice_errors_on_the_form(client, admin_user):
    client.force_login(admin_user)

    response = client.post(reverse("customfields:create"), _post_data(choices="", default=""))

    assert response.status_code == 200
    assert "Add at least one choice." in response.content.decode()
    assert FieldDefinition.objects.count() == 0


def test_agent_gets_403_on_create(client, agent):
    client.force_login(agent)

    get = client.get(reverse("customfields:create"))
    post = client.post(reverse("customfields:create"), _post_data())

    assert (get.status_code, post.status_code) == (403, 403)
    assert FieldDefinition.objects.count() == 0


def test_agent_gets_403_on_edit_and_deactivate(client, agent, make_field):
    definition = make_field("sector", label_en="Sector")
    client.force_login(agent)

    get = client.get(reverse("customfields:edit", args=[definition.pk]))
    post = client.post(
        reverse("customfields:edit", args=[definition.pk]),
        _post_data(key="sector", field_type=FieldType.TEXT, label_en="Hacked", choices=""),
    )
    deactivate = client.post(reverse("customfields:deactivate", args=[definition.pk]))
    move = client.post(reverse("customfields:move", args=[definition.pk]), {"direction": "up"})

    assert [r.status_code for r in (get, post, deactivate, move)] == [403, 403, 403, 403]
    definition.refresh_from_db()
    assert (definition.label_en, definition.is_active) == ("Sector", True)


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("customfields:list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_administrator_edits_labels_but_not_the_key(client, admin_user, make_field):
    definition = make_field("sector", label_en="Sector")
    client.force_login(admin_user)

    response = client.post(
        reverse("customfields:edit", args=[definition.pk]),
        {
            "target": Target.CONTACT,
            "key": "hacked",
            "field_type": FieldType.INTEGER,
            "label_en": "Industry",
            "label_es": "Industria",
            "is_active": "on",
            "required": "on",
        },
    )

    definition.refresh_from_db()
    assert response.status_code == 302
    assert (definition.target, definition.key, definition.field_type) == (
        Target.ENTITY,
        "sector",
        FieldType.TEXT,
    )
    assert (definition.label_en, definition.label_es, definition.required) == (
        "Industry",
        "Industria",
        True,
    )


def test_edit_page_shows_the_stored_definition(client, admin_user, make_field):
    definition = make_field("tier", FieldType.CHOICE, label_en="Tier")
    client.force_login(admin_user)

    response = client.get(reverse("customfields:edit", args=[definition.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "red | Red | Rojo\ngreen | Green | Verde\nblue | Blue</textarea>" in html
    assert 'name="key" value="tier"' in html and "disabled" in html


def test_administrator_deactivates_a_field(client, admin_user, make_field):
    definition = make_field("sector")
    client.force_login(admin_user)

    response = client.post(reverse("customfields:deactivate", args=[definition.pk]))

    assert response.status_code == 302
    assert FieldDefinition.objects.get(pk=definition.pk).is_active is False


def test_deactivate_accepts_only_post(client, admin_user, make_field):
    definition = make_field("sector")
    client.force_login(admin_user)

    response = client.get(reverse("customfields:deactivate", args=[definition.pk]))

    assert response.status_code == 405
    assert FieldDefinition.objects.get(pk=definition.pk).is_active is True


def test_administrator_moves_a_field_up(client, admin_user, make_field):
    make_field("a")
    second = make_field("b")
    client.force_login(admin_user)

    response = client.post(reverse("customfields:move", args=[second.pk]), {"direction": "up"})

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('customfields:list')}#field-{second.pk}"
    assert list(FieldDefinition.objects.order_by("order").values_list("key", flat=True)) == [
        "b",
        "a",
    ]


def test_detail_shows_the_definition_and_its_history(client, admin_user, agent, make_field):
    definition = make_field("price", FieldType.MONEY, default="10", label_en="List price")
    client.force_login(agent)

    response = client.get(reverse("customfields:detail", args=[definition.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "List price" in html and "€10.00" in html
    assert "Created" in html and str(admin_user) in html
    assert reverse("customfields:edit", args=[definition.pk]) not in html


def test_detail_offers_deactivation_with_a_confirmation(client, admin_user, make_field):
    definition = make_field("sector", label_en="Sector")
    client.force_login(admin_user)

    response = client.get(reverse("customfields:detail", args=[definition.pk]))

    html = response.content.decode()
    assert f'action="{reverse("customfields:deactivate", args=[definition.pk])}"' in html
    assert 'data-confirm="Deactivate the field “Sector”?' in html
