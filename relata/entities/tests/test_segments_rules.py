"""Segments: validation of definitions, the segment services, and the selectors' sharing and
scoping."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from relata.entities.models import Segment, Tag
from relata.entities.segments import (
    definition_clean,
    definition_describe,
    segment_count,
    segment_create,
    segment_delete,
    segment_entities,
    segment_get,
    segment_list,
    segment_update,
)
from relata.entities.tests.test_segments import (  # noqa: F401
    cond,
    custom_fields,
    kinds,
    make,
    messages,
    world,
)

pytestmark = pytest.mark.django_db


# --- Validation ---------------------------------------------------------------------------


def test_clean_returns_the_canonical_form(world, kinds):
    raw = {
        "conditions": [
            {"field": "kind", "operator": "in", "value": ["seg-customer", kinds["customer"].pk]},
            {"field": "is_active", "operator": "eq", "value": "true"},
            {"field": "tags", "operator": "all", "value": ["VIP"]},
            {"field": "zone", "operator": "is_empty", "value": "ignored"},
            {"field": "history.contacts", "operator": "gte", "value": "2"},
        ]
    }

    assert definition_clean(raw) == {
        "op": "and",
        "conditions": [
            {"field": "kind", "operator": "in", "value": [kinds["customer"].pk]},
            {"field": "is_active", "operator": "eq", "value": True},
            {"field": "tags", "operator": "all", "value": [Tag.objects.get(name="VIP").pk]},
            {"field": "zone", "operator": "is_empty"},
            {"field": "history.contacts", "operator": "gte", "value": 2},
        ],
    }


def test_unknown_field_bad_operator_and_wrong_values_are_named(kinds, custom_fields):
    definition = {
        "op": "and",
        "conditions": [
            {"field": "colour_of_door", "operator": "eq", "value": "red"},
            {"field": "kind", "operator": "gt", "value": kinds["customer"].pk},
            {"field": "custom.employees", "operator": "eq", "value": "many"},
            {
                "op": "or",
                "conditions": [
                    {"field": "kind", "operator": "eq", "value": "no-such-kind"},
                    {"field": "created_at", "operator": "eq", "value": "01/02/2025"},
                ],
            },
            {"field": "custom.employees", "operator": "between", "value": [10, 1]},
            {"field": "legal_name", "operator": "in", "value": "Acme"},
            {"field": "legal_name", "operator": "eq"},
            {
                "field": "kind",
                "operator": "eq",
                "value": kinds["customer"].pk,
                "period": {"last_days": 3},
            },
        ],
    }

    assert messages(definition) == [
        "Condition 1: unknown field “colour_of_door”.",
        "Condition 2 (Kind): the operator “gt” does not apply; use one of: eq (is), ne (is not), "
        "in (is any of), not_in (is none of), is_empty (is empty), is_not_empty (is not empty).",
        "Condition 3 (Employees): enter a whole number.",
        "Condition 4.1 (Kind): “no-such-kind” is not one of the choices.",
        "Condition 4.2 (Created on): enter a date as YYYY-MM-DD.",
        "Condition 5 (Employees): the first value must not be greater than the second.",
        "Condition 6 (Legal name): give a list of values.",
        "Condition 7 (Legal name): enter a value.",
        "Condition 8 (Kind): this field takes no period.",
    ]


def test_malformed_groups_are_rejected(db):
    assert messages([1, 2]) == ["The conditions must be a group: {“op”: …, “conditions”: […]}."]
    assert messages({"op": "xor", "conditions": []}) == ["“op” must be “and” or “or”, not “xor”."]
    assert messages({"op": "and", "conditions": "kind=1"}) == ["“conditions” must be a list."]
    assert messages({"op": "and", "conditions": [{"operator": "eq"}]}) == [
        "Condition 1: choose a field."
    ]


def test_too_many_conditions_are_rejected(db):
    many = {
        "op": "and",
        "conditions": [{"field": "legal_name", "operator": "eq", "value": "x"}] * 101,
    }

    assert messages(many) == ["Condition 101: use at most 100 conditions."]


def test_describe_reads_the_tree_in_words(world, kinds):
    definition = {
        "op": "and",
        "conditions": [
            {"field": "kind", "operator": "eq", "value": kinds["customer"].pk},
            {
                "op": "or",
                "conditions": [
                    {"field": "address.city", "operator": "eq", "value": "Bilbao"},
                    {"field": "history.contacts", "operator": "gte", "value": 2},
                    {"field": "created_at", "operator": "in_last_days", "value": 30},
                ],
            },
        ],
    }

    assert definition_describe(definition) == (
        "Kind is Customer and (City is “Bilbao” or Number of contacts at least 2 "
        "or Created on in the last 30 days)"
    )
    assert definition_describe({}) == "every entity"


# --- Services ---------------------------------------------------------------------------


def test_create_saves_a_canonical_segment_owned_by_its_creator(agent, kinds):
    segment = segment_create(
        user=agent, name="  Customers  ", definition=cond("kind", "eq", "seg-customer")
    )

    segment.refresh_from_db()
    assert segment.name == "Customers"
    assert segment.owner == agent
    assert segment.team is None
    assert segment.definition == cond("kind", "eq", kinds["customer"].pk)
    assert segment.history.first().history_user == agent


def test_create_refuses_bad_input_and_writes_nothing(agent, other_team, kinds):
    with pytest.raises(ValidationError) as error:
        segment_create(user=agent, name=" ", definition=cond("nope", "eq", 1), team=other_team)

    assert error.value.message_dict == {
        "name": ["Enter a name."],
        "definition": ["Condition 1: unknown field “nope”."],
        "team": ["You can share a segment only with one of your teams."],
    }
    assert Segment.objects.count() == 0


def test_read_only_users_cannot_save_segments(reader, kinds):
    with pytest.raises(PermissionDenied):
        segment_create(user=reader, name="Mine", definition={})

    assert Segment.objects.count() == 0


def test_update_and_delete_follow_the_permission_layer(agent, manager, team, kinds):
    segment = segment_create(user=manager, name="Team list", definition={}, team=team)

    with pytest.raises(PermissionDenied):
        segment_update(user=agent, segment=segment, data={"name": "Hijacked"})
    with pytest.raises(PermissionDenied):
        segment_delete(user=agent, segment=segment)

    segment_update(
        user=manager,
        segment=segment,
        data={"name": "Renamed", "definition": cond("zone", "is_empty")},
    )
    segment.refresh_from_db()
    assert segment.name == "Renamed"
    assert segment.definition == cond("zone", "is_empty")
    segment_delete(user=manager, segment=segment)
    assert Segment.objects.count() == 0


# --- Selectors: sharing and scoping -----------------------------------------------------


def test_shared_segment_is_visible_to_the_team_and_scoped_per_user(
    agent, manager, other_agent, team, kinds
):
    customer = kinds["customer"]
    make(agent, customer, "Agent's customer")
    make(manager, customer, "Manager's customer")
    make(other_agent, customer, "Outsider's customer")
    shared = segment_create(
        user=manager, name="Customers", definition=cond("kind", "eq", customer.pk), team=team
    )
    private = segment_create(user=manager, name="Private", definition={})

    assert list(segment_list(user=agent)) == [shared]
    assert list(segment_list(user=manager)) == [shared, private]
    assert list(segment_list(user=other_agent)) == []
    with pytest.raises(Segment.DoesNotExist):
        segment_get(user=agent, pk=private.pk)

    def seen(user):
        return sorted(e.legal_name for e in segment_entities(user=user, segment=shared))

    # Each member sees their part: the team's entities, not the outsider's.
    assert seen(agent) == ["Agent's customer", "Manager's customer"]
    assert seen(other_agent) == ["Outsider's customer"]
    assert segment_count(user=agent, segment=shared) == 2
    assert segment_count(user=other_agent, segment=shared) == 1


def test_administrators_see_every_segment(admin_user, agent, kinds):
    segment = segment_create(user=agent, name="Mine", definition={})

    assert list(segment_list(user=admin_user)) == [segment]


def test_count_of_an_unsaved_definition(admin_user, world):
    assert segment_count(user=admin_user, definition=cond("tags", "is_not_empty")) == 2
