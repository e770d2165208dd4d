"""REST API for segments (``/api/v1/segments/``): thin serializer and viewset over the
segment services and selectors. A segment's entities are always those the caller may see."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from relata.core import permissions
from relata.core.models import Team
from relata.core.types import request_user
from relata.entities.models import Entity, Segment
from relata.entities.segments import (
    definition_clean,
    definition_describe,
    segment_count,
    segment_create,
    segment_delete,
    segment_entities,
    segment_list,
    segment_update,
)

DEFINITION_HELP = (
    'The conditions: {"op": "and"|"or", "conditions": [{"field": "kind", "operator": "eq", '
    '"value": "customer"}, {nested group}, ...]}. An empty group selects every entity.'
)


class SegmentSerializer(serializers.ModelSerializer):
    definition = serializers.JSONField(required=False, default=dict, help_text=DEFINITION_HELP)
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(),
        required=False,
        allow_null=True,
        help_text="Share with one of your teams; null keeps the segment to yourself.",
    )
    conditions_text = serializers.SerializerMethodField()

    class Meta:
        model = Segment
        fields = [
            "id",
            "name",
            "description",
            "definition",
            "conditions_text",
            "team",
            "owner",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["owner", "created_at", "updated_at"]

    def get_conditions_text(self, segment: Segment) -> str:
        return definition_describe(segment.definition)


class PreviewSerializer(serializers.Serializer):
    definition = serializers.JSONField(help_text=DEFINITION_HELP)


class EntityRefSerializer(serializers.ModelSerializer):
    """The entity list's fields, used when the entities API is not there to lend its own."""

    kind: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )

    class Meta:
        model = Entity
        fields = ["id", "legal_name", "trade_name", "tax_id", "kind", "owner", "team", "is_active"]
        read_only_fields = fields


def _entity_serializer() -> type[serializers.BaseSerializer[Any]]:
    try:
        from relata.entities.api import EntityListSerializer
    except ImportError:
        return EntityRefSerializer
    return EntityListSerializer


class SegmentViewSet(viewsets.ModelViewSet[Segment]):
    """Segments the caller may use: their own and those shared with their teams."""

    serializer_class = SegmentSerializer
    permission_classes = [permissions.RecordPermission]
    search_fields = ["name", "description"]
    ordering_fields = ["name", "id", "updated_at"]
    ordering = ["name"]
    filterset_fields = ["team", "owner"]

    def get_queryset(self) -> QuerySet[Segment]:
        user = self.request.user
        if not user.is_authenticated:
            return Segment.objects.none()
        return segment_list(user=request_user(self.request))

    def get_permissions(self) -> Sequence[Any]:
        # Checking conditions writes nothing: read-only users may preview too.
        if self.action == "preview":
            return [IsAuthenticated()]
        return super().get_permissions()

    def perform_create(self, serializer: BaseSerializer[Segment]) -> None:
        data = serializer.validated_data
        serializer.instance = segment_create(
            user=request_user(self.request),
            name=data["name"],
            description=data.get("description", ""),
            definition=data.get("definition", {}),
            team=data.get("team"),
        )

    def perform_update(self, serializer: BaseSerializer[Segment]) -> None:
        assert serializer.instance is not None  # an update always has its instance
        serializer.instance = segment_update(
            user=request_user(self.request),
            segment=serializer.instance,
            data=dict(serializer.validated_data),
        )

    def perform_destroy(self, instance: Segment) -> None:
        segment_delete(user=request_user(self.request), segment=instance)

    @extend_schema(
        responses=inline_serializer("SegmentCount", {"count": serializers.IntegerField()})
    )
    @action(detail=True, methods=["get"])
    def count(self, request: Request, pk: str | None = None) -> Response:
        """How many entities the caller may see match the segment now."""
        segment = self.get_object()
        return Response({"count": segment_count(user=request_user(request), segment=segment)})

    @extend_schema(responses=EntityRefSerializer(many=True))
    @action(detail=True, methods=["get"])
    def entities(self, request: Request, pk: str | None = None) -> Response:
        """The entities the caller may see that match the segment, paginated."""
        segment = self.get_object()
        queryset = segment_entities(user=request_user(request), segment=segment)
        serializer_class = _entity_serializer()
        page = self.paginate_queryset(queryset)  # type: ignore[arg-type]
        if page is not None:
            data = serializer_class(page, many=True, context=self.get_serializer_context()).data
            return self.get_paginated_response(data)
        return Response(
            serializer_class(queryset, many=True, context=self.get_serializer_context()).data
        )

    @extend_schema(
        request=PreviewSerializer,
        responses=inline_serializer(
            "SegmentPreview",
            {"count": serializers.IntegerField(), "definition": serializers.JSONField()},
        ),
    )
    @action(detail=False, methods=["post"])
    def preview(self, request: Request) -> Response:
        """Check conditions without saving them: their canonical form and live count."""
        body = PreviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        definition = definition_clean(body.validated_data["definition"])
        count = segment_count(user=request_user(request), definition=definition)
        return Response({"count": count, "definition": definition})
