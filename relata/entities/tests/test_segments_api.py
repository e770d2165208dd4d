"""``/api/v1/segments/``: CRUD through the services, count, entities, preview, and the
permission layer (403 for what one may see but not change, 404 for what one may not see)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from relata.entities import services
from relata.entities.models import EntityKind, KindMeaning, Segment
from relata.entities.segments import segment_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(db):
    return EntityKind.objects.create(
        code="customer", label_en="Customer", meaning=KindMeaning.CUSTOMER
    )


@pytest.fixture
def entities(agent, other_agent, customer):
    make = services.entity_create
    make(user=agent, data={"kind": customer, "legal_name": "Aceros Norte"})
    make(user=agent, data={"kind": customer, "legal_name": "Bodegas Sur", "is_active": False})
    make(user=other_agent, data={"kind": customer, "legal_name": "Ajenos"})


def detail(segment, suffix=""):
    name = f"segment-{suffix}" if suffix else "segment-detail"
    return reverse(name, args=[segment.pk])


ACTIVE = {"op": "and", "conditions": [{"field": "is_active", "operator": "eq", "value": True}]}


def test_create_returns_the_canonical_segment(api_client, agent, team, customer):
    api_client.force_authenticate(agent)

    response = api_client.post(
        reverse("segment-list"),
        {
            "name": "Customers",
            "definition": {
                "op": "and",
                "conditions": [{"field": "kind", "operator": "eq", "value": "customer"}],
            },
            "team": team.pk,
        },
        format="json",
    )

    assert response.status_code == 201
    segment = Segment.objects.get()
    assert response.data["id"] == segment.pk
    assert response.data["owner"] == agent.pk
    assert response.data["team"] == team.pk
    assert response.data["definition"] == {
        "op": "and",
        "conditions": [{"field": "kind", "operator": "eq", "value": customer.pk}],
    }
    assert response.data["conditions_text"] == "Kind is Customer"


def test_invalid_definition_is_a_400_with_messages(api_client, agent):
    api_client.force_authenticate(agent)

    response = api_client.post(
        reverse("segment-list"),
        {"name": "Bad", "definition": {"op": "and", "conditions": [{"field": "x"}]}},
        format="json",
    )

    assert response.status_code == 400
    assert response.data["errors"] == {"definition": ["Condition 1: unknown field “x”."]}
    assert Segment.objects.count() == 0


def test_list_retrieve_update_and_delete(api_client, agent):
    segment = segment_create(user=agent, name="Mine", definition={})
    api_client.force_authenticate(agent)

    listed = api_client.get(reverse("segment-list"))
    updated = api_client.patch(
        detail(segment), {"name": "Active", "definition": ACTIVE}, format="json"
    )
    fetched = api_client.get(detail(segment))
    deleted = api_client.delete(detail(segment))

    assert [s["name"] for s in listed.data["results"]] == ["Mine"]
    assert updated.status_code == 200
    assert fetched.data["name"] == "Active"
    assert fetched.data["definition"] == ACTIVE
    assert deleted.status_code == 204
    assert Segment.objects.count() == 0


def test_count_and_entities_are_scoped_to_the_caller(api_client, agent, other_agent, entities):
    segment = segment_create(user=agent, name="Active", definition=ACTIVE)
    api_client.force_authenticate(agent)

    count = api_client.get(detail(segment, "count"))
    listed = api_client.get(detail(segment, "entities"))

    assert count.data == {"count": 1}
    assert [e["legal_name"] for e in listed.data["results"]] == ["Aceros Norte"]


def test_preview_checks_and_counts_without_saving(api_client, reader, entities):
    api_client.force_authenticate(reader)

    response = api_client.post(
        reverse("segment-preview"), {"definition": {"conditions": []}}, format="json"
    )

    # The reader is in the agent's team: they see the agent's two entities.
    assert response.status_code == 200
    assert response.data == {"count": 2, "definition": {"op": "and", "conditions": []}}
    assert Segment.objects.count() == 0


def test_team_mate_may_read_a_shared_segment_but_not_change_it(api_client, agent, manager, team):
    shared = segment_create(user=manager, name="Shared", definition={}, team=team)
    api_client.force_authenticate(agent)

    read = api_client.get(detail(shared))
    changed = api_client.patch(detail(shared), {"name": "Mine"}, format="json")
    deleted = api_client.delete(detail(shared))

    assert read.status_code == 200
    assert changed.status_code == 403
    assert deleted.status_code == 403
    shared.refresh_from_db()
    assert shared.name == "Shared"


def test_private_segments_of_others_are_not_found(api_client, agent, manager, other_agent):
    private = segment_create(user=manager, name="Private", definition={})
    api_client.force_authenticate(agent)

    assert api_client.get(detail(private)).status_code == 404
    assert api_client.get(detail(private, "count")).status_code == 404
    assert api_client.delete(detail(private)).status_code == 404
    assert Segment.objects.count() == 1


def test_sharing_with_someone_elses_team_is_refused(api_client, agent, other_team):
    api_client.force_authenticate(agent)

    response = api_client.post(
        reverse("segment-list"), {"name": "X", "team": other_team.pk}, format="json"
    )

    assert response.status_code == 400
    assert response.data["errors"] == {
        "team": ["You can share a segment only with one of your teams."]
    }


def test_read_only_users_cannot_create(api_client, reader):
    api_client.force_authenticate(reader)

    response = api_client.post(reverse("segment-list"), {"name": "X"}, format="json")

    assert response.status_code == 403
    assert Segment.objects.count() == 0


def test_anonymous_callers_are_refused(api_client):
    assert api_client.get(reverse("segment-list")).status_code == 401
