"""API for users (read), teams and the CRM general parameters."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from relata.api.serializers import ModelSerializer
from relata.core import permissions, selectors, services
from relata.core.models import PARAMETER_FIELDS, CrmParameters, Team, User
from relata.core.types import request_user


class TeamRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name"]


class UserSerializer(ModelSerializer):
    teams = TeamRefSerializer(many=True, read_only=True)
    full_name = serializers.CharField(source="get_full_name", read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "full_name",
            "email",
            "phone",
            "role",
            "is_active",
            "language",
            "teams",
            "last_login",
        ]
        read_only_fields = fields


class UserViewSet(viewsets.ReadOnlyModelViewSet[User]):
    """Users of the CRM; read-only here, managed in Settings → Users."""

    serializer_class = UserSerializer
    filterset_fields = ["role", "is_active", "teams"]
    search_fields = ["username", "first_name", "last_name", "email"]
    ordering_fields = ["username", "last_name", "id"]
    ordering = ["username"]

    def get_queryset(self) -> QuerySet[User]:
        return selectors.user_list(user=self.request.user)


class TeamSerializer(serializers.ModelSerializer):
    members = serializers.PrimaryKeyRelatedField(
        many=True, queryset=User.objects.filter(is_active=True), required=False
    )

    class Meta:
        model = Team
        fields = ["id", "name", "description", "is_active", "members", "created_at"]
        read_only_fields = ["created_at"]


class TeamViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.ReadOnlyModelViewSet[Team],
):
    serializer_class = TeamSerializer
    permission_classes = [permissions.ConfigurationPermission]
    filterset_fields = ["is_active"]
    search_fields = ["name", "description"]
    ordering_fields = ["name", "id"]
    ordering = ["name"]

    def get_queryset(self) -> QuerySet[Team]:
        return selectors.team_list(user=self.request.user).prefetch_related("members")

    def perform_create(self, serializer: BaseSerializer[Team]) -> None:
        data = dict(serializer.validated_data)
        members = data.pop("members", None)
        serializer.instance = services.team_create(
            user=request_user(self.request),
            name=data["name"],
            description=data.get("description", ""),
            members=members,
        )

    def perform_update(self, serializer: BaseSerializer[Team]) -> None:
        assert serializer.instance is not None  # an update always has its instance
        data = dict(serializer.validated_data)
        members = data.pop("members", None)
        serializer.instance = services.team_update(
            user=request_user(self.request), team=serializer.instance, data=data, members=members
        )

    def perform_destroy(self, instance: Team) -> None:
        services.team_delete(user=request_user(self.request), team=instance)


class ParametersSerializer(serializers.ModelSerializer):
    working_days = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=7), allow_empty=True, required=False
    )
    open_case_status_codes = serializers.ListField(
        child=serializers.CharField(max_length=50), allow_empty=True, required=False
    )

    class Meta:
        model = CrmParameters
        fields = [*PARAMETER_FIELDS, "updated_at"]
        read_only_fields = ["updated_at"]

    def validate_default_currency(self, value: str) -> str:
        from babel.numbers import list_currencies

        value = value.upper()
        if value not in list_currencies():
            raise serializers.ValidationError(
                _("“%(code)s” is not an ISO 4217 currency code.") % {"code": value}
            )
        return value

    def validate_open_case_status_codes(self, value: list[str]) -> list[str]:
        from django.core.exceptions import ValidationError as DjangoValidationError

        from relata.core.forms import validate_open_case_status_codes

        codes = [code.strip() for code in value if code.strip()]
        try:
            validate_open_case_status_codes(codes)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error
        return codes

    def validate_default_country(self, value: str) -> str:
        from relata.core.forms import country_choices

        value = value.upper()
        if value not in dict(country_choices()):
            raise serializers.ValidationError(
                _("“%(code)s” is not an ISO 3166 country code.") % {"code": value}
            )
        return value


class ParametersView(APIView):
    """The CRM general parameters: readable by every user, changed by administrators."""

    permission_classes = [permissions.ConfigurationPermission]

    @extend_schema(responses=ParametersSerializer)
    def get(self, request: Request) -> Response:
        return Response(ParametersSerializer(selectors.parameters_get()).data)

    @extend_schema(request=ParametersSerializer, responses=ParametersSerializer)
    def put(self, request: Request) -> Response:
        return self._update(request, partial=False)

    @extend_schema(request=ParametersSerializer, responses=ParametersSerializer)
    def patch(self, request: Request) -> Response:
        return self._update(request, partial=True)

    def _update(self, request: Request, *, partial: bool) -> Response:
        params = selectors.parameters_get()
        serializer = ParametersSerializer(params, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        params = services.parameters_update(
            user=request_user(request), data=dict(serializer.validated_data)
        )
        return Response(ParametersSerializer(params).data)
