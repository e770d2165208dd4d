"""REST API for entities and contacts: thin serializers and viewsets over the services."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from relata.api.serializers import ModelSerializer
from relata.core import permissions
from relata.core.models import Team, User
from relata.core.types import request_user
from relata.customfields.api import CustomValuesField
from relata.entities import selectors, services
from relata.entities.models import (
    Address,
    Contact,
    EmailAddress,
    Entity,
    EntityKind,
    PhoneNumber,
    Sector,
    Source,
    Zone,
)


class EmailItemSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=320)
    # A field named like a Field attribute; the stubs see a clash that DRF does not have.
    label = serializers.CharField(max_length=50, required=False, allow_blank=True)  # type: ignore[assignment]
    is_main = serializers.BooleanField(required=False, default=False)


class PhoneItemSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=40)
    # A field named like a Field attribute; the stubs see a clash that DRF does not have.
    label = serializers.CharField(max_length=50, required=False, allow_blank=True)  # type: ignore[assignment]
    is_main = serializers.BooleanField(required=False, default=False)


ADDRESS_FIELDS = ["kind", "street", "postal_code", "city", "province", "country", "is_main"]


class AddressSerializer(ModelSerializer):
    class Meta:
        model = Address
        fields = ADDRESS_FIELDS


class TagNamesField(serializers.ListField):
    """Tags as a list of names; unknown names are created on save."""

    child = serializers.CharField(max_length=50)

    def to_representation(self, data: Any) -> list[str]:
        return [tag.name for tag in (data.all() if hasattr(data, "all") else data)]


def _points(items: Any, attr: str) -> list[dict[str, Any]]:
    return [{attr: getattr(p, attr), "label": p.label, "is_main": p.is_main} for p in items]


class EntitySerializer(ModelSerializer):
    kind = serializers.SlugRelatedField(slug_field="code", queryset=EntityKind.objects.all())
    source = serializers.SlugRelatedField(  # type: ignore[assignment]  # see label above
        slug_field="code", queryset=Source.objects.all(), required=False, allow_null=True
    )
    sector = serializers.SlugRelatedField(
        slug_field="code", queryset=Sector.objects.all(), required=False, allow_null=True
    )
    zone = serializers.SlugRelatedField(
        slug_field="code", queryset=Zone.objects.all(), required=False, allow_null=True
    )
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.filter(is_active=True), required=False, allow_null=True
    )
    tags = TagNamesField(required=False)
    emails = EmailItemSerializer(many=True, required=False)
    phones = PhoneItemSerializer(many=True, required=False)
    addresses = AddressSerializer(many=True, required=False)
    custom_fields = CustomValuesField(target="entity", source="custom")
    tax_id = serializers.CharField(max_length=30, required=False, allow_blank=True)
    website = serializers.CharField(max_length=300, required=False, allow_blank=True)

    class Meta:
        model = Entity
        fields = [
            "id",
            "kind",
            "is_company",
            "legal_name",
            "trade_name",
            "tax_id",
            "website",
            "source",
            "sector",
            "zone",
            "owner",
            "team",
            "tags",
            "is_active",
            "notes",
            "emails",
            "phones",
            "addresses",
            "custom_fields",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def to_representation(self, instance: Entity) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["emails"] = _points(selectors.entity_emails(instance), "email")
        data["phones"] = _points(selectors.entity_phones(instance), "number")
        return data


class EntityListSerializer(EntitySerializer):
    """The list shows each entity's main email, phone and address from the prefetches."""

    # Read-only in lists: the stubs type the parent's nested serializers more narrowly.
    emails = serializers.SerializerMethodField()  # type: ignore[assignment]
    phones = serializers.SerializerMethodField()  # type: ignore[assignment]
    addresses = serializers.SerializerMethodField()  # type: ignore[assignment]

    def to_representation(self, instance: Entity) -> dict[str, Any]:
        return super(EntitySerializer, self).to_representation(instance)

    def get_emails(self, instance: Entity) -> list[dict[str, Any]]:
        return _points(getattr(instance, "main_emails", []), "email")

    def get_phones(self, instance: Entity) -> list[dict[str, Any]]:
        return _points(getattr(instance, "main_phones", []), "number")

    def get_addresses(self, instance: Entity) -> list[dict[str, Any]]:
        # Plain dicts: a nested serializer per row would rebuild its fields every time.
        return [
            {name: getattr(a, name) for name in ADDRESS_FIELDS}
            for a in getattr(instance, "main_addresses", [])
        ]


class MergeSerializer(serializers.Serializer):
    other = serializers.IntegerField(
        help_text="Id of the entity folded into this one; it is deleted."
    )


LIST_PARAMETERS = [
    OpenApiParameter(
        "search", str, description="Words found in names, tax id, emails, phones or contact names."
    ),
    *(
        OpenApiParameter(name, str, description=f"Filter by {name} (id; code for lists).")
        for name in ("kind", "source", "sector", "zone", "owner", "team", "tags")
    ),
    OpenApiParameter("is_active", str, enum=["0", "1"]),
    OpenApiParameter("cf_<key>", str, description="Filter by a filterable custom field."),
    OpenApiParameter("ordering", str, enum=sorted(selectors.ENTITY_SORTS)),
]


def _split(validated: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    data = dict(validated)
    lists: dict[str, Any] = {
        name: data.pop(name)
        for name in ("emails", "phones", "addresses", "tags", "custom")
        if name in data
    }
    return data, lists


class EntityViewSet(viewsets.ModelViewSet[Entity]):
    """Entities the caller may see; writes follow the permission layer."""

    permission_classes = [permissions.RecordPermission]
    filter_backends: list[Any] = []  # filtering, search and ordering follow the UI's selectors

    def get_queryset(self) -> QuerySet[Entity]:
        user = self.request.user
        if not user.is_authenticated:
            return Entity.objects.none()
        params = self.request.query_params
        return selectors.entity_list(
            user=user,
            search=params.get("search", ""),
            filters=params.dict(),
            sort=params.get("ordering", "name"),
        )

    def get_serializer_class(self) -> type[BaseSerializer[Entity]]:
        return EntityListSerializer if self.action == "list" else EntitySerializer

    @extend_schema(parameters=LIST_PARAMETERS)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def perform_create(self, serializer: BaseSerializer[Entity]) -> None:
        data, lists = _split(serializer.validated_data)
        serializer.instance = services.entity_create(
            user=request_user(self.request),
            data=data,
            emails=lists.get("emails", ()),
            phones=lists.get("phones", ()),
            addresses=lists.get("addresses", ()),
            tags=lists.get("tags", ()),
            custom=lists.get("custom"),
        )

    def perform_update(self, serializer: BaseSerializer[Entity]) -> None:
        assert serializer.instance is not None
        data, lists = _split(serializer.validated_data)
        serializer.instance = services.entity_update(
            user=request_user(self.request),
            entity=serializer.instance,
            data=data,
            emails=lists.get("emails"),
            phones=lists.get("phones"),
            addresses=lists.get("addresses"),
            tags=lists.get("tags"),
            custom=lists.get("custom"),
        )

    def perform_destroy(self, instance: Entity) -> None:
        services.entity_delete(user=request_user(self.request), entity=instance)

    @extend_schema(
        request=MergeSerializer,
        responses=EntitySerializer,
    )
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str | None = None) -> Response:
        """Fold another entity into this one: its contacts and records move here."""
        from relata.entities.merge import entity_merge

        survivor = self.get_object()
        body = MergeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        other = get_object_or_404(self.get_queryset(), pk=body.validated_data["other"])
        merged = entity_merge(user=request_user(request), survivor=survivor, other=other)
        return Response(
            EntitySerializer(merged, context={"request": request}).data, status=status.HTTP_200_OK
        )


class ContactSerializer(ModelSerializer):
    entity = serializers.PrimaryKeyRelatedField(queryset=Entity.objects.all())
    emails = EmailItemSerializer(many=True, required=False)
    phones = PhoneItemSerializer(many=True, required=False)
    custom_fields = CustomValuesField(target="contact", source="custom")

    class Meta:
        model = Contact
        fields = [
            "id",
            "entity",
            "first_name",
            "last_name",
            "job_title",
            "department",
            "language",
            "birthday",
            "notes",
            "email_opt_in",
            "email_opt_in_at",
            "email_opt_in_source",
            "is_active",
            "emails",
            "phones",
            "custom_fields",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["email_opt_in_at", "created_at", "updated_at"]

    def to_representation(self, instance: Contact) -> dict[str, Any]:
        data = super().to_representation(instance)
        emails = getattr(instance, "email_list", None)
        phones = getattr(instance, "phone_list", None)
        data["emails"] = _points(
            emails if emails is not None else EmailAddress.objects.filter(contact=instance), "email"
        )
        data["phones"] = _points(
            phones if phones is not None else PhoneNumber.objects.filter(contact=instance), "number"
        )
        return data


class ContactViewSet(viewsets.ModelViewSet[Contact]):
    serializer_class = ContactSerializer
    permission_classes = [permissions.RecordPermission]
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Contact]:
        user = self.request.user
        if not user.is_authenticated:
            return Contact.objects.none()
        params = self.request.query_params
        qs = selectors.contact_list(user=user, search=params.get("search", ""))
        if params.get("entity", "").isdigit():
            qs = qs.filter(entity_id=int(params["entity"]))
        return qs.filter(selectors.custom_filter_q(target="contact", params=params))

    @extend_schema(
        parameters=[
            OpenApiParameter("search", str),
            OpenApiParameter("entity", int),
            OpenApiParameter("cf_<key>", str),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def _entity(self, entity: Entity) -> Entity:
        # An entity the caller cannot see is answered as if it did not exist.
        if not permissions.can_view(request_user(self.request), entity):
            raise serializers.ValidationError({"entity": ["Unknown entity."]})
        return entity

    def perform_create(self, serializer: BaseSerializer[Contact]) -> None:
        data = dict(serializer.validated_data)
        entity = self._entity(data.pop("entity"))
        serializer.instance = services.contact_create(
            user=request_user(self.request),
            entity=entity,
            data=data,
            emails=data.pop("emails", ()),
            phones=data.pop("phones", ()),
            custom=data.pop("custom", None),
        )

    def perform_update(self, serializer: BaseSerializer[Contact]) -> None:
        assert serializer.instance is not None
        user = request_user(self.request)
        data = dict(serializer.validated_data)
        contact = serializer.instance
        entity = data.pop("entity", None)
        if entity is not None and entity.pk != contact.entity_id:
            contact = services.contact_move(
                user=user, contact=contact, to_entity=self._entity(entity)
            )
        serializer.instance = services.contact_update(
            user=user,
            contact=contact,
            data=data,
            emails=data.pop("emails", None),
            phones=data.pop("phones", None),
            custom=data.pop("custom", None),
        )

    def perform_destroy(self, instance: Contact) -> None:
        services.contact_delete(user=request_user(self.request), contact=instance)
