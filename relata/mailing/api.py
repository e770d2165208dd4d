"""REST API of email: templates (administrators write), sent messages (scoped by the
permission layer), ``POST /api/v1/emails/send/``, mailboxes (administrators) and received
messages (``/api/v1/received-emails/``).

Writes call :mod:`relata.mailing.services`; their ``ValidationError`` (a template error
included) and ``PermissionDenied`` become 400 and 403 through the API's exception handler.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework import permissions as drf_permissions
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
from relata.mailing.inbound import services as inbound_services
from relata.mailing.models import EmailTemplate, InboundMessage, Mailbox, OutgoingEmail


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


# --- inbound --------------------------------------------------------------------------------


class AdministratorPermission(drf_permissions.BasePermission):
    """Mailboxes hold server passwords: administrators only, reading included."""

    message = "Only administrators may see and change mailboxes."

    def has_permission(self, request: Any, view: Any) -> bool:
        return permissions.can_configure(request.user)


class MailboxSerializer(ModelSerializer):
    password = serializers.CharField(
        write_only=True, required=False, allow_blank=True, style={"input_type": "password"}
    )

    class Meta:
        model = Mailbox
        fields = [
            "id", *inbound_services.MAILBOX_FIELDS, "password", "last_polled_at", "last_error",
            "created_at",
        ]  # fmt: skip
        read_only_fields = ["last_polled_at", "last_error", "created_at"]


class PollResultSerializer(serializers.Serializer[Any]):
    fetched = serializers.IntegerField()
    stored = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    processed = serializers.IntegerField()
    skipped = serializers.IntegerField()
    failed = serializers.IntegerField()
    acknowledged = serializers.IntegerField()
    error = serializers.CharField()


class MailboxViewSet(viewsets.ModelViewSet[Mailbox]):
    """Mailboxes read by the worker (administrators). The password is write-only; leaving it
    out of an update keeps the saved one. ``POST …/poll/`` reads the mailbox now."""

    serializer_class = MailboxSerializer
    permission_classes = [AdministratorPermission]
    queryset = Mailbox.objects.all().order_by("name")
    filterset_fields = ["is_active", "kind", "protocol"]
    ordering = ["name"]
    http_method_names = ["get", "post", "patch", "put", "head", "options"]

    def perform_create(self, serializer: BaseSerializer[Mailbox]) -> None:
        serializer.instance = inbound_services.mailbox_create(
            user=request_user(self.request), data=dict(serializer.validated_data)
        )

    def perform_update(self, serializer: BaseSerializer[Mailbox]) -> None:
        assert serializer.instance is not None
        serializer.instance = inbound_services.mailbox_update(
            user=request_user(self.request),
            mailbox=serializer.instance,
            data=dict(serializer.validated_data),
        )

    @extend_schema(request=None, responses={200: PollResultSerializer})
    @action(detail=True, methods=["post"])
    def poll(self, request: Request, pk: str | None = None) -> Response:
        result = inbound_services.mailbox_poll_now(
            user=request_user(request), mailbox=self.get_object()
        )
        if result is None:
            return Response(
                {"detail": "The mailbox is being read right now.", "code": "busy", "errors": {}},
                status=status.HTTP_409_CONFLICT,
            )
        return Response(PollResultSerializer(result).data)


class ReceivedEmailSerializer(ModelSerializer):
    class Meta:
        model = InboundMessage
        fields = [
            "id", "mailbox", "message_id", "subject", "from_address", "from_name", "to", "cc",
            "date", "in_reply_to", "references", "text", "size", "is_auto_reply", "is_bounce",
            "is_list", "is_loop", "status", "skip_reason", "error", "entity", "contact", "case",
            "action", "created_entity", "created_contact", "created_case", "received_at",
        ]  # fmt: skip
        read_only_fields = fields


class ReceivedEmailViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Received emails: administrators see all; others those linked to an entity or case they
    may see. The sender's HTML is not exposed (untrusted); ``text`` is the plain body."""

    serializer_class = ReceivedEmailSerializer
    permission_classes = [permissions.RecordPermission]
    filterset_fields = ["mailbox", "status", "entity", "contact", "case"]
    search_fields = ["from_address", "subject"]
    ordering_fields = ["received_at", "date", "id"]
    ordering = ["-received_at", "-id"]
    queryset = InboundMessage.objects.none()

    def get_queryset(self) -> QuerySet[InboundMessage]:
        if getattr(self, "swagger_fake_view", False):
            return InboundMessage.objects.none()
        return inbound_services.received_queryset(request_user(self.request))
