"""Definition services: create, update, immutability, deactivation, order, permissions."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from relata.customfields import selectors, services
from relata.customfields.models import FieldDefinition, FieldType, Target

pytestmark = pytest.mark.django_db


def test_create_stores_the_definition_last_in_its_group_with_history(admin_user, make_field):
    make_field("sector")

    definition = services.field_definition_create(
        user=admin_user,
        target=Target.ENTITY,
        key="employees",
        label_en=" Employees ",
        label_es="Empleados",
        field_type=FieldType.INTEGER,
        default="25",
        show_in_list=True,
    )

    definition.refresh_from_db()
    assert (definition.key, definition.label_en, definition.label_es) == (
        "employees",
        "Employees",
        "Empleados",
    )
    assert definition.default == 25
    assert definition.order == 20
    assert definition.show_in_list is True
    assert [(h.history_type, h.history_user) for h in definition.history.all()] == [
        ("+", admin_user)
    ]


def test_create_is_refused_to_an_agent_and_saves_nothing(agent):
    with pytest.raises(PermissionDenied):
        services.field_definition_create(
            user=agent, target=Target.ENTITY, key="sector", label_en="Sector", field_type="text"
        )

    assert FieldDefinition.objects.count() == 0


def test_create_refuses_a_key_that_is_not_an_identifier(admin_user):
    with pytest.raises(ValidationError) as caught:
        services.field_definition_create(
            user=admin_user,
            target=Target.ENTITY,
            key="Budget-2025",
            label_en="Budget",
            field_type=FieldType.TEXT,
        )

    assert caught.value.message_dict == {
        "key": [
            "Use a lowercase letter followed by lowercase letters, digits or underscores "
            "(at most 50 characters)."
        ]
    }


def test_create_refuses_a_key_used_in_the_same_target_and_scope(make_field):
    make_field("sector")

    with pytest.raises(ValidationError) as caught:
        make_field("sector", FieldType.INTEGER)

    assert caught.value.message_dict == {
        "key": ["A field with the key “sector” already exists for entity."]
    }
    assert FieldDefinition.objects.count() == 1


def test_a_scoped_key_may_not_shadow_an_unscoped_one(make_field):
    make_field("priority", target=Target.CASE)

    with pytest.raises(ValidationError) as caught:
        make_field("priority", target=Target.CASE, scope="OPP")

    assert caught.value.message_dict == {
        "key": ["A field with the key “priority” already exists for case."]
    }


def test_two_scopes_and_two_targets_may_reuse_a_key(make_field):
    make_field("budget", target=Target.CASE, scope="OPP")
    make_field("budget", target=Target.CASE, scope="COMPLAINT")
    make_field("budget", target=Target.ENTITY)

    assert FieldDefinition.objects.filter(key="budget").count() == 3


@pytest.mark.parametrize(
    ("field_type", "choices", "errors"),
    [
        (FieldType.CHOICE, [], {"choices": ["Add at least one choice."]}),
        (
            FieldType.MULTIPLE_CHOICE,
            [{"value": "a", "label_en": "A"}, {"value": "a", "label_en": "Again"}],
            {"choices": ["The choice value “a” appears more than once."]},
        ),
        (
            FieldType.CHOICE,
            [{"value": "a", "label_en": ""}],
            {"choices": ["Each choice needs a value and an English label."]},
        ),
        (
            FieldType.TEXT,
            [{"value": "a", "label_en": "A"}],
            {"choices": ["Only choice fields have choices."]},
        ),
    ],
)
def test_create_checks_the_choices_against_the_type(admin_user, field_type, choices, errors):
    with pytest.raises(ValidationError) as caught:
        services.field_definition_create(
            user=admin_user,
            target=Target.ENTITY,
            key="tier",
            label_en="Tier",
            field_type=field_type,
            choices=choices,
        )

    assert caught.value.message_dict == errors
    assert FieldDefinition.objects.count() == 0


def test_create_stores_choices_trimmed_with_an_empty_spanish_label(make_field):
    definition = make_field(
        "tier", FieldType.CHOICE, choices=[{"value": " gold ", "label_en": " Gold "}]
    )

    assert definition.choices == [{"value": "gold", "label_en": "Gold", "label_es": ""}]


@pytest.mark.parametrize(
    ("field_type", "default", "message"),
    [
        (FieldType.INTEGER, "many", "Enter a whole number."),
        (FieldType.CHOICE, "purple", "“purple” is not one of the choices."),
        (FieldType.DATE, "31/12/2025", "Enter a valid date."),
    ],
)
def test_create_checks_the_default_as_a_value(make_field, field_type, default, message):
    with pytest.raises(ValidationError) as caught:
        make_field("thing", field_type, default=default)

    assert caught.value.message_dict == {"default": [message]}


def test_update_changes_labels_and_records_who(admin_user, make_field):
    definition = make_field("sector", label_en="Sector")

    services.field_definition_update(
        user=admin_user, definition=definition, data={"label_es": "Sector (ES)", "required": True}
    )

    definition.refresh_from_db()
    assert (definition.label_es, definition.required) == ("Sector (ES)", True)
    latest = definition.history.first()
    assert (latest.history_type, latest.history_user, latest.label_es) == (
        "~",
        admin_user,
        "Sector (ES)",
    )


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            {"key": "industry"},
            {
                "key": [
                    "The key cannot be changed once the field exists; create a new field instead."
                ]
            },
        ),
        (
            {"field_type": FieldType.INTEGER},
            {
                "field_type": [
                    "The type cannot be changed once the field exists, because the values "
                    "already stored would no longer match it; create a new field instead."
                ]
            },
        ),
        (
            {"target": Target.CONTACT},
            {"target": ["The record type cannot be changed once the field exists."]},
        ),
    ],
)
def test_update_refuses_to_change_target_key_or_type(admin_user, make_field, data, errors):
    definition = make_field("sector", label_en="Sector")

    with pytest.raises(ValidationError) as caught:
        services.field_definition_update(
            user=admin_user, definition=definition, data={**data, "label_en": "Changed"}
        )

    assert caught.value.message_dict == errors
    stored = FieldDefinition.objects.get(pk=definition.pk)
    assert (stored.target, stored.key, stored.field_type, stored.label_en) == (
        Target.ENTITY,
        "sector",
        FieldType.TEXT,
        "Sector",
    )


def test_update_accepts_the_unchanged_key_and_type(admin_user, make_field):
    definition = make_field("sector")

    services.field_definition_update(
        user=admin_user,
        definition=definition,
        data={"key": "sector", "field_type": FieldType.TEXT, "label_en": "Industry"},
    )

    assert FieldDefinition.objects.get(pk=definition.pk).label_en == "Industry"


def test_update_is_refused_to_an_agent_and_changes_nothing(agent, make_field):
    definition = make_field("sector", label_en="Sector")

    with pytest.raises(PermissionDenied):
        services.field_definition_update(
            user=agent, definition=definition, data={"label_en": "Hacked"}
        )

    assert FieldDefinition.objects.get(pk=definition.pk).label_en == "Sector"


def test_update_is_seen_at_once_by_the_cached_selector(admin_user, make_field):
    definition = make_field("sector", label_en="Sector")
    assert [d.label_en for d in selectors.field_definitions(target=Target.ENTITY)] == ["Sector"]

    services.field_definition_update(
        user=admin_user, definition=definition, data={"label_en": "Industry"}
    )

    assert [d.label_en for d in selectors.field_definitions(target=Target.ENTITY)] == ["Industry"]


def test_delete_deactivates_and_hides_the_field(admin_user, make_field):
    definition = make_field("sector")
    make_field("employees", FieldType.INTEGER)

    services.field_definition_delete(user=admin_user, definition=definition)

    assert FieldDefinition.objects.get(pk=definition.pk).is_active is False
    assert [d.key for d in selectors.field_definitions(target=Target.ENTITY)] == ["employees"]
    assert [
        d.key for d in selectors.field_definitions(target=Target.ENTITY, active_only=False)
    ] == ["sector", "employees"]


def test_delete_is_refused_to_an_agent(agent, make_field):
    definition = make_field("sector")

    with pytest.raises(PermissionDenied):
        services.field_definition_delete(user=agent, definition=definition)

    assert FieldDefinition.objects.get(pk=definition.pk).is_active is True


def test_reorder_puts_named_keys_first_and_keeps_the_rest(admin_user, make_field):
    for key in ("a", "b", "c", "d"):
        make_field(key)

    services.field_definitions_reorder(
        user=admin_user, target=Target.ENTITY, scope="", keys=["c", "a"]
    )

    assert list(FieldDefinition.objects.order_by("order").values_list("key", "order")) == [
        ("c", 10),
        ("a", 20),
        ("b", 30),
        ("d", 40),
    ]
    assert [d.key for d in selectors.field_definitions(target=Target.ENTITY)] == [
        "c",
        "a",
        "b",
        "d",
    ]


def test_reorder_refuses_unknown_and_repeated_keys(admin_user, make_field):
    make_field("a")

    with pytest.raises(ValidationError) as unknown:
        services.field_definitions_reorder(user=admin_user, target=Target.ENTITY, keys=["a", "zz"])
    with pytest.raises(ValidationError) as repeated:
        services.field_definitions_reorder(user=admin_user, target=Target.ENTITY, keys=["a", "a"])

    assert unknown.value.message_dict == {"keys": ["Unknown fields: zz."]}
    assert repeated.value.message_dict == {"keys": ["Each field may appear only once."]}


def test_reorder_is_refused_to_an_agent(agent, make_field):
    make_field("a")
    make_field("b")

    with pytest.raises(PermissionDenied):
        services.field_definitions_reorder(user=agent, target=Target.ENTITY, keys=["b", "a"])

    assert list(FieldDefinition.objects.order_by("order").values_list("key", flat=True)) == [
        "a",
        "b",
    ]


def test_move_swaps_with_the_neighbour_and_stops_at_the_ends(admin_user, make_field):
    a, _b, c = make_field("a"), make_field("b"), make_field("c")

    services.field_definition_move(user=admin_user, definition=c, offset=-1)
    services.field_definition_move(user=admin_user, definition=a, offset=-1)

    assert list(FieldDefinition.objects.order_by("order").values_list("key", flat=True)) == [
        "a",
        "c",
        "b",
    ]


@pytest.mark.django_db
def test_demo_adds_custom_fields_once():
    from relata.core import demo_runner
    from relata.customfields.models import FieldDefinition

    demo_runner.run(seed=1, entities=0, show_progress=False)
    demo_runner.run(seed=1, entities=0, show_progress=False)

    # The free-use fields seeded per case type (scoped) are not the demo's.
    keys = sorted(FieldDefinition.objects.filter(scope="").values_list("target", "key"))
    assert keys == [
        ("case", "competitor"),
        ("contact", "birthday"),
        ("contact", "linkedin"),
        ("entity", "annual_revenue"),
        ("entity", "employees"),
        ("entity", "marketing_consent"),
        ("entity", "preferred_channel"),
    ]
