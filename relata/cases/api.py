"""REST API for case types and cases: thin serializers over the selectors and services.

Reads go through :mod:`relata.cases.selectors` (the permission layer applies); every write
calls the services of :mod:`relata.cases.services`, whose ``ValidationError`` (keyed
``lines.1.quantity``, ``custom.free_text_1``…) and ``PermissionDenied`` the API's exception
handler answers as 400 and 403. Cases are closed, never deleted: DELETE answers 405.
The open-cases report is in :mod:`relata.cases.api_reports`.
"""

from __future__ import annotations

import decimal
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from relata.api.serializers import ModelSerializer
from relata.campaigns.models import Campaign
from relata.cases import selectors, services
from relata.cases.api_reports import (
    LIST_PARAMETERS,
    RefField,
    StatusRefField,
    TypeRefField,
    case_list,
)
from relata.cases.models import Case, CaseLine, CasePriority, CaseStatus, CaseType
from relata.core import permissions
from relata.core.models import Team, User
from relata.core.types import request_user
from relata.customfields.api import CustomValuesField, CustomValuesFieldExtension
from relata.customfields.models import Target
from relata.entities.models import Contact, Entity, Source
from relata.products.api import IdOrCodeField
from relata.products.models import Product

# --- Cases: output -------------------------------------------------------------------------

CENT = decimal.Decimal("0.01")


class CaseLineSerializer(ModelSerializer):
    product_code = serializers.CharField(source="product.code", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)

    class Meta:
        model = CaseLine
        fields = [
            "id",
            "product",
            "product_code",
            "product_name",
            "description",
            "quantity",
            "unit_price",
            "discount",
            "amount",
        ]
        read_only_fields = fields


class CaseSerializer(ModelSerializer):
    """A case as the API answers it; writes take :class:`CaseWriteSerializer`."""

    case_type = TypeRefField()
    status = StatusRefField()
    entity = RefField()
    contact = RefField()
    owner = RefField()
    team = RefField()
    prescriber = RefField()
    campaign = RefField()
    source: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    effective_probability = serializers.IntegerField(
        read_only=True, help_text="The probability set on the case, or else its status's."
    )
    weighted_amount = serializers.SerializerMethodField(
        help_text="amount × effective_probability / 100."
    )
    lines = CaseLineSerializer(many=True, read_only=True)
    custom = CustomValuesField(target=Target.CASE, read_only=True)
    url = serializers.SerializerMethodField(help_text="This case in the API.")

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "case_type",
            "status",
            "entity",
            "contact",
            "subject",
            "description",
            "owner",
            "team",
            "priority",
            "amount",
            "currency",
            "probability",
            "effective_probability",
            "weighted_amount",
            "lines",
            "expected_close_date",
            "lost_reason",
            "due_at",
            "resolution",
            "opened_at",
            "closed_at",
            "campaign",
            "source",
            "prescriber",
            "custom",
            "created_by",
            "created_at",
            "updated_at",
            "url",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "format": "decimal"})
    def get_weighted_amount(self, case: Case) -> str:
        weighted = case.amount * case.effective_probability / decimal.Decimal(100)
        return str(weighted.quantize(CENT, rounding=decimal.ROUND_HALF_UP))

    def get_url(self, case: Case) -> str:
        path = reverse("case-detail", args=[case.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


# --- Cases: input --------------------------------------------------------------------------


class CaseCustomValuesField(CustomValuesField):
    """The ``custom`` object on writes: checked by the services, whose errors name the key
    (``custom.free_text_1``) and which know the case's type. Only its shape is checked here."""

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise serializers.ValidationError(_("Give an object of custom-field values."))
        return data


class CaseCustomValuesFieldExtension(CustomValuesFieldExtension):
    """Describe the write side of ``custom`` with the same named component."""

    target_class = CaseCustomValuesField


class CaseLineInputSerializer(serializers.Serializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all())
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    quantity = serializers.DecimalField(
        max_digits=12, decimal_places=3, required=False, help_text="Default 1."
    )
    unit_price = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text="Default: the product's list price.",
    )
    discount = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, help_text="Percent, 0 to 100."
    )


def _users() -> QuerySet[User]:
    return User.objects.filter(is_active=True)


class CaseWriteSerializer(serializers.Serializer):
    """What a client sends to create or change a case."""

    case_type = IdOrCodeField(
        queryset=CaseType.objects.all(), help_text="Id or code; cannot change later."
    )
    status = serializers.CharField(
        max_length=50,
        required=False,
        help_text="On create only: an open status of the type (id or code; default its "
        "first). Later, statuses change through move/.",
    )
    entity = serializers.PrimaryKeyRelatedField(queryset=Entity.objects.all())
    contact = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.all(), required=False, allow_null=True
    )
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    expected_close_date = serializers.DateField(required=False, allow_null=True)
    source = serializers.SlugRelatedField(  # type: ignore[assignment]  # DRF's Field.source
        slug_field="code", queryset=Source.objects.all(), required=False, allow_null=True
    )
    prescriber = serializers.PrimaryKeyRelatedField(
        queryset=Entity.objects.all(), required=False, allow_null=True
    )
    campaign = IdOrCodeField(
        queryset=Campaign.objects.all(), required=False, allow_null=True, help_text="Id or code."
    )
    priority = serializers.ChoiceField(choices=CasePriority.choices, required=False)
    amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        required=False,
        help_text="Becomes the lines' total when the case has lines.",
    )
    currency = serializers.CharField(max_length=3, required=False, allow_blank=True)
    probability = serializers.IntegerField(
        min_value=0,
        max_value=100,
        required=False,
        allow_null=True,
        help_text="Null: the status's default probability.",
    )
    lost_reason = serializers.CharField(max_length=200, required=False, allow_blank=True)
    resolution = serializers.CharField(required=False, allow_blank=True)
    owner = serializers.PrimaryKeyRelatedField(queryset=_users(), required=False, allow_null=True)
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.filter(is_active=True), required=False, allow_null=True
    )
    custom = CaseCustomValuesField(
        target=Target.CASE,
        help_text="Custom-field values of the case's type; on update only the keys sent change.",
    )
    lines = CaseLineInputSerializer(
        many=True,
        required=False,
        help_text="Opportunities only. Replaces the lines when sent; the amount becomes their "
        "total.",
    )


def _flat_errors(errors: Any) -> dict[str, Any]:
    """Name nested errors by their path: ``{"lines": [{}, {"quantity": […]}]}`` becomes
    ``{"lines.1.quantity": […]}``, as the services name theirs."""
    flat: dict[str, Any] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for index, inner in enumerate(value):
                walk(f"{prefix}.{index}", inner)
        else:
            flat[prefix] = value

    walk("", errors)
    return flat


def _resolve_status(case_type: CaseType, value: Any, *, any_type: bool = False) -> CaseStatus:
    """Return the status given by id or code (a code within ``case_type``); else a 400.

    With ``any_type``, an id may name a status of another type (the service then says so).
    """
    text = str(value).strip()
    qs = CaseStatus.objects.all()
    if text.isdigit() and len(text) <= 18:
        found = qs.filter(pk=int(text), **({} if any_type else {"case_type": case_type})).first()
    else:
        found = qs.filter(case_type=case_type, code=text).first() if text else None
    if found is None:
        raise serializers.ValidationError(
            {"status": [_("Unknown status “%(value)s” for this case type.") % {"value": text}]}
        )
    return found


# --- Cases: the endpoints ------------------------------------------------------------------


class CaseMoveSerializer(serializers.Serializer):
    status = serializers.CharField(max_length=50, help_text="Id or code of a status of the type.")
    amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text="Saved with the move; needed above zero to win an opportunity.",
    )
    lost_reason = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="Needed to lose a case."
    )
    resolution = serializers.CharField(required=False, allow_blank=True)


class CaseReassignSerializer(serializers.Serializer):
    owner = serializers.PrimaryKeyRelatedField(queryset=_users(), required=False, allow_null=True)
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.filter(is_active=True), required=False, allow_null=True
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("owner") is None and attrs.get("team") is None:
            raise serializers.ValidationError({"owner": [_("Choose a user or a team.")]})
        return attrs


def case_rows(qs: QuerySet[Case]) -> QuerySet[Case]:
    """Return ``qs`` with what the serializer reads, in a fixed number of queries."""
    return qs.select_related("campaign", "source", "prescriber").prefetch_related(
        Prefetch("lines", queryset=CaseLine.objects.select_related("product"))
    )


@extend_schema(responses=CaseSerializer)
class CaseViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet[Case],
):
    """The cases the caller may see; every write goes through the services."""

    serializer_class = CaseSerializer
    permission_classes = [permissions.RecordPermission]
    filter_backends: list[Any] = []  # the filters and sorts are below

    def get_queryset(self) -> QuerySet[Case]:
        if not self.request.user.is_authenticated:
            return Case.objects.none()
        user = request_user(self.request)
        qs = selectors.case_queryset(user=user)
        if self.action == "list":
            qs = case_list(user, self.request.query_params)
        return case_rows(qs)

    @extend_schema(parameters=LIST_PARAMETERS)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def _answer(self, case: Case, code: int = status.HTTP_200_OK) -> Response:
        fresh = case_rows(selectors.case_queryset(user=request_user(self.request))).get(pk=case.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def _body(self, serializer_class: type[serializers.Serializer], **kwargs: Any) -> Any:
        body = serializer_class(
            data=self.request.data, context=self.get_serializer_context(), **kwargs
        )
        if not body.is_valid():
            raise serializers.ValidationError(_flat_errors(body.errors))
        return body.validated_data

    @extend_schema(request=CaseWriteSerializer, responses={201: CaseSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Create a case, with its lines and custom values, all or nothing."""
        data = dict(self._body(CaseWriteSerializer))
        custom = data.pop("custom", None)
        lines = data.pop("lines", None)
        if "status" in data:
            data["status"] = _resolve_status(data["case_type"], data["status"])
        user = request_user(request)
        with transaction.atomic():
            case = services.case_create(user=user, data=data, custom=custom)
            if lines is not None:
                services.case_lines_set(user=user, case=case, lines=[dict(x) for x in lines])
        return self._answer(case, status.HTTP_201_CREATED)

    @extend_schema(request=CaseWriteSerializer, responses=CaseSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change a case's fields, lines (replaced when sent), custom values and assignment."""
        case = self.get_object()
        data = dict(self._body(CaseWriteSerializer, partial=kwargs.get("partial", False)))
        errors: dict[str, list[str]] = {}
        if "case_type" in data and data.pop("case_type").pk != case.case_type_id:
            errors["case_type"] = [_("The type of a case cannot change.")]
        if "status" in data:
            moved = _resolve_status(case.case_type, data.pop("status"))
            if moved.pk != case.status_id:
                errors["status"] = [
                    _("The status changes through POST %(url)s.")
                    % {"url": reverse("case-move", args=[case.pk])}
                ]
        if errors:
            raise serializers.ValidationError(errors)
        user = request_user(request)
        custom = data.pop("custom", None)
        lines = data.pop("lines", None)
        assignment = {name: data.pop(name) for name in ("owner", "team") if name in data}
        with transaction.atomic():
            case = services.case_update(user=user, case=case, data=data, custom=custom)
            if lines is not None:
                case = services.case_lines_set(user=user, case=case, lines=[dict(x) for x in lines])
            owner = assignment.get("owner", case.owner)
            team = assignment.get("team", case.team)
            if assignment and (getattr(owner, "pk", None), getattr(team, "pk", None)) != (
                case.owner_id,
                case.team_id,
            ):
                services.case_reassign(user=user, case=case, owner=owner, team=team)
        return self._answer(case)

    @extend_schema(request=CaseWriteSerializer, responses=CaseSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change only the fields sent."""
        return self.update(request, *args, partial=True, **kwargs)

    @extend_schema(request=CaseMoveSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str | None = None) -> Response:
        """Move the case to another status of its type, with what that status requires."""
        case = self.get_object()
        body = self._body(CaseMoveSerializer)
        target = _resolve_status(case.case_type, body["status"], any_type=True)
        services.case_move(
            user=request_user(request),
            case=case,
            status=target,
            amount=body.get("amount"),
            lost_reason=body.get("lost_reason"),
            resolution=body.get("resolution"),
        )
        return self._answer(case)

    @extend_schema(request=CaseReassignSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def reassign(self, request: Request, pk: str | None = None) -> Response:
        """Give the case to a user and/or a team."""
        case = self.get_object()
        body = self._body(CaseReassignSerializer)
        services.case_reassign(
            user=request_user(request),
            case=case,
            owner=body.get("owner"),
            team=body.get("team"),
        )
        return self._answer(case)
