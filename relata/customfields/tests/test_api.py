"""REST API for definitions, the CustomValuesField for records, and the OpenAPI schema."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.urls import path, reverse
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.utils import extend_schema
from openapi_spec_validator import validate
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from relata.customfields.api import CustomValuesField
from relata.customfields.models import FieldDefinition, FieldType, Target

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/custom-fields/"


def _detail_url(pk: int) -> str:
    return reverse("customfield-detail", args=[pk])


def test_list_url_is_the_router_one():
    assert reverse("customfield-list") == LIST_URL


def test_administrator_creates_a_field(api_client, admin_user):
    api_client.force_authenticate(admin_user)

    response = api_client.post(
        LIST_URL,
        {
            "target": "entity",
            "key": "tier",
            "field_type": "choice",
            "label_en": "Tier",
            "choices": [
                {"value": "gold", "label_en": "Gold", "label_es": "Oro"},
                {"value": "silver", "label_en": "Silver"},
            ],
            "default": "gold",
            "show_in_filters": True,
        },
        format="json",
    )

    body = response.json()
    definition = FieldDefinition.objects.get()
    assert response.status_code == 201
    assert body["id"] == definition.pk
    assert {k: body[k] for k in ("key", "label", "default", "order", "is_active", "scope")} == {
        "key": "tier",
        "label": "Tier",
        "default": "gold",
        "order": 10,
        "is_active": True,
        "scope": "",
    }
    assert body["choices"] == [
        {"value": "gold", "label_en": "Gold", "label_es": "Oro"},
        {"value": "silver", "label_en": "Silver", "label_es": ""},
    ]
    assert definition.history.get().history_user == admin_user


def test_agent_reads_the_definitions(api_client, agent, make_field):
    make_field("sector", label_en="Sector", label_es="Sector ES")
    make_field("birthday", FieldType.DATE, target=Target.CONTACT)
    api_client.force_authenticate(agent)

    response = api_client.get(LIST_URL, {"target": "entity"}, HTTP_ACCEPT_LANGUAGE="es")

    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 1
    assert [(r["key"], r["label"]) for r in body["results"]] == [("sector", "Sector ES")]


def test_agent_cannot_create_and_gets_a_json_error(api_client, agent):
    api_client.force_authenticate(agent)

    response = api_client.post(
        LIST_URL,
        {"target": "entity", "key": "sector", "field_type": "text", "label_en": "Sector"},
        format="json",
    )

    assert response.status_code == 403
    assert response.json() == {
        "detail": "Only administrators may change the configuration.",
        "code": "permission_denied",
    }
    assert FieldDefinition.objects.count() == 0


def test_anonymous_clients_are_refused(api_client):
    response = api_client.get(LIST_URL)

    assert response.status_code == 401


@pytest.mark.parametrize(
    ("choices", "errors"),
    [
        ([], {"choices": ["Add at least one choice."]}),
        (
            [{"value": "a", "label_en": "A"}, {"value": "a", "label_en": "B"}],
            {"choices": ["The choice value “a” appears more than once."]},
        ),
        ([{"label_en": "A"}], {"choices": {"0": {"value": ["This field is required."]}}}),
    ],
)
def test_invalid_choices_are_a_400_with_field_errors(api_client, admin_user, choices, errors):
    api_client.force_authenticate(admin_user)

    response = api_client.post(
        LIST_URL,
        {
            "target": "entity",
            "key": "tier",
            "field_type": "choice",
            "label_en": "Tier",
            "choices": choices,
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"] == errors
    assert FieldDefinition.objects.count() == 0


def test_an_invalid_key_is_a_400(api_client, admin_user):
    api_client.force_authenticate(admin_user)

    response = api_client.post(
        LIST_URL,
        {"target": "entity", "key": "9lives", "field_type": "text", "label_en": "Lives"},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["key"]


def test_changing_the_key_is_a_400_and_changes_nothing(api_client, admin_user, make_field):
    definition = make_field("sector", label_en="Sector")
    api_client.force_authenticate(admin_user)

    response = api_client.patch(
        _detail_url(definition.pk), {"key": "industry", "label_en": "Industry"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "key": ["The key cannot be changed once the field exists; create a new field instead."]
    }
    definition.refresh_from_db()
    assert (definition.key, definition.label_en) == ("sector", "Sector")


def test_administrator_updates_a_field(api_client, admin_user, make_field):
    definition = make_field("employees", FieldType.INTEGER)
    api_client.force_authenticate(admin_user)

    response = api_client.patch(
        _detail_url(definition.pk), {"default": "50", "required": True}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["default"], response.json()["required"]) == (50, True)


def test_delete_deactivates_with_204(api_client, admin_user, make_field):
    definition = make_field("sector")
    api_client.force_authenticate(admin_user)

    response = api_client.delete(_detail_url(definition.pk))

    assert response.status_code == 204
    assert FieldDefinition.objects.get(pk=definition.pk).is_active is False


def test_agent_cannot_delete(api_client, agent, make_field):
    definition = make_field("sector")
    api_client.force_authenticate(agent)

    response = api_client.delete(_detail_url(definition.pk))

    assert response.status_code == 403
    assert FieldDefinition.objects.get(pk=definition.pk).is_active is True


# --- CustomValuesField ------------------------------------------------------------------


class RecordSerializer(serializers.Serializer):
    name = serializers.CharField()
    custom = CustomValuesField(target=Target.ENTITY)


def _record(custom: dict[str, Any]) -> SimpleNamespace:
    return SimpleNamespace(name="Acme", custom=custom, custom_fields_scope="")


def test_custom_values_on_create_are_cleaned_with_defaults(make_field):
    make_field("employees", FieldType.INTEGER)
    make_field("tier", FieldType.CHOICE, default="red")

    serializer = RecordSerializer(data={"name": "Acme", "custom": {"employees": "12"}})

    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data["custom"] == {"employees": 12, "tier": "red"}


def test_custom_values_left_out_on_create_still_get_defaults_and_required(make_field):
    make_field("tier", FieldType.CHOICE, default="red")
    make_field("sector", required=True)

    serializer = RecordSerializer(data={"name": "Acme"})

    assert serializer.is_valid() is False
    assert serializer.errors == {"custom": {"sector": ["This field is required."]}}


def test_custom_values_errors_are_nested_under_custom(make_field):
    make_field("employees", FieldType.INTEGER)

    serializer = RecordSerializer(data={"name": "Acme", "custom": {"employees": "many", "nope": 1}})

    assert serializer.is_valid() is False
    assert serializer.errors == {
        "custom": {
            "employees": ["Enter a whole number."],
            "nope": ["There is no custom field “nope” here."],
        }
    }


def test_custom_values_must_be_an_object(make_field):
    serializer = RecordSerializer(data={"name": "Acme", "custom": ["x"]})

    assert serializer.is_valid() is False
    assert serializer.errors == {"custom": ["Enter an object of field values."]}


def test_custom_values_on_update_are_merged(make_field):
    make_field("employees", FieldType.INTEGER)
    make_field("notes")

    serializer = RecordSerializer(
        _record({"employees": 3, "notes": "old", "retired": "kept"}),
        data={"custom": {"notes": None, "employees": 4}},
        partial=True,
    )

    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data["custom"] == {"employees": 4, "retired": "kept"}


def test_custom_values_output_only_active_fields(admin_user, make_field):
    from relata.customfields.services import field_definition_delete

    make_field("employees", FieldType.INTEGER)
    field_definition_delete(user=admin_user, definition=make_field("retired"))

    data = RecordSerializer([_record({"employees": 3, "retired": "x"})], many=True).data

    assert data == [{"name": "Acme", "custom": {"employees": 3}}]


# --- OpenAPI ----------------------------------------------------------------------------


class RecordView(APIView):
    @extend_schema(request=RecordSerializer, responses=RecordSerializer)
    def post(self, request: Any) -> Response:
        return Response({})


def test_custom_values_field_is_a_named_component_in_the_schema():
    generator = SchemaGenerator(patterns=[path("records/", RecordView.as_view())])

    schema = generator.get_schema(request=None, public=True)

    components = schema["components"]["schemas"]
    assert components["Record"]["properties"]["custom"] == {
        "$ref": "#/components/schemas/CustomFieldValues"
    }
    values = components["CustomFieldValues"]
    assert values["type"] == "object"
    assert {"$ref": "#/components/schemas/CustomMoneyValue"} in values["additionalProperties"][
        "oneOf"
    ]
    assert components["CustomMoneyValue"]["required"] == ["amount"]
    validate(schema)


def test_project_schema_documents_the_custom_fields_endpoints(api_client, agent):
    api_client.force_authenticate(agent)

    response = api_client.get(reverse("api-schema"), {"format": "json"})

    schema = response.json()
    assert response.status_code == 200
    assert set(schema["paths"]["/api/v1/custom-fields/"]) == {"get", "post"}
    assert set(schema["paths"]["/api/v1/custom-fields/{id}/"]) == {"get", "put", "patch", "delete"}
    parameters = {p["name"] for p in schema["paths"]["/api/v1/custom-fields/"]["get"]["parameters"]}
    assert {"target", "scope", "is_active", "field_type"} <= parameters
    choice = schema["components"]["schemas"]["Choice"]
    assert set(choice["properties"]) == {"value", "label_en", "label_es"}
