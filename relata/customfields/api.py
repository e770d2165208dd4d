"""API for custom-field definitions, and the serializer field for records' values."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers, viewsets
from rest_framework.serializers import BaseSerializer

from relata.core import permissions
from relata.core.types import request_user
from relata.customfields import selectors, services
from relata.customfields.models import FieldDefinition

# --- Values on records ------------------------------------------------------------------


class CustomValuesField(serializers.JSONField):
    """The ``custom`` object of a record: custom-field values keyed by field key.

    Input is checked with :func:`~relata.customfields.services.values_clean`. On create,
    missing fields take their defaults (and required ones without a default are errors,
    even when ``custom`` is left out); on update, only the keys sent change and ``null``
    removes a value. ``validated_data["custom"]`` holds the complete object to store.
    Output holds the stored values of the fields that are active.

    ``scope`` is a fixed string, or a callable ``(serializer, record_or_None) -> str`` (for
    a new case, read its type from ``serializer.initial_data``); by default it is the
    record's ``custom_fields_scope``, and empty for a new record.
    """

    def __init__(
        self,
        *,
        target: str,
        scope: str | Callable[[Any, Any], str] | None = None,
        **kwargs: Any,
    ) -> None:
        self.target = target
        self.scope = scope
        self._record: Any = None
        self._active_keys: dict[str, set[str]] = {}
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def _instance(self) -> Any:
        instance = getattr(self.parent, "instance", None)
        # A list serializer's child holds the whole list; only a single record counts.
        return instance if hasattr(instance, "custom") else None

    def _scope_for(self, record: Any) -> str:
        if callable(self.scope):
            return self.scope(self.parent, record)
        if self.scope is not None:
            return self.scope
        return getattr(record, "custom_fields_scope", "") or ""

    def run_validation(self, data: Any = serializers.empty) -> Any:
        if data is serializers.empty and self._instance() is None:
            data = {}
        return super().run_validation(data)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        data = super().to_internal_value(data)
        instance = self._instance()
        try:
            cleaned = services.values_clean(
                target=self.target,
                scope=self._scope_for(instance),
                data=data,
                partial=instance is not None,
            )
        except DjangoValidationError as error:
            detail = error.message_dict if hasattr(error, "error_dict") else error.messages
            raise serializers.ValidationError(detail) from error
        if instance is not None:
            cleaned = services.values_merge(current=instance.custom, cleaned=cleaned)
        return cleaned

    def get_attribute(self, instance: Any) -> Any:
        self._record = instance
        return super().get_attribute(instance)

    # The stubs type JSONField's output as str; unless binary=True it is the JSON value.
    def to_representation(self, value: Any) -> dict[str, Any]:  # type: ignore[override]
        scope = self._scope_for(self._record)
        if scope not in self._active_keys:
            definitions = selectors.field_definitions(target=self.target, scope=scope)
            self._active_keys[scope] = {d.key for d in definitions}
        active = self._active_keys[scope]
        return {key: v for key, v in (value or {}).items() if key in active}


class CustomValuesFieldExtension(OpenApiSerializerFieldExtension):
    """Describe the ``custom`` object in the OpenAPI schema as a named component."""

    target_class = CustomValuesField

    def map_serializer_field(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        money = ResolvedComponent(
            name="CustomMoneyValue",
            type=ResolvedComponent.SCHEMA,
            object="CustomMoneyValue",
            schema={
                "type": "object",
                "properties": {
                    "amount": {"type": "string", "format": "decimal", "example": "12.50"},
                    "currency": {"type": "string", "minLength": 3, "maxLength": 3},
                },
                "required": ["amount"],
            },
        )
        auto_schema.registry.register_on_missing(money)
        values = ResolvedComponent(
            name="CustomFieldValues",
            type=ResolvedComponent.SCHEMA,
            object="CustomFieldValues",
            schema={
                "type": "object",
                "description": (
                    "Custom-field values keyed by field key (see /custom-fields/). Text, "
                    "long text, email, URL, phone (E.164) and single choice are strings; "
                    "integer is an integer; decimal a string holding the exact number; "
                    'money {"amount": "12.50", "currency": "EUR"} (a bare number uses the '
                    "default currency); date YYYY-MM-DD; datetime ISO 8601; yes/no a "
                    "boolean; multiple choice a list of choice values. On update only the "
                    "keys sent change, and null removes a value."
                ),
                "additionalProperties": {
                    "nullable": True,
                    "oneOf": [
                        {"type": "string"},
                        {"type": "integer"},
                        {"type": "number"},
                        {"type": "boolean"},
                        {"type": "array", "items": {"type": "string"}},
                        money.ref,
                    ],
                },
                "example": {"budget": 5000, "sector_tags": ["retail"], "since": "2024-05-01"},
            },
        )
        auto_schema.registry.register_on_missing(values)
        return values.ref


# --- Definitions --------------------------------------------------------------------------


class ChoiceSerializer(serializers.Serializer):
    value = serializers.CharField(max_length=50)
    label_en = serializers.CharField(max_length=100)
    label_es = serializers.CharField(max_length=100, required=False, allow_blank=True)


class FieldDefinitionSerializer(serializers.ModelSerializer):
    # A declared field, which the serializer metaclass moves out of the class attributes;
    # the stubs see it as a clash with ``Field.label`` (the serializer's own label).
    label = serializers.CharField(  # type: ignore[assignment]
        read_only=True, help_text="The label in the request language."
    )
    choices = ChoiceSerializer(many=True, required=False)
    default = serializers.JSONField(
        required=False,
        allow_null=True,
        help_text="Default for new records, in the stored form of the field's values.",
    )

    class Meta:
        model = FieldDefinition
        fields = [
            "id",
            "target",
            "scope",
            "key",
            "field_type",
            "label",
            "label_en",
            "label_es",
            "help_text_en",
            "help_text_es",
            "required",
            "default",
            "order",
            "choices",
            "show_in_list",
            "show_in_filters",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        # Uniqueness and the rules between fields are checked by the services.
        validators: list[Any] = []


class FieldDefinitionViewSet(viewsets.ModelViewSet[FieldDefinition]):
    """Custom-field definitions: readable by every user, changed by administrators.

    Target, key and type cannot change once a field exists. Deleting deactivates the
    field; the values stored on records are kept.
    """

    serializer_class = FieldDefinitionSerializer
    permission_classes = [permissions.ConfigurationPermission]
    filterset_fields = ["target", "scope", "field_type", "is_active"]
    search_fields = ["key", "label_en", "label_es"]
    ordering_fields = ["target", "scope", "order", "key", "id"]

    def get_queryset(self) -> QuerySet[FieldDefinition]:
        return selectors.field_definition_list()

    def perform_create(self, serializer: BaseSerializer[FieldDefinition]) -> None:
        data = dict(serializer.validated_data)
        data.pop("is_active", None)
        if "choices" in data:
            data["choices"] = [dict(choice) for choice in data["choices"]]
        serializer.instance = services.field_definition_create(
            user=request_user(self.request), **data
        )

    def perform_update(self, serializer: BaseSerializer[FieldDefinition]) -> None:
        assert serializer.instance is not None  # an update always has its instance
        data = dict(serializer.validated_data)
        if "choices" in data:
            data["choices"] = [dict(choice) for choice in data["choices"]]
        serializer.instance = services.field_definition_update(
            user=request_user(self.request), definition=serializer.instance, data=data
        )

    def perform_destroy(self, instance: FieldDefinition) -> None:
        services.field_definition_delete(user=request_user(self.request), definition=instance)
