"""Settings → classification lists: administrators only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from relata.entities.models import EntityKind, KindMeaning, Sector, Source

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("fixture", ["agent", "manager", "reader"])
def test_only_administrators_open_the_lists(client, request, fixture, source):
    client.force_login(request.getfixturevalue(fixture))

    assert client.get(reverse("entities:settings_list", args=["sources"])).status_code == 403
    assert client.get(reverse("entities:settings_create", args=["sources"])).status_code == 403
    post = client.post(reverse("entities:settings_deactivate", args=["sources", source.pk]))
    assert post.status_code == 403
    source.refresh_from_db()
    assert source.is_active is True


def test_unknown_list_is_404(client, admin_user):
    client.force_login(admin_user)

    assert client.get(reverse("entities:settings_list", args=["colours"])).status_code == 404


def test_administrator_adds_a_kind_with_its_meaning(client, admin_user):
    client.force_login(admin_user)

    response = client.post(
        reverse("entities:settings_create", args=["kinds"]),
        {
            "code": "lead",
            "label_en": "Lead",
            "label_es": "Contacto",
            "meaning": "prospect",
            "order": "0",
        },
    )

    kind = EntityKind.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("entities:settings_list", args=["kinds"])
    assert (kind.code, kind.label_en, kind.meaning, kind.order) == (
        "lead",
        "Lead",
        KindMeaning.PROSPECT,
        10,
    )


def test_sectors_have_no_meaning_input(client, admin_user):
    client.force_login(admin_user)

    form = client.get(reverse("entities:settings_create", args=["sectors"])).context["form"]

    assert "meaning" not in form.fields
    assert "is_active" not in form.fields


def test_duplicate_code_shows_the_error(client, admin_user, source):
    client.force_login(admin_user)

    response = client.post(
        reverse("entities:settings_create", args=["sources"]),
        {"code": "web", "label_en": "Web again", "order": "0"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["code"] == ["Source with this Code already exists."]
    assert Source.objects.count() == 1


def test_edit_keeps_the_code_and_deactivate_hides_the_value_from_forms(
    client, admin_user, agent, kinds
):
    sector = Sector.objects.create(code="food", label_en="Food")
    client.force_login(admin_user)

    client.post(
        reverse("entities:settings_edit", args=["sectors", sector.pk]),
        {"code": "changed", "label_en": "Food and drink", "order": "5", "is_active": "on"},
    )
    client.post(reverse("entities:settings_deactivate", args=["sectors", sector.pk]))
    client.force_login(agent)
    form = client.get(reverse("entities:create")).context["form"]

    sector.refresh_from_db()
    assert (sector.code, sector.label_en, sector.order, sector.is_active) == (
        "food",
        "Food and drink",
        5,
        False,
    )
    assert list(form.fields["sector"].queryset) == []


def test_list_shows_inactive_values_last(client, admin_user):
    Source.objects.create(code="old", label_en="Old", order=1, is_active=False)
    Source.objects.create(code="web", label_en="Web", order=2)
    client.force_login(admin_user)

    response = client.get(reverse("entities:settings_list", args=["sources"]))

    assert [v.code for v in response.context["values"]] == ["web", "old"]
    assert response.context["nav_current"] == "settings"
