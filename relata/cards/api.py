"""REST API of card scanning: ``POST /api/v1/cards/scan/`` with a picture."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from relata.cards import imaging, selectors, services
from relata.cards.models import CardScan
from relata.core import permissions
from relata.core.types import request_user


class ScanRequestSerializer(serializers.Serializer):
    image = serializers.FileField(
        help_text="The card picture: JPEG, PNG, WebP or HEIC, at most 10 MB and 40 megapixels."
    )


class PhoneSerializer(serializers.Serializer):
    number = serializers.CharField(help_text="E.164, e.g. +34612345678")
    type = serializers.ChoiceField(choices=["mobile", "landline", "fax"])
    country = serializers.CharField(help_text="ISO 3166 code of the number's country")


class FieldsSerializer(serializers.Serializer):
    given_name = serializers.CharField()
    family_name = serializers.CharField()
    job_title = serializers.CharField()
    company = serializers.CharField()
    emails = serializers.ListField(child=serializers.CharField())
    phones = PhoneSerializer(many=True)
    website = serializers.CharField()
    address = serializers.CharField()
    tax_id = serializers.CharField()


class MatchSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    tax_id = serializers.CharField()
    reason = serializers.CharField()


ScanResponseSerializer = inline_serializer(
    "CardScanResult",
    {
        "id": serializers.IntegerField(help_text="The scan; its picture is kept."),
        "status": serializers.ChoiceField(choices=CardScan.Status.choices),
        "source": serializers.ChoiceField(choices=["ocr", "qr"]),
        "fields": FieldsSerializer(),
        "entity": MatchSerializer(allow_null=True, help_text="The best matching entity."),
        "matches": MatchSerializer(many=True),
        "error": serializers.CharField(),
    },
)


class CardScanView(APIView):
    """Read a business card: returns the proposed contact fields and the matched entity.

    Nothing is created but the scan (which keeps the picture); the caller reviews the
    fields and creates the contact through ``/api/v1/contacts/``.
    """

    parser_classes = [MultiPartParser, FormParser]
    permission_classes = [permissions.RecordPermission]

    @extend_schema(
        request={"multipart/form-data": ScanRequestSerializer},
        responses={201: ScanResponseSerializer},
        operation_id="cards_scan",
    )
    def post(self, request: Request) -> Response:
        user = request_user(request)
        body = ScanRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["image"]
        try:
            data = imaging.read_upload(upload, upload.size)
        except ValidationError as error:
            raise serializers.ValidationError({"image": error.messages}) from None
        try:
            scan = services.card_scan_create(
                user=user, data=data, filename=upload.name or "", background=False
            )
        except ValidationError as error:
            raise serializers.ValidationError({"image": error.messages}) from None
        scan = services.card_scan_run(scan_id=scan.pk)
        fields = scan.fields
        matches = [m.as_dict() for m in selectors.entity_matches(user=user, fields=fields)]
        payload: dict[str, Any] = {
            "id": scan.pk,
            "status": scan.status,
            "source": scan.result.get("source", "ocr"),
            "fields": {name: fields.get(name, "") for name in FieldsSerializer().fields},
            "entity": matches[0] if matches else None,
            "matches": matches,
            "error": scan.error,
        }
        for name in ("emails", "phones"):
            payload["fields"][name] = fields.get(name) or []
        return Response(payload, status=status.HTTP_201_CREATED)
