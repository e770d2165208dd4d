"""The ERP integration API under /api/v1/sales/ (integration tokens only).

``PUT sales/<kind>/<external_id>`` upserts one record (201 created, 200 updated or
unchanged); ``POST sales/<kind>/bulk/`` takes up to 1,000 (``?partial=true`` saves the good
ones). Errors are ``{"detail", "code": "invalid", "errors": [{"index", "external_id",
"field", "message"}]}``.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from relata.api.auth import BearerTokenAuthentication
from relata.sales import upsert
from relata.sales.models import IntegrationToken
from relata.sales.serializers import ErpProductSerializer
from relata.sales.tokens import IntegrationTokenAuthentication, IsIntegration


class SalesRecordErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    external_id = serializers.CharField()
    field = serializers.CharField()
    message = serializers.CharField()


class SalesErrorResponseSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    errors = SalesRecordErrorSerializer(many=True)  # type: ignore[assignment]


class SalesUpsertResponseSerializer(serializers.Serializer):
    external_id = serializers.CharField()
    status = serializers.CharField(help_text="created, updated or unchanged")
    unchanged = serializers.BooleanField()


class SalesRecordResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    external_id = serializers.CharField()
    status = serializers.CharField(help_text="created, updated or unchanged")


class SalesBatchResponseSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    results = SalesRecordResultSerializer(many=True)
    errors = SalesRecordErrorSerializer(many=True)  # type: ignore[assignment]


def _invalid(errors: list[dict[str, Any]], detail: str | None = None) -> Response:
    if detail is None:
        first = errors[0]
        where = f"{first['field']}: " if first["field"] else ""
        detail = f"{_('Record %d') % first['index']}: {where}{first['message']}"
    return Response(
        {"detail": detail, "code": "invalid", "errors": errors},
        status=status.HTTP_400_BAD_REQUEST,
    )


def _token(request: Request) -> IntegrationToken:
    assert isinstance(request.auth, IntegrationToken)  # IsIntegration let it through
    return request.auth


class _IntegrationView(APIView):
    # A user's token or session authenticates here only to be refused (403).
    authentication_classes = [
        IntegrationTokenAuthentication,
        BearerTokenAuthentication,
        SessionAuthentication,
    ]
    permission_classes = [IsIntegration]
    kind = ""


class UpsertView(_IntegrationView):
    def put(self, request: Request, external_id: str) -> Response:
        if not isinstance(request.data, dict):
            return _invalid([], _("Send one JSON object."))
        record = dict(request.data)
        if record.setdefault("external_id", external_id) != external_id:
            error = {
                "index": 0,
                "external_id": external_id,
                "field": "external_id",
                "message": _("The external id differs from the one in the URL."),
            }
            return _invalid([error])
        result = upsert.upsert_batch(token=_token(request), kind=self.kind, records=[record])
        if result.errors:
            return _invalid(result.errors)
        state = result.results[0]["status"]
        return Response(
            {"external_id": external_id, "status": state, "unchanged": state == "unchanged"},
            status=status.HTTP_201_CREATED if state == "created" else status.HTTP_200_OK,
        )


class BulkView(_IntegrationView):
    def post(self, request: Request) -> Response:
        records = request.data.get("records") if isinstance(request.data, dict) else request.data
        if not isinstance(records, list):
            return _invalid([], _('Send a JSON list of records (or {"records": [...]}).'))
        partial = request.query_params.get("partial", "").lower() in ("1", "true", "yes")
        try:
            result = upsert.upsert_batch(
                token=_token(request), kind=self.kind, records=records, partial=partial
            )
        except upsert.BatchTooLarge as error:
            return _invalid([], str(error))
        if result.errors and not partial:
            return _invalid(result.errors)
        return Response(result.as_dict())


def _views(kind: str, serializer: Any) -> tuple[type[APIView], type[APIView]]:
    tag = "sales-integration"

    @extend_schema(
        tags=[tag],
        request=serializer,
        responses={
            200: SalesUpsertResponseSerializer,
            201: SalesUpsertResponseSerializer,
            400: SalesErrorResponseSerializer,
        },
        summary=f"Create or update one {kind[:-1]} by its ERP external id",
    )
    def put(self: Any, request: Request, external_id: str) -> Response:
        return UpsertView.put(self, request, external_id)

    @extend_schema(
        tags=[tag],
        request=serializer(many=True),
        parameters=[
            OpenApiParameter(
                "partial", bool, description="Save the good records and report the bad ones."
            )
        ],
        responses={200: SalesBatchResponseSerializer, 400: SalesErrorResponseSerializer},
        summary=f"Create or update up to 1,000 {kind}",
    )
    def post(self: Any, request: Request) -> Response:
        return BulkView.post(self, request)

    name = kind.title()
    one = type(f"{name}UpsertView", (UpsertView,), {"kind": kind, "put": put})
    many = type(f"{name}BulkView", (BulkView,), {"kind": kind, "post": post})
    return one, many


VIEWS = {
    kind: _views(
        kind, ErpProductSerializer if kind == "products" else upsert.SPECS[kind].serializer
    )
    for kind in upsert.KINDS
}
