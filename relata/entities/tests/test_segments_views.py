"""Segment pages through the test client: builder (htmx and plain), list, detail, count,
export and delete, with the permission layer."""

from __future__ import annotations

import pytest
from django.urls import reverse

from relata.entities import services
from relata.entities.models import EntityKind, KindMeaning, Segment
from relata.entities.segments import segment_create

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
NS = "entities:entities_segments"


@pytest.fixture
def customer(db):
    return EntityKind.objects.create(
        code="segv-customer", label_en="Customer", meaning=KindMeaning.CUSTOMER
    )


@pytest.fixture
def entities(admin_user, agent, other_agent, customer):
    make = services.entity_create
    return {
        "mine": make(user=agent, data={"kind": customer, "legal_name": "Aceros Norte"}),
        "mine_inactive": make(
            user=agent, data={"kind": customer, "legal_name": "Bodegas Sur", "is_active": False}
        ),
        "theirs": make(user=other_agent, data={"kind": customer, "legal_name": "Ajenos S.L."}),
    }


def url(name, *args):
    return reverse(f"{NS}:{name}", args=args)


def builder_post(**fields):
    data = {"g-r-op": "and"}
    data.update(fields)
    return data


# --- Builder ----------------------------------------------------------------------------


def test_builder_starts_with_one_empty_condition_and_counts_what_the_user_sees(
    client, agent, entities
):
    client.force_login(agent)

    response = client.get(url("builder"))

    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="c-r.0-field"' in body
    assert 'id="segment-count">2<' in body
    assert "Aceros Norte" in body
    assert "Ajenos" not in body


def test_changing_the_field_resets_operator_and_value(client, agent, entities):
    client.force_login(agent)

    response = client.post(
        url("builder"),
        builder_post(**{"c-r.0-field": "is_active", "c-r.0-was": "", "c-r.0-operator": ""}),
        **HTMX,
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<form id="segment-editor"')
    assert '<option value="eq" selected>is</option>' in body
    assert 'name="c-r.0-value"' in body


def test_a_complete_condition_updates_the_live_count(client, agent, entities):
    client.force_login(agent)

    response = client.post(
        url("builder"),
        builder_post(
            **{
                "c-r.0-field": "is_active",
                "c-r.0-was": "is_active",
                "c-r.0-operator": "eq",
                "c-r.0-value": "false",
            }
        ),
        **HTMX,
    )

    body = response.content.decode()
    assert 'id="segment-count">1<' in body
    assert "Bodegas Sur" in body
    assert "Aceros Norte" not in body
    assert "Active is no" in body


def test_add_group_and_remove_buttons_change_the_tree(client, agent, entities):
    client.force_login(agent)
    base = {"c-r.0-field": "legal_name", "c-r.0-was": "legal_name", "c-r.0-operator": "eq"}

    added = client.post(url("builder"), builder_post(**base, action="group:r"), **HTMX)
    removed = client.post(
        url("builder"),
        builder_post(**base, **{"g-r.1-op": "or", "c-r.1.0-field": ""}, action="remove:r.0"),
        **HTMX,
    )

    added_body = added.content.decode()
    assert 'name="g-r.1-op"' in added_body
    assert 'name="c-r.1.0-field"' in added_body
    removed_body = removed.content.decode()
    assert 'name="c-r.0-field"' not in removed_body
    assert 'name="g-r.0-op"' in removed_body  # the group moved up to first place


def test_incomplete_conditions_show_messages_instead_of_a_count(client, agent, entities):
    client.force_login(agent)

    response = client.post(
        url("builder"),
        builder_post(
            **{"c-r.0-field": "legal_name", "c-r.0-was": "legal_name", "c-r.0-operator": "eq"}
        ),
        **HTMX,
    )

    body = response.content.decode()
    assert "Condition 1 (Legal name): enter a value." in body
    assert 'id="segment-count"' not in body


def test_save_creates_a_segment_and_redirects_htmx_to_it(client, agent, team, entities):
    client.force_login(agent)

    response = client.post(
        url("builder"),
        builder_post(
            **{
                "c-r.0-field": "legal_name",
                "c-r.0-was": "legal_name",
                "c-r.0-operator": "contains",
                "c-r.0-value": "aceros",
                "name": "Steel",
                "team": str(team.pk),
                "save": "new",
            }
        ),
        **HTMX,
    )

    segment = Segment.objects.get()
    assert response.status_code == 204
    assert response["HX-Redirect"] == url("detail", segment.pk)
    assert segment.name == "Steel"
    assert segment.owner == agent
    assert segment.team == team
    assert segment.definition == {
        "op": "and",
        "conditions": [{"field": "legal_name", "operator": "contains", "value": "aceros"}],
    }


def test_save_without_javascript_redirects(client, agent, entities):
    client.force_login(agent)

    response = client.post(url("builder"), builder_post(name="All mine", save="new"))

    segment = Segment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("detail", segment.pk)
    assert segment.definition == {"op": "and", "conditions": []}


def test_save_needs_a_name_and_valid_conditions(client, agent, entities):
    client.force_login(agent)

    nameless = client.post(url("builder"), builder_post(name="", save="new"), **HTMX)
    invalid = client.post(
        url("builder"),
        builder_post(
            **{
                "c-r.0-field": "legal_name",
                "c-r.0-was": "legal_name",
                "c-r.0-operator": "eq",
                "name": "Broken",
                "save": "new",
            }
        ),
        **HTMX,
    )

    assert "Enter a name to save the segment." in nameless.content.decode()
    assert "Fix the conditions before saving." in invalid.content.decode()
    assert Segment.objects.count() == 0


def test_edit_saves_changes_into_the_segment(client, agent, entities):
    segment = segment_create(user=agent, name="Old", definition={})
    client.force_login(agent)

    page = client.get(url("edit", segment.pk))
    response = client.post(
        url("edit", segment.pk),
        builder_post(
            **{
                "c-r.0-field": "is_active",
                "c-r.0-was": "is_active",
                "c-r.0-operator": "eq",
                "c-r.0-value": "true",
                "name": "New",
                "save": "this",
            }
        ),
    )

    assert page.status_code == 200
    assert 'value="Old"' in page.content.decode()
    assert response.status_code == 302
    segment.refresh_from_db()
    assert segment.name == "New"
    assert segment.definition["conditions"] == [
        {"field": "is_active", "operator": "eq", "value": True}
    ]
    assert Segment.objects.count() == 1


def test_a_team_mate_cannot_save_into_a_shared_segment(client, agent, manager, team, entities):
    segment = segment_create(user=manager, name="Shared", definition={}, team=team)
    client.force_login(agent)

    page = client.get(url("edit", segment.pk))
    response = client.post(url("edit", segment.pk), builder_post(name="Mine now", save="this"))

    assert "Save changes" not in page.content.decode()
    assert response.status_code == 200
    assert "You do not have permission to do this." in response.content.decode()
    segment.refresh_from_db()
    assert segment.name == "Shared"


# --- List, detail, count, export, delete --------------------------------------------------


def test_list_shows_own_and_shared_segments_only(client, agent, manager, other_agent, team):
    segment_create(user=agent, name="Mine", definition={})
    segment_create(user=manager, name="Team's", definition={}, team=team)
    segment_create(user=manager, name="Manager's private", definition={})
    segment_create(user=other_agent, name="Outsider's", definition={})
    client.force_login(agent)

    body = client.get(url("list")).content.decode()

    assert "Mine" in body
    assert "Team&#x27;s" in body
    assert "private" not in body
    assert "Outsider" not in body


def test_detail_and_count_show_only_what_the_viewer_may_see(
    client, agent, other_agent, team, entities
):
    segment = segment_create(user=agent, name="Everything", definition={}, team=None)
    shared = segment_create(user=other_agent, name="Theirs", definition={})
    client.force_login(agent)

    detail = client.get(url("detail", segment.pk))
    count = client.get(url("count", segment.pk))
    hidden = client.get(url("detail", shared.pk))

    body = detail.content.decode()
    assert 'id="segment-count"' in body
    assert "Aceros Norte" in body
    assert "Ajenos" not in body
    assert count.content.decode().strip() == '<span class="fw-semibold">2</span>'
    assert hidden.status_code == 404


def test_detail_pages_through_htmx_fragment(client, agent, entities):
    segment = segment_create(user=agent, name="Everything", definition={})
    client.force_login(agent)

    response = client.get(url("detail", segment.pk), HTTP_HX_TARGET="segment-results", **HTMX)

    body = response.content.decode()
    assert "<h1>" not in body
    assert "Aceros Norte" in body


def test_export_neutralises_formulas_and_is_scoped(client, agent, other_agent, customer):
    services.entity_create(user=agent, data={"kind": customer, "legal_name": "=HYPERLINK(1)"})
    services.entity_create(user=other_agent, data={"kind": customer, "legal_name": "Hidden"})
    segment = segment_create(user=agent, name="All", definition={})
    client.force_login(agent)

    response = client.get(url("export", segment.pk) + "?format=csv")

    content = b"".join(response.streaming_content).decode("utf-8-sig")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "'=HYPERLINK(1)" in content
    assert "Hidden" not in content
    assert client.get(url("export", segment.pk) + "?format=pdf").status_code == 400


def test_delete_by_owner_and_refused_to_others(client, agent, manager, team):
    shared = segment_create(user=manager, name="Shared", definition={}, team=team)
    mine = segment_create(user=agent, name="Mine", definition={})
    client.force_login(agent)

    refused = client.post(url("delete", shared.pk))
    deleted = client.post(url("delete", mine.pk))

    assert refused.status_code == 403
    assert deleted.status_code == 302
    assert list(Segment.objects.values_list("name", flat=True)) == ["Shared"]
