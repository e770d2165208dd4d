"""Entity pages: list (search, filters, sorting, columns, bulk actions), detail, forms,
edit in place, delete and lead conversion, with the permission layer."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from relata.customfields.models import FieldType, Target
from relata.customfields.services import field_definition_create
from relata.entities import services
from relata.entities.models import Entity, Tag

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
ROWS = {**HTMX, "HTTP_HX_TARGET": "entity-rows"}


def make_entity(user, kind, name, **data):
    return services.entity_create(user=user, data={"kind": kind, "legal_name": name, **data})


def entity_form(kind, **changes):
    data = {
        "legal_name": "Aceros del Norte S.L.",
        "trade_name": "",
        "kind": kind.pk,
        "is_company": "on",
        "is_active": "on",
        "tax_id": "",
        "website": "",
        "tags": "",
        "notes": "",
        "address_0_kind": "main",
        "address_0_country": "ES",
        "address_1_kind": "other",
        "address_1_country": "ES",
    }
    data.update(changes)
    return data


@pytest.fixture
def employees(admin_user):
    return field_definition_create(
        user=admin_user,
        target=Target.ENTITY,
        key="employees",
        label_en="Employees",
        field_type=FieldType.INTEGER,
        show_in_filters=True,
        show_in_list=True,
    )


# --- List ------------------------------------------------------------------------------


def test_list_needs_login(client):
    response = client.get(reverse("entities:list"))

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/entities/"


def test_agent_lists_only_the_entities_the_permission_layer_allows(
    client, agent, other_agent, manager, kinds
):
    make_entity(agent, kinds["customer"], "Own Company")
    make_entity(manager, kinds["customer"], "Team Company")
    make_entity(other_agent, kinds["customer"], "Foreign Company")
    client.force_login(agent)

    response = client.get(reverse("entities:list"))

    assert response.status_code == 200
    names = [entity.legal_name for entity, _cells in response.context["rows"]]
    assert names == ["Own Company", "Team Company"]
    assert response.context["nav_current"] == "entities"
    assert "Foreign Company" not in response.content.decode()


def test_agent_gets_404_for_an_entity_of_another_team(client, agent, other_agent, kinds):
    foreign = make_entity(other_agent, kinds["customer"], "Foreign Company")
    client.force_login(agent)

    assert client.get(reverse("entities:detail", args=[foreign.pk])).status_code == 404
    assert client.get(reverse("entities:edit", args=[foreign.pk])).status_code == 404
    assert client.post(reverse("entities:delete", args=[foreign.pk])).status_code == 404
    assert Entity.objects.filter(pk=foreign.pk).exists()


def test_search_finds_entities_by_contact_name_and_htmx_gets_only_the_rows(client, agent, kinds):
    entity = make_entity(agent, kinds["customer"], "Aceros del Norte S.L.")
    services.contact_create(
        user=agent, entity=entity, data={"first_name": "Lucía", "last_name": "Ibáñez"}
    )
    make_entity(agent, kinds["customer"], "Bodegas Riojanas S.A.")
    client.force_login(agent)

    response = client.get(reverse("entities:list"), {"q": "lucía"}, **ROWS)

    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert 'id="entity-filters"' not in body
    assert "Aceros del Norte S.L." in body
    assert "Bodegas Riojanas" not in body
    assert "1 entity" in body


def test_filters_on_classification_fields_and_active_state(client, agent, kinds, zone):
    make_entity(agent, kinds["customer"], "North Customer", zone=zone)
    make_entity(agent, kinds["prospect"], "North Prospect", zone=zone)
    make_entity(agent, kinds["customer"], "Inactive Customer", zone=zone, is_active=False)
    make_entity(agent, kinds["customer"], "Nowhere Customer")
    client.force_login(agent)

    response = client.get(
        reverse("entities:list"),
        {"kind": kinds["customer"].pk, "zone": zone.pk, "is_active": "1"},
    )

    names = [entity.legal_name for entity, _cells in response.context["rows"]]
    assert names == ["North Customer"]
    assert response.context["form"].active_filter_count() == 3


def test_invalid_filter_values_are_ignored(client, agent, kinds):
    make_entity(agent, kinds["customer"], "Some Company")
    client.force_login(agent)

    response = client.get(
        reverse("entities:list"), {"kind": "nope", "owner": "999999", "page_size": "7"}
    )

    assert response.status_code == 200
    assert [e.legal_name for e, _c in response.context["rows"]] == ["Some Company"]
    assert response.context["page_obj"].paginator.per_page == 25


def test_filter_on_a_custom_field_marked_filterable(client, agent, kinds, employees):
    services.entity_create(
        user=agent,
        data={"kind": kinds["customer"], "legal_name": "Big"},
        custom={"employees": 250},
    )
    services.entity_create(
        user=agent,
        data={"kind": kinds["customer"], "legal_name": "Small"},
        custom={"employees": 3},
    )
    client.force_login(agent)

    response = client.get(reverse("entities:list"), {"cf_employees": "250"})

    assert [e.legal_name for e, _c in response.context["rows"]] == ["Big"]
    assert 'name="cf_employees"' in response.content.decode()


def test_sorting_by_name_descending(client, agent, kinds):
    for name in ("Beta", "Alpha", "Gamma"):
        make_entity(agent, kinds["customer"], name)
    client.force_login(agent)

    response = client.get(reverse("entities:list"), {"sort": "-name"})

    assert [e.legal_name for e, _c in response.context["rows"]] == ["Gamma", "Beta", "Alpha"]


def test_column_chooser_is_remembered_for_the_session(client, agent, kinds, employees):
    services.entity_create(
        user=agent,
        data={"kind": kinds["customer"], "legal_name": "Big", "tax_id": "B12345674"},
        custom={"employees": 1500},
    )
    client.force_login(agent)

    response = client.post(
        reverse("entities:columns"),
        {"columns": ["tax_id", "cf_employees", "bogus"], "next": "/entities/?q=big"},
    )
    page = client.get(reverse("entities:list"))

    assert response.status_code == 302
    assert response["Location"] == "/entities/?q=big"
    assert client.session["entities.list.columns"] == ["tax_id", "cf_employees"]
    assert page.context["columns"] == ["tax_id", "cf_employees"]
    assert page.context["rows"][0][1] == ["1,500"]
    body = page.content.decode()
    assert "B12345674" in body
    assert "Main email" in body  # still offered in the chooser


def test_export_link_carries_the_current_filters(client, agent, kinds):
    make_entity(agent, kinds["customer"], "Some Company")
    client.force_login(agent)

    response = client.get(
        reverse("entities:list"), {"q": "some", "kind": kinds["customer"].pk, "page": "1"}
    )

    kind = kinds["customer"].pk
    assert response.context["export_url"] == f"/entities/import/export/?q=some&kind={kind}"
    assert response.context["export_xlsx_url"] == (
        f"/entities/import/export/?q=some&kind={kind}&format=xlsx"
    )


def test_empty_list_explains_and_offers_to_create(client, agent, kinds):
    client.force_login(agent)

    body = client.get(reverse("entities:list")).content.decode()

    assert "No entities yet" in body
    assert reverse("entities:create") in body


def test_list_runs_the_same_queries_whatever_the_page_size(
    client, agent, kinds, zone, source, employees, django_assert_num_queries
):
    for number in range(120):
        entity = services.entity_create(
            user=agent,
            data={"kind": kinds["customer"], "legal_name": f"Company {number:03}", "zone": zone},
            emails=[{"email": f"info{number}@example.com"}],
            phones=[{"number": "944123456"}],
            addresses=[{"street": "Calle Mayor 1", "city": "Bilbao"}],
            tags=["VIP", f"T{number % 3}"],
            custom={"employees": number},
        )
    services.contact_create(user=agent, entity=entity, data={"first_name": "Ana"})
    client.force_login(agent)
    client.post(
        reverse("entities:columns"),
        {
            "columns": [
                "tax_id",
                "kind",
                "email",
                "phone",
                "city",
                "owner",
                "team",
                "tags",
                "cf_employees",
            ]
        },
    )
    url = reverse("entities:list")
    client.get(url, {"page_size": 25})  # warm the custom-field cache, as every later request

    with CaptureQueriesContext(connection) as small:
        response_25 = client.get(url, {"page_size": 25, "zone": zone.pk})
    with django_assert_num_queries(len(small.captured_queries)):
        response_100 = client.get(url, {"page_size": 100, "zone": zone.pk})

    assert len(response_25.context["rows"]) == 25
    assert len(response_100.context["rows"]) == 100
    # 20 for the list, plus the unread-notification count of the top bar's bell.
    assert len(small.captured_queries) <= 21


# --- Bulk actions ----------------------------------------------------------------------


def test_manager_assigns_picked_entities_to_an_agent_of_the_team(
    client, manager, agent, team, kinds
):
    first = make_entity(manager, kinds["customer"], "First")
    second = make_entity(manager, kinds["customer"], "Second")
    make_entity(manager, kinds["customer"], "Third")
    client.force_login(manager)

    response = client.post(
        reverse("entities:bulk"),
        {"action": "assign", "ids": [first.pk, second.pk], "owner": agent.pk, "team": ""},
    )

    assert response.status_code == 302
    owners = dict(Entity.objects.values_list("legal_name", "owner__username"))
    assert owners == {"First": "alex", "Second": "alex", "Third": "maria"}
    teams = set(Entity.objects.values_list("team", flat=True))
    assert teams == {team.pk}  # "keep the team"


def test_agent_cannot_hand_entities_to_someone_else(client, agent, manager, kinds):
    entity = make_entity(agent, kinds["customer"], "Mine")
    client.force_login(agent)

    response = client.post(
        reverse("entities:bulk"),
        {"action": "assign", "ids": [entity.pk], "owner": manager.pk},
        follow=True,
    )

    entity.refresh_from_db()
    assert entity.owner == agent
    assert "Nothing was changed" in response.content.decode()


def test_bulk_add_tag(client, agent, kinds):
    first = make_entity(agent, kinds["customer"], "First")
    second = make_entity(agent, kinds["customer"], "Second")
    client.force_login(agent)

    client.post(reverse("entities:bulk"), {"action": "tag", "ids": [first.pk], "tag": " VIP "})

    assert list(first.tags.values_list("name", flat=True)) == ["VIP"]
    assert second.tags.count() == 0


def test_bulk_delete_asks_for_confirmation_first(client, agent, other_agent, kinds):
    first = make_entity(agent, kinds["customer"], "First")
    second = make_entity(agent, kinds["customer"], "Second")
    foreign = make_entity(other_agent, kinds["customer"], "Foreign")
    client.force_login(agent)

    confirmation = client.post(
        reverse("entities:bulk"),
        {"action": "delete", "ids": [first.pk, second.pk, foreign.pk], "next": "/entities/?q=x"},
    )

    assert confirmation.status_code == 200
    assert [e.legal_name for e in confirmation.context["entities"]] == ["First", "Second"]
    assert Entity.objects.count() == 3

    done = client.post(
        reverse("entities:bulk_delete"), {"ids": [first.pk, second.pk], "next": "/entities/?q=x"}
    )

    assert done.status_code == 302
    assert done["Location"] == "/entities/?q=x"
    assert list(Entity.objects.values_list("legal_name", flat=True)) == ["Foreign"]


def test_bulk_delete_of_a_team_entity_the_agent_cannot_change_deletes_nothing(
    client, agent, manager, kinds
):
    mine = make_entity(agent, kinds["customer"], "Mine")
    managers = make_entity(manager, kinds["customer"], "Manager's")
    client.force_login(agent)

    response = client.post(
        reverse("entities:bulk_delete"), {"ids": [mine.pk, managers.pk]}, follow=True
    )

    assert Entity.objects.count() == 2
    assert "Nothing was deleted" in response.content.decode()


def test_reader_cannot_use_bulk_actions(client, reader, agent, kinds):
    entity = make_entity(agent, kinds["customer"], "Mine")
    client.force_login(reader)

    response = client.post(
        reverse("entities:bulk"), {"action": "tag", "ids": [entity.pk], "tag": "x"}
    )

    assert response.status_code == 403
    assert Tag.objects.count() == 0
