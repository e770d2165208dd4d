"""REST API for the product catalogue: read by every user, changed by administrators.

Reads go through :mod:`relata.products.selectors`; every write calls one service in
:mod:`relata.products.services`. Products and families are switched off, never deleted
(old case lines keep pointing at them), so DELETE answers 405.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from relata.api.serializers import ModelSerializer
from relata.core import permissions
from relata.core.types import request_user
from relata.products import selectors, services
from relata.products.models import Product, ProductFamily

# --- Shared helpers ----------------------------------------------------------------------


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string"}]})
class IdOrCodeField(serializers.RelatedField):
    """A record of ``queryset`` given by id or by code; answered as its id."""

    default_error_messages = {
        "does_not_exist": gettext_lazy("Unknown value “{value}”."),
        "incorrect_type": gettext_lazy("Give an id or a code."),
    }

    def to_internal_value(self, data: Any) -> Model:
        if isinstance(data, bool) or not isinstance(data, int | str) or data == "":
            self.fail("incorrect_type")
        text = str(data).strip()
        # Longer than any id or code: also keeps the number within the database's integers.
        if (text.isdigit() and len(text) > 18) or len(text) > 50:
            self.fail("does_not_exist", value=text[:50])
        lookup = {"pk": int(text)} if text.isdigit() else {"code": text}
        queryset = self.get_queryset()
        assert queryset is not None  # a writable field always has its queryset
        try:
            return queryset.get(**lookup)
        except queryset.model.DoesNotExist:
            self.fail("does_not_exist", value=text)

    def to_representation(self, value: Any) -> int:
        return int(value.pk)


def id_or_code_q(name: str, value: str) -> Q:
    """Return the filter on a relation ``name`` given by id or code (a query parameter)."""
    value = value.strip()
    if value.isdigit() and len(value) <= 18:
        return Q(**{f"{name}_id": int(value)})
    return Q(**{f"{name}__code": value})


def boolean_param(name: str, value: str) -> bool:
    """Read ``true``/``false`` (or 1/0, yes/no) from a query parameter; else a 400."""
    text = value.strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise serializers.ValidationError({name: [_("Enter true or false.")]})


ACTIVE_PARAMETER = OpenApiParameter("active", bool, description="Active (true) or not (false).")


# --- Families ----------------------------------------------------------------------------


class ProductFamilySerializer(ModelSerializer):
    name = serializers.CharField(read_only=True, help_text="The name in the request's language.")

    class Meta:
        model = ProductFamily
        fields = ["id", "name", *services.FAMILY_FIELDS]


class ProductFamilyViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet[ProductFamily],
):
    """Product families: read by every user, defined by administrators; never deleted."""

    serializer_class = ProductFamilySerializer
    permission_classes = [permissions.ConfigurationPermission]
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[ProductFamily]:
        qs = selectors.families(active_only=False)
        params = self.request.query_params
        if params.get("active", "").strip():
            qs = qs.filter(is_active=boolean_param("active", params["active"]))
        search = params.get("search", "").strip()
        if search:
            qs = qs.filter(
                Q(code__icontains=search)
                | Q(name_en__icontains=search)
                | Q(name_es__icontains=search)
            )
        return qs.order_by("order", "name_en", "pk")

    @extend_schema(
        parameters=[
            ACTIVE_PARAMETER,
            OpenApiParameter("search", str, description="Words in the code or the names."),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def perform_create(self, serializer: BaseSerializer[ProductFamily]) -> None:
        serializer.instance = services.family_create(
            user=request_user(self.request), data=dict(serializer.validated_data)
        )

    def perform_update(self, serializer: BaseSerializer[ProductFamily]) -> None:
        assert serializer.instance is not None
        serializer.instance = services.family_update(
            user=request_user(self.request),
            family=serializer.instance,
            data=dict(serializer.validated_data),
        )


# --- Products ----------------------------------------------------------------------------


class ProductSerializer(ModelSerializer):
    name = serializers.CharField(read_only=True, help_text="The name in the request's language.")
    family = IdOrCodeField(
        queryset=ProductFamily.objects.all(),
        required=False,
        allow_null=True,
        help_text="Id or code of the family; answered as the id.",
    )
    family_code = serializers.CharField(source="family.code", read_only=True, default=None)

    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            *services.PRODUCT_FIELDS,
            "family_code",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        # Uniqueness is checked by the services (the model's full_clean).
        validators: list[Any] = []
        extra_kwargs = {
            "code": {"validators": []},
            "external_id": {"validators": [], "help_text": "The ERP's key, unique when set."},
        }


class ProductViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet[Product],
):
    """The product catalogue: read by every user, changed by administrators; never deleted."""

    serializer_class = ProductSerializer
    permission_classes = [permissions.ConfigurationPermission]
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Product]:
        params = self.request.query_params
        qs = selectors.products(active_only=False, search=params.get("search", "").strip())
        family = params.get("family", "").strip()
        if family:
            qs = qs.filter(id_or_code_q("family", family))
        if params.get("active", "").strip():
            qs = qs.filter(is_active=boolean_param("active", params["active"]))
        return qs

    @extend_schema(
        parameters=[
            OpenApiParameter("family", str, description="Id or code of the family."),
            ACTIVE_PARAMETER,
            OpenApiParameter("search", str, description="Words in the code or the names."),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def perform_create(self, serializer: BaseSerializer[Product]) -> None:
        serializer.instance = services.product_create(
            user=request_user(self.request), data=dict(serializer.validated_data)
        )

    def perform_update(self, serializer: BaseSerializer[Product]) -> None:
        assert serializer.instance is not None
        serializer.instance = services.product_update(
            user=request_user(self.request),
            product=serializer.instance,
            data=dict(serializer.validated_data),
        )
