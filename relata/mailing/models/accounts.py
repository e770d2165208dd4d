"""Sending accounts: the SMTP servers Relata sends through, configured in the UI.

Without any account, email goes through ``EMAIL_URL`` (Django's ``EMAIL_BACKEND``) with
``DEFAULT_FROM_EMAIL``, as before. An administrator may add accounts (server, security,
login, From address); one may be the default, and users may be given an account of their
own (:class:`SenderAssignment`). Which account and which From a user's messages get is
decided by :func:`relata.mailing.senders.sender_for` when the message is queued; the
outbox then opens one connection per account (:mod:`relata.mailing.outbox`).

The password is encrypted at rest (:mod:`relata.core.crypto`).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from relata.core.crypto import EncryptedTextField
from relata.core.emailaddress import EmailAddressField
from relata.core.models import User


class SmtpSecurity(models.TextChoices):
    STARTTLS = "starttls", _("STARTTLS (port 587)")
    TLS = "tls", _("TLS (port 465)")
    NONE = "none", _("None (password sent in clear)")


DEFAULT_PORTS = {SmtpSecurity.STARTTLS: 587, SmtpSecurity.TLS: 465, SmtpSecurity.NONE: 25}


class SendingAccount(models.Model):
    """An SMTP server and the address messages come from."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    host = models.CharField(_("server"), max_length=255)
    port = models.PositiveIntegerField(
        _("port"), null=True, blank=True, help_text=_("Empty: the standard port.")
    )
    security = models.CharField(
        _("security"),
        max_length=8,
        choices=SmtpSecurity.choices,
        default=SmtpSecurity.STARTTLS,
    )
    username = models.CharField(_("user name"), max_length=255, blank=True)
    password = EncryptedTextField(_("password"), blank=True)
    from_email = EmailAddressField(
        _("from address"),
        help_text=_("Messages come from this address, with the sending user's name."),
    )
    own_address_domain = models.CharField(
        _("users may send as themselves for the domain"),
        max_length=255,
        blank=True,
        help_text=_(
            "For example example.com: a user whose address is in this domain sends from "
            "their own address. The server must accept those senders (SPF, DKIM)."
        ),
    )
    is_default = models.BooleanField(
        _("default account"),
        default=False,
        help_text=_("Used by everyone who has no account of their own."),
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("New messages do not use an inactive account; queued ones still do."),
    )
    timeout = models.PositiveSmallIntegerField(_("timeout (seconds)"), default=30)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("sending account")
        verbose_name_plural = _("sending accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="sending_account_one_default",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def effective_port(self) -> int:
        return self.port or DEFAULT_PORTS[SmtpSecurity(self.security)]

    def allows_own_address(self, address: str) -> bool:
        domain = self.own_address_domain.strip().lower().lstrip("@")
        return bool(domain and address) and address.lower().rsplit("@", 1)[-1] == domain

    def connection(self, **kwargs: Any) -> Any:
        """Return a (closed) Django SMTP backend for this account."""
        from django.core.mail import get_connection

        return get_connection(
            "django.core.mail.backends.smtp.EmailBackend",
            host=self.host,
            port=self.effective_port,
            username=self.username or "",
            password=self.password or "",
            use_tls=self.security == SmtpSecurity.STARTTLS,
            use_ssl=self.security == SmtpSecurity.TLS,
            timeout=self.timeout or 30,
            **kwargs,
        )


class SenderAssignment(models.Model):
    """The sending account of one user (others use the default account)."""

    user = models.OneToOneField(
        User,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="sending_assignment",
    )
    account = models.ForeignKey(
        SendingAccount,
        verbose_name=_("sending account"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )

    class Meta:
        verbose_name = _("sender of a user")
        verbose_name_plural = _("senders of users")

    def __str__(self) -> str:
        return f"{self.user} → {self.account}"
