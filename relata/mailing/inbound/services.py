"""Services of inbound email: processing stored messages and configuring mailboxes."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from relata.cases.models import Case, CaseType
from relata.core import permissions
from relata.core.models import User
from relata.entities.models import Entity
from relata.mailing.inbound import rules
from relata.mailing.inbound.detection import case_number_pattern
from relata.mailing.inbound.fetching import MailboxError, check
from relata.mailing.inbound.parsing import ParsedMessage, ParseOptions, parse
from relata.mailing.models import InboundMessage, InboundStatus, Mailbox

logger = logging.getLogger(__name__)

MAILBOX_FIELDS = (
    "name", "protocol", "host", "port", "security", "username", "folder", "after_read",
    "move_to", "tls_verify", "tls_trusted_certificate", "is_active", "kind", "log_known",
    "known_contact_case_type", "unknown_sender_action", "unknown_case_type", "assign_team",
)  # fmt: skip


def parse_options() -> ParseOptions:
    """What the parser must know about this site: our domains, addresses, case prefixes."""
    from relata.mailing.services import site_domain

    prefixes = [p for p in CaseType.objects.values_list("number_prefix", flat=True) if p]
    own = tuple(u.lower() for u in Mailbox.objects.values_list("username", flat=True) if "@" in u)
    return ParseOptions(
        own_message_id_domains=(site_domain(),),
        own_addresses=own,
        case_number_pattern=case_number_pattern(prefixes),
    )


def received_queryset(user: User) -> QuerySet[InboundMessage]:
    """The received messages `user` may see: all for administrators; otherwise those linked
    to an entity or case they can see (unlinked mail stays with the administrators)."""
    qs = InboundMessage.objects.select_related("mailbox", "entity", "contact", "case")
    if permissions.is_administrator(user):
        return qs
    entities = permissions.scope(user, Entity.objects.all()).values("pk")
    cases = permissions.scope(user, Case.objects.all()).values("pk")
    return qs.filter(Q(entity__in=entities) | Q(case__in=cases))


def reparse(message: InboundMessage) -> ParsedMessage:
    with message.raw.open("rb") as handle:
        raw = handle.read()
    return parse(raw, parse_options())


def process(message: InboundMessage, parsed: ParsedMessage | None = None) -> str:
    """Apply the mailbox's rules to a stored message; returns the new status.

    All the records are created in one transaction: a failure rolls them back and marks the
    message failed with the error, to be retried by the next polls.
    """
    try:
        with transaction.atomic():
            # The mailbox row lock serialises the round-robin turn between workers.
            mailbox = Mailbox.objects.select_for_update().get(pk=message.mailbox_id)
            locked = InboundMessage.objects.select_for_update().get(pk=message.pk)
            if locked.status in (InboundStatus.PROCESSED, InboundStatus.SKIPPED):
                return locked.status
            if parsed is None:
                parsed = reparse(locked)
            status = rules.apply(mailbox, locked, parsed)
            locked.status = status
            locked.error = ""
            locked.attempts += 1
            locked.processed_at = timezone.now()
            locked.save()
            message.refresh_from_db()
            return status
    except Exception as exc:
        logger.exception("inbound message %s: the rules failed", message.pk)
        error = _error_text(exc)
        InboundMessage.objects.filter(pk=message.pk).update(
            status=InboundStatus.FAILED, error=error[:2000], attempts=message.attempts + 1
        )
        message.refresh_from_db()
        return InboundStatus.FAILED


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(str(m) for m in exc.messages)
    return str(exc) or exc.__class__.__name__


def message_retry(*, user: User, message: InboundMessage) -> str:
    permissions.ensure(permissions.can_configure(user))
    InboundMessage.objects.filter(pk=message.pk).update(status=InboundStatus.NEW, attempts=0)
    message.refresh_from_db()
    return process(message)


# --- mailboxes ------------------------------------------------------------------------------


def _mailbox_save(mailbox: Mailbox, data: dict[str, Any]) -> Mailbox:
    for name in MAILBOX_FIELDS:
        if name in data:
            setattr(mailbox, name, data[name])
    password = data.get("password")
    if password:  # write-only: empty keeps the stored one
        mailbox.password = password
    errors = mailbox.config().errors()
    if errors:
        raise ValidationError(errors)
    mailbox.full_clean()
    mailbox.save()
    return mailbox


@transaction.atomic
def mailbox_create(*, user: User, data: dict[str, Any]) -> Mailbox:
    permissions.ensure(permissions.can_configure(user))
    return _mailbox_save(Mailbox(), data)


@transaction.atomic
def mailbox_update(*, user: User, mailbox: Mailbox, data: dict[str, Any]) -> Mailbox:
    permissions.ensure(permissions.can_configure(user))
    changed_server = any(
        name in data and data[name] != getattr(mailbox, name)
        for name in ("protocol", "host", "username", "folder")
    )
    if changed_server:  # another mailbox: read it from the start (duplicates are dropped)
        mailbox.state = {}
    return _mailbox_save(mailbox, data)


def mailbox_check(*, user: User, mailbox: Mailbox) -> tuple[bool, str]:
    """Test the connection: (ok, message to show)."""
    permissions.ensure(permissions.can_configure(user))
    try:
        count = check(mailbox.config())
    except MailboxError as exc:
        return False, exc.message
    return True, _("Connected: %(count)s messages in the folder.") % {"count": count}


def mailbox_poll_now(*, user: User, mailbox: Mailbox) -> Any:
    from relata.mailing.inbound.poller import PollBusy, poll

    if not permissions.can_configure(user):
        raise PermissionDenied
    try:
        return poll(mailbox)
    except PollBusy:
        return None
