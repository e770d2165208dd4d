"""REST API for campaigns: read-only for now (cases and the board are filtered by them)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from relata.campaigns.models import Campaign
from relata.core import permissions
from relata.products.api import ACTIVE_PARAMETER, boolean_param


class CampaignSerializer(serializers.ModelSerializer):
    class Meta:
        model = Campaign
        fields = ["id", "code", "name", "starts_on", "ends_on", "is_active", "target_segment"]
        read_only_fields = fields


class CampaignViewSet(viewsets.ReadOnlyModelViewSet[Campaign]):
    """Campaigns, read by every user."""

    serializer_class = CampaignSerializer
    permission_classes = [permissions.ConfigurationPermission]
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Campaign]:
        qs = Campaign.objects.all()
        active = self.request.query_params.get("active", "").strip()
        if active:
            qs = qs.filter(is_active=boolean_param("active", active))
        return qs.order_by("-starts_on", "name", "pk")

    @extend_schema(parameters=[ACTIVE_PARAMETER])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)
