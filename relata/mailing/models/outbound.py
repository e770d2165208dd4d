"""Outbound email: templates [patrones de mensaje], the outbox and the suppression list.

An :class:`OutgoingEmail` is one message to one recipient, rendered when it is queued
(the text sent is the text the user saw) and sent by the background worker
(:mod:`relata.mailing.outbox`). Its ``message_id`` is fixed at creation, so every attempt
of the same message carries the same ``Message-ID`` header and a receiving server or mail
program can recognise a repeat.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from relata.core.emailaddress import EmailAddressField
from relata.core.models import User


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    SPANISH = "es", _("Spanish")


class Purpose(models.TextChoices):
    MARKETING = "marketing", _("Marketing")
    SERVICE = "service", _("Service")


class EmailTemplate(models.Model):
    """A reusable message whose subject and bodies are sandboxed Jinja2 templates.

    ``body_text`` may be empty: the plain-text part is then made from the HTML body.
    Templates are checked against a sample context when saved (see
    :func:`relata.mailing.rendering.validate_template`).
    """

    name = models.CharField(_("name"), max_length=150)
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.SPANISH
    )
    purpose = models.CharField(
        _("purpose"),
        max_length=10,
        choices=Purpose.choices,
        default=Purpose.SERVICE,
        help_text=_(
            "Marketing emails go only to contacts who accept them and carry an unsubscribe link."
        ),
    )
    subject = models.CharField(_("subject"), max_length=300)
    body_html = models.TextField(_("body (HTML)"))
    body_text = models.TextField(
        _("body (plain text)"),
        blank=True,
        help_text=_("Leave empty to make it from the HTML body."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        User,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["name", "language", "pk"]
        verbose_name = _("email template")
        verbose_name_plural = _("email templates")
        constraints = [
            models.UniqueConstraint(fields=["name", "language"], name="email_template_name_lang")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"

    @property
    def is_marketing(self) -> bool:
        return self.purpose == Purpose.MARKETING


class EmailAttachment(models.Model):
    """A file sent with emails: part of a template (``template`` set) or added to one send.

    Uploads pass :func:`relata.cases.documents.check_upload` (size, kind by content).
    """

    template = models.ForeignKey(
        EmailTemplate,
        verbose_name=_("template"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
    )
    file = models.FileField(_("file"), upload_to="mailing/%Y/%m/")
    name = models.CharField(_("name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    uploaded_by = models.ForeignKey(
        User,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("email attachment")
        verbose_name_plural = _("email attachments")

    def __str__(self) -> str:
        return self.name


class EmailStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    BOUNCED = "bounced", _("Bounced")
    SUPPRESSED = "suppressed", _("Not sent (no consent)")
    # The worker died while the mail server may have been taking the message: it is not
    # sent again by itself (it may have arrived); a user decides (see outbox.py).
    UNKNOWN = "unknown", _("Unknown (worker stopped while sending)")


class OutgoingEmail(models.Model):
    """One message to one recipient, queued for (or done by) the background worker.

    Visible to whoever may see its entity (``PERMISSION_PARENT``). The worker claims a
    row by moving it from ``queued`` to ``sending`` with a conditional UPDATE, marks
    ``handed_over_at`` just before it gives the message to the mail server, and ``sent``
    once the server accepted it; :mod:`relata.mailing.outbox` explains the crash rules.
    """

    PERMISSION_PARENT: ClassVar[str] = "entity"

    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True, editable=False)
    from_email = models.CharField(_("from"), max_length=400)
    reply_to = models.CharField(_("reply to"), max_length=400, blank=True)
    to_email = EmailAddressField(_("to"))
    to_name = models.CharField(_("recipient's name"), max_length=300, blank=True)
    subject = models.CharField(_("subject"), max_length=500)
    body_html = models.TextField(_("body (HTML)"), blank=True)
    body_text = models.TextField(_("body (plain text)"))
    headers = models.JSONField(_("extra headers"), default=dict, blank=True)
    is_marketing = models.BooleanField(_("marketing"), default=False)
    status = models.CharField(
        _("status"), max_length=12, choices=EmailStatus.choices, default=EmailStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True, editable=False)
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    handed_over_at = models.DateTimeField(
        _("handed to the mail server"), null=True, blank=True, editable=False
    )
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    entity = models.ForeignKey(
        "entities.Entity",
        verbose_name=_("entity"),
        on_delete=models.CASCADE,
        related_name="outgoing_emails",
    )
    contact = models.ForeignKey(
        "entities.Contact",
        verbose_name=_("contact"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outgoing_emails",
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outgoing_emails",
    )
    action = models.ForeignKey(
        "actions.Action",
        verbose_name=_("action"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outgoing_emails",
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outgoing_emails",
    )
    template = models.ForeignKey(
        EmailTemplate,
        verbose_name=_("template"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outgoing_emails",
    )
    attachments = models.ManyToManyField(
        EmailAttachment, verbose_name=_("attachments"), blank=True, related_name="emails"
    )
    sent_by = models.ForeignKey(
        User,
        verbose_name=_("sent by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    account = models.ForeignKey(
        "mailing.SendingAccount",
        verbose_name=_("sending account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="emails",
        help_text=_("Empty: the server of EMAIL_URL."),
    )
    batch = models.UUIDField(_("batch"), default=uuid.uuid4, db_index=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outgoing_due_idx"),
            models.Index(fields=["entity", "-created_at"], name="outgoing_entity_idx"),
            models.Index(
                fields=["case", "-created_at"],
                condition=models.Q(case__isnull=False),
                name="outgoing_case_idx",
            ),
            models.Index(
                fields=["contact", "-created_at"],
                condition=models.Q(contact__isnull=False),
                name="outgoing_contact_idx",
            ),
            models.Index(fields=["claim_token"], name="outgoing_claim_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to_email}"


class SuppressionReason(models.TextChoices):
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
    BOUNCED = "bounced", _("Bounced")
    MANUAL = "manual", _("Added by hand")


class Suppression(models.Model):
    """An address that receives no marketing email (and no email at all when it bounced).

    ``address`` is stored in lower case so that the lookup is one index probe.
    """

    address = EmailAddressField(_("address"), unique=True)
    reason = models.CharField(_("reason"), max_length=20, choices=SuppressionReason.choices)
    source = models.CharField(_("source"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "pk"]
        verbose_name = _("suppressed address")
        verbose_name_plural = _("suppressed addresses")

    def __str__(self) -> str:
        return self.address
