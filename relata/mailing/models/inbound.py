"""Inbound email: the mailboxes Relata reads and the messages received from them.

A :class:`Mailbox` holds the connection settings (turned into a
:class:`~relata.mailing.inbound.fetching.MailboxConfig` by :meth:`Mailbox.config`), the rules
applied to what arrives, and the fetch position (``state``) saved in the same transaction as
the messages. An :class:`InboundMessage` is stored once across all mailboxes (unique
Message-ID plus content hash); its raw bytes are kept as a file so it can be parsed again.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from relata.core.crypto import EncryptedTextField
from relata.core.models import Team, User
from relata.mailing.inbound.fetching import AfterRead, MailboxConfig, Protocol, Security


class MailboxKind(models.TextChoices):
    SALES = "sales", _("Sales")
    SUPPORT = "support", _("Support")


class UnknownSenderAction(models.TextChoices):
    NONE = "none", _("Only store the message")
    LEAD = "lead", _("Create a lead entity, contact and case")


class Mailbox(models.Model):
    """An IMAP or POP3 mailbox polled by the background worker.

    The password is encrypted at rest (:mod:`relata.core.crypto`).
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    protocol = models.CharField(
        _("protocol"),
        max_length=4,
        choices=[(Protocol.IMAP.value, "IMAP"), (Protocol.POP3.value, "POP3")],
        default=Protocol.IMAP.value,
    )
    host = models.CharField(_("server"), max_length=255)
    port = models.PositiveIntegerField(
        _("port"), null=True, blank=True, help_text=_("Empty: the standard port.")
    )
    security = models.CharField(
        _("security"),
        max_length=8,
        choices=[
            (Security.TLS.value, _("TLS")),
            (Security.STARTTLS.value, _("STARTTLS")),
            (Security.NONE.value, _("None (password sent in clear)")),
        ],
        default=Security.TLS.value,
    )
    username = models.CharField(_("user name"), max_length=255)
    password = EncryptedTextField(_("password"), blank=True)
    folder = models.CharField(_("folder"), max_length=255, default="INBOX")
    after_read = models.CharField(
        _("after reading"),
        max_length=6,
        choices=[
            (AfterRead.SEEN.value, _("Mark as read")),
            (AfterRead.MOVE.value, _("Move to a folder")),
            (AfterRead.DELETE.value, _("Delete")),
        ],
        default=AfterRead.SEEN.value,
    )
    move_to = models.CharField(_("move to folder"), max_length=255, blank=True)
    tls_verify = models.BooleanField(_("verify certificate"), default=True)
    tls_trusted_certificate = models.TextField(
        _("trusted certificate"),
        blank=True,
        help_text=_("PEM certificate to trust for this server (self-signed servers)."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    kind = models.CharField(
        _("kind"), max_length=8, choices=MailboxKind.choices, default=MailboxKind.SALES
    )
    log_known = models.BooleanField(
        _("log mail from known contacts"),
        default=True,
        help_text=_("Record each message from a known contact on their timeline."),
    )
    known_contact_case_type = models.ForeignKey(
        "cases.CaseType",
        verbose_name=_("case type for known contacts"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Open a case of this type for each new message from a known contact."),
    )
    unknown_sender_action = models.CharField(
        _("unknown senders"),
        max_length=4,
        choices=UnknownSenderAction.choices,
        default=UnknownSenderAction.NONE,
    )
    unknown_case_type = models.ForeignKey(
        "cases.CaseType",
        verbose_name=_("case type for unknown senders"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("An opportunity for a sales mailbox, an after-sales type for support."),
    )
    assign_team = models.ForeignKey(
        Team,
        verbose_name=_("assign to team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("New records go to its active members in turn."),
    )
    last_assigned_user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    state = models.JSONField(_("fetch position"), default=dict, blank=True, editable=False)
    last_polled_at = models.DateTimeField(_("last poll"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    # Set while a worker polls the mailbox (one poll at a time; stale after POLL_LEASE).
    poll_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")

    def __str__(self) -> str:
        return self.name

    def config(self) -> MailboxConfig:
        return MailboxConfig(
            protocol=self.protocol,
            host=self.host,
            port=self.port,
            security=self.security,
            username=self.username,
            password=self.password,
            folder=self.folder or "INBOX",
            after_read=self.after_read,
            move_to=self.move_to,
            tls_verify=self.tls_verify,
            tls_trusted_certificate=self.tls_trusted_certificate,
        )


class InboundStatus(models.TextChoices):
    NEW = "new", _("New")
    PROCESSED = "processed", _("Processed")
    SKIPPED = "skipped", _("Skipped")
    FAILED = "failed", _("Failed")


def _raw_path(instance: InboundMessage, filename: str) -> str:
    return f"mailing/inbound/{instance.received_at:%Y/%m}/{filename}"


def _attachment_path(instance: InboundAttachment, filename: str) -> str:
    return f"mailing/inbound/{instance.message.received_at:%Y/%m}/att/{filename}"


class InboundMessage(models.Model):
    """One received email, stored once whatever mailbox it came through.

    ``html`` is the sender's HTML: untrusted, never rendered as-is.
    """

    mailbox = models.ForeignKey(
        Mailbox, verbose_name=_("mailbox"), on_delete=models.PROTECT, related_name="messages"
    )
    remote_id = models.CharField(_("server id"), max_length=255, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=500)
    content_hash = models.CharField(_("content hash"), max_length=64)
    subject = models.CharField(_("subject"), max_length=1000, blank=True)
    from_address = models.CharField(_("from"), max_length=320, blank=True, db_index=True)
    from_name = models.CharField(_("sender's name"), max_length=300, blank=True)
    to = models.JSONField(_("to"), default=list, blank=True)
    cc = models.JSONField(_("cc"), default=list, blank=True)
    date = models.DateTimeField(_("date"), null=True, blank=True)
    in_reply_to = models.CharField(_("in reply to"), max_length=500, blank=True)
    references = models.JSONField(_("references"), default=list, blank=True)
    text = models.TextField(_("text"), blank=True)
    html = models.TextField(_("HTML (untrusted)"), blank=True)
    size = models.PositiveIntegerField(_("size"), default=0)
    truncated = models.BooleanField(_("headers only"), default=False)
    is_auto_reply = models.BooleanField(_("auto-reply"), default=False)
    is_bounce = models.BooleanField(_("bounce"), default=False)
    is_list = models.BooleanField(_("mailing list"), default=False)
    is_loop = models.BooleanField(_("loop"), default=False)
    defects = models.JSONField(_("defects"), default=list, blank=True)
    raw = models.FileField(_("original message"), upload_to=_raw_path, max_length=300)
    status = models.CharField(
        _("status"), max_length=10, choices=InboundStatus.choices, default=InboundStatus.NEW
    )
    skip_reason = models.CharField(_("skip reason"), max_length=20, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    entity = models.ForeignKey(
        "entities.Entity",
        verbose_name=_("entity"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    contact = models.ForeignKey(
        "entities.Contact",
        verbose_name=_("contact"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.ForeignKey(
        "actions.Action",
        verbose_name=_("timeline record"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_entity = models.BooleanField(_("entity created"), default=False)
    created_contact = models.BooleanField(_("contact created"), default=False)
    created_case = models.BooleanField(_("case created"), default=False)
    acknowledged = models.BooleanField(_("acknowledged on the server"), default=False)
    received_at = models.DateTimeField(_("received"), db_index=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("received email")
        verbose_name_plural = _("received emails")
        constraints = [
            models.UniqueConstraint(
                fields=["message_id", "content_hash"], name="inbound_message_once"
            )
        ]
        indexes = [
            models.Index(fields=["mailbox", "status"], name="inbound_mailbox_status_idx"),
        ]

    def __str__(self) -> str:
        return self.subject or str(_("(no subject)"))

    @property
    def linked(self) -> bool:
        return bool(self.entity_id or self.case_id)

    def flags(self) -> list[Any]:
        names = {
            "is_auto_reply": _("auto-reply"),
            "is_bounce": _("bounce"),
            "is_list": _("mailing list"),
            "is_loop": _("loop"),
        }
        return [label for field, label in names.items() if getattr(self, field)]


class InboundAttachment(models.Model):
    message = models.ForeignKey(
        InboundMessage, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=_attachment_path, max_length=300, blank=True)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=255)
    size = models.PositiveIntegerField(_("size"), default=0)
    sha256 = models.CharField(max_length=64)
    content_id = models.CharField(max_length=255, blank=True)
    is_inline = models.BooleanField(_("inline"), default=False)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("received attachment")
        verbose_name_plural = _("received attachments")

    def __str__(self) -> str:
        return self.filename
