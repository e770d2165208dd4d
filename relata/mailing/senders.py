"""Who a message comes from: the sending account and the From/Reply-To of a user's emails,
and the services of the sending accounts (Settings → Sending accounts).

The account of a user is their own (:class:`~relata.mailing.models.SenderAssignment`) when
it is active, otherwise the active default account, otherwise none: ``EMAIL_URL`` and
``DEFAULT_FROM_EMAIL``. "Send as yourself": when the account allows the domain of the
user's address, From is the user's own address; otherwise From is the account's (or
``DEFAULT_FROM_EMAIL``'s) address with the user's name and Reply-To is the user, so that
answers reach them while the server's domain signs the mail (SPF, DKIM).
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from dataclasses import dataclass
from email.utils import formataddr, getaddresses
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from relata.core import permissions
from relata.core.models import User
from relata.mailing.models import SenderAssignment, SendingAccount

ACCOUNT_FIELDS = (
    "name", "host", "port", "security", "username", "from_email", "own_address_domain",
    "is_default", "is_active", "timeout",
)  # fmt: skip


@dataclass(frozen=True)
class Sender:
    from_email: str
    reply_to: str
    account: SendingAccount | None


def account_for(user: User) -> SendingAccount | None:
    """The active account the user's messages go through (None: ``EMAIL_URL``)."""
    assignment = (
        SenderAssignment.objects.select_related("account")
        .filter(user=user, account__is_active=True)
        .first()
    )
    if assignment is not None:
        return assignment.account
    return SendingAccount.objects.filter(is_default=True, is_active=True).first()


def sender_for(user: User) -> Sender:
    """Return the From, Reply-To and account of the user's emails."""
    account = account_for(user)
    name = user.get_full_name() or user.get_username()
    own = user.email or ""
    if account is not None and account.allows_own_address(own):
        return Sender(formataddr((name, own)), "", account)
    if account is not None:
        address = account.from_email
    else:
        default = getaddresses([settings.DEFAULT_FROM_EMAIL])
        address = default[0][1] if default and default[0][1] else "relata@localhost"
    return Sender(formataddr((name, address)), own, account)


# --- Services of the accounts (administrators) ---------------------------------------------


def _save(user: User, account: SendingAccount, data: dict[str, Any]) -> SendingAccount:
    permissions.ensure(
        permissions.can_configure(user), _("Only administrators change sending accounts.")
    )
    for name in ACCOUNT_FIELDS:
        if name in data:
            setattr(account, name, data[name])
    if data.get("password"):  # write-only: empty keeps the saved one
        if not str(data["password"]).isascii():  # Python's smtplib logs in with ASCII only
            raise ValidationError(
                {"password": _("Use a password of ASCII characters (letters without accents).")}
            )
        account.password = data["password"]
    account.own_address_domain = account.own_address_domain.strip().lower().lstrip("@")
    # One default account: choosing a new one unsets the former.
    account.full_clean(exclude=["password"], validate_constraints=False)
    if account.is_default:
        SendingAccount.objects.exclude(pk=account.pk).filter(is_default=True).update(
            is_default=False
        )
    account.save()
    if "users" in data:
        users = list(data["users"] or [])
        SenderAssignment.objects.filter(account=account).exclude(user__in=users).delete()
        for member in users:  # a user has one account: this one now
            SenderAssignment.objects.update_or_create(user=member, defaults={"account": account})
    return account


@transaction.atomic
def account_create(*, user: User, data: dict[str, Any]) -> SendingAccount:
    """Create a sending account; ``data["users"]`` (optional) send through it."""
    return _save(user, SendingAccount(), data)


@transaction.atomic
def account_update(*, user: User, account: SendingAccount, data: dict[str, Any]) -> SendingAccount:
    """Change an account; an empty password keeps the saved one."""
    return _save(user, account, data)


@transaction.atomic
def account_delete(*, user: User, account: SendingAccount) -> None:
    """Delete an account; its queued messages go through the default account or EMAIL_URL."""
    permissions.ensure(permissions.can_configure(user))
    account.delete()


def account_check(*, user: User, account: SendingAccount) -> tuple[bool, str]:
    """Connect and log in to the account's server; return (ok, message to show)."""
    permissions.ensure(permissions.can_configure(user))
    backend = account.connection(fail_silently=False)
    try:
        backend.open()
    except smtplib.SMTPAuthenticationError as error:
        raw = error.smtp_error
        text = raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw or "")
        return False, _("The server refused the user name or password: %(error)s") % {
            "error": f"{error.smtp_code} {text}".strip()
        }
    except (TimeoutError, smtplib.SMTPException, OSError, ssl.SSLError, UnicodeError) as error:
        return False, f"{type(error).__name__}: {error}"
    with contextlib.suppress(Exception):  # the check succeeded; closing is best effort
        backend.close()
    return True, _("Connected to %(host)s:%(port)s and logged in.") % {
        "host": account.host,
        "port": account.effective_port,
    }
