"""REST API of outbound email: templates (administrators write), sent messages (scoped by
the permission layer) and ``POST /api/v1/emails/send/``.

Writes call :mod:`relata.mailing.services`; their ``ValidationError`` (a template error
included) and ``PermissionDenied`` become 400 and 403 through the API's exception handler.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from relata.api.serializers import ModelSerializer
from relata.cases.models import Case
from relata.core import permissions
from relata.core.types import request_user
from relata.entities.models import Contact
from relata.mailing import selectors, services
from relata.mailing.models import EmailTemplate, OutgoingEmail


class EmailTemplateSerializer(ModelSerializer):
    class Meta:
        model = EmailTemplate
        fields = ["id", *services.TEMPLATE_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class EmailTemplateViewSet(viewsets.ModelViewSet[EmailTemplate]):
    """Email templates: read by every user, written by administrators. Saving checks the
    template in the sandbox against sample data; an error is a 400 on the field."""

    serializer_class = EmailTemplateSerializer
    permission_classes = [permissions.ConfigurationPermission]
    filterset_fields = ["language", "purpose", "is_active"]
    search_fields = ["name", "subject"]
    ordering_fields = ["name", "language", "updated_at", "id"]
    ordering = ["name", "language"]

    def get_queryset(self) -> QuerySet[EmailTemplate]:
        return selectors.template_list()

    def perform_create(self, serializer: BaseSerializer[EmailTemplate]) -> None:
        serializer.instance = services.template_create(
            user=request_user(self.request), data=dict(serializer.validated_data)
        )

    def perform_update(self, serializer: BaseSerializer[EmailTemplate]) -> None:
        assert serializer.instance is not None
        serializer.instance = services.template_update(
            user=request_user(self.request),
            template=serializer.instance,
            data=dict(serializer.validated_data),
        )

    def perform_destroy(self, instance: EmailTemplate) -> None:
        services.template_delete(user=request_user(self.request), template=instance)


class EmailSerializer(ModelSerializer):
    class Meta:
        model = OutgoingEmail
        fields = [
            "id",
            "message_id",
            "from_email",
            "reply_to",
            "to_email",
            "to_name",
            "subject",
            "body_html",
            "body_text",
            "is_marketing",
            "status",
            "attempts",
            "next_attempt_at",
            "last_error",
            "sent_at",
            "created_at",
            "entity",
            "contact",
            "case",
            "action",
            "campaign",
            "template",
            "sent_by",
            "batch",
        ]
        read_only_fields = fields


class SendSerializer(serializers.Serializer[dict[str, Any]]):
    contacts = serializers.ListField(
        child=serializers.IntegerField(), min_length=1, max_length=20_000
    )
    template = serializers.PrimaryKeyRelatedField(
        queryset=EmailTemplate.objects.all(), required=False, allow_null=True
    )
    subject = serializers.CharField(required=False, max_length=300)
    body_html = serializers.CharField(required=False, allow_blank=True)
    body_text = serializers.CharField(required=False, allow_blank=True)
    is_marketing = serializers.BooleanField(required=False, allow_null=True, default=None)
    case = serializers.IntegerField(required=False, allow_null=True)


class SendResultSerializer(serializers.Serializer[Any]):
    batch = serializers.UUIDField()
    queued = serializers.IntegerField()
    suppressed = serializers.IntegerField()
    without_address = serializers.ListField(child=serializers.IntegerField())
    actions = serializers.ListField(child=serializers.IntegerField())
    emails = EmailSerializer(many=True)


class EmailViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Sent (and queued) emails the user may see: those of the entities they may see."""

    serializer_class = EmailSerializer
    permission_classes = [permissions.RecordPermission]
    filterset_fields = ["status", "entity", "contact", "case", "batch", "is_marketing"]
    search_fields = ["to_email", "subject"]
    ordering_fields = ["created_at", "sent_at", "id"]
    ordering = ["-created_at", "-id"]

    queryset = OutgoingEmail.objects.none()  # for the schema; get_queryset scopes

    def get_queryset(self) -> QuerySet[OutgoingEmail]:
        if getattr(self, "swagger_fake_view", False):
            return OutgoingEmail.objects.none()
        return selectors.email_queryset(user=request_user(self.request))

    @extend_schema(request=SendSerializer, responses={201: SendResultSerializer})
    @action(detail=False, methods=["post"])
    def send(self, request: Request) -> Response:
        """Queue one email per contact (a template, or subject and body, or both: the
        given subject/body replace the template's). Contacts the user may not see → 403."""
        user = request_user(request)
        payload = SendSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        ids = list(dict.fromkeys(data["contacts"]))
        contacts = list(Contact.objects.filter(pk__in=ids))
        permissions.ensure(
            len(contacts) == len(ids), "One of the contacts does not exist or is not visible."
        )
        case = None
        if data.get("case"):
            case = Case.objects.filter(pk=data["case"]).first()
            permissions.ensure(case is not None, "That case does not exist or is not visible.")
        result = services.email_send(
            user=user,
            contacts=contacts,
            template=data.get("template"),
            subject=data.get("subject"),
            body_html=data.get("body_html"),
            body_text=data.get("body_text"),
            is_marketing=data.get("is_marketing"),
            case=case,
        )
        body = {
            "batch": result.batch,
            "queued": result.queued,
            "suppressed": result.suppressed,
            "without_address": [c.pk for c in result.without_address],
            "actions": [a.pk for a in result.actions],
            "emails": result.emails,
        }
        return Response(SendResultSerializer(body).data, status=status.HTTP_201_CREATED)
