"""The outbox worker: claims due messages, sends them, retries with back-off.

Life of a message
-----------------
``queued`` → claimed (``sending``, ``claim_token``, ``claimed_at``) → ``handed_over_at`` set
just before the message is given to the mail server → ``sent`` once the server accepted it.
A refused or unreachable server makes it ``queued`` again with a later ``next_attempt_at``
(:data:`BACKOFF`: 1 min, 5 min, 30 min, 2 h, 12 h), then ``failed`` after
:data:`MAX_ATTEMPTS`. A permanent refusal (a 5xx reply to the message) is ``failed`` at
once; a recipient refused with 5xx is ``bounced`` and its address is suppressed.

Messages go through their sending account's server (one connection per account and
batch), or through ``EMAIL_URL`` when they have none.

Hand-over groups (speed)
------------------------
A commit per message for the hand-over mark and another for ``sent`` cost most of the
time on PostgreSQL. So the worker marks :data:`HANDOVER_GROUP` messages
(``MAILING_HANDOVER_GROUP``, 10 by default) handed over in one UPDATE, sends them one by one
on the connection, and records them ``sent`` in the same commit that hands over the next
group: one commit per group. Failures are still recorded one by one, at once. If the
connection breaks, the rest of the group was never given to the server (this worker knows
it): their mark and attempt are undone and they are queued again.

Claims are conditional UPDATEs (``WHERE status='queued'``) tagged with a random token, so
two workers never take the same message; on PostgreSQL the candidate rows are also read
with ``SELECT … FOR UPDATE SKIP LOCKED`` so that workers do not wait for each other. Every
later write of the worker is again conditional on the token: a worker that lost its claim
(see below) writes nothing and sends nothing.

Crash rule ("sent once")
------------------------
A worker can die at any point. :func:`recover_stale` (run before each drain) looks at
messages left in ``sending`` for more than :data:`STALE_AFTER`:

* not yet handed over: the mail server never saw them; they go back to ``queued`` and are
  sent by the next drain. Safe, because the hand-over write of the old worker (if it is
  only slow, not dead) is conditional on its token, which the recovery cleared.
* handed over: the server may have accepted the message (the worker died after the
  server's "250 OK" and before writing ``sent``) or not (it died during the SMTP dialogue,
  or before reaching that message of its group).
  The database cannot tell, so the message is **not** sent again by itself: it becomes
  ``unknown`` and is shown in the outbox, where a user may send it again
  (:func:`relata.mailing.services.email_retry`). A re-send carries the same Message-ID, so
  a receiving server or mail program that keeps Message-IDs sees a repeat, not a new
  message. A slow worker that finishes after the recovery still records ``sent``.

So the residual window is one hand-over group per worker crash (at most
``MAILING_HANDOVER_GROUP`` messages, the group that was being sent: a message is marked
handed over before the server sees it, and stays so until the commit that records it
``sent``), and it is never re-sent silently. With ``MAILING_HANDOVER_GROUP = 1`` it is one
message, at the cost of one commit per message.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.utils import formataddr
from typing import Any

from django import db
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from relata.mailing import consent
from relata.mailing.models import (
    EmailAttachment,
    EmailStatus,
    OutgoingEmail,
    SendingAccount,
    SuppressionReason,
)

logger = logging.getLogger(__name__)

# Delay after the 1st, 2nd… failed attempt.
BACKOFF = (
    datetime.timedelta(minutes=1),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=30),
    datetime.timedelta(hours=2),
    datetime.timedelta(hours=12),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
BATCH_SIZE = 100
# Messages marked "handed over" together (``MAILING_HANDOVER_GROUP``): at most this many
# can be "unknown" after a crash. See send_batch.
HANDOVER_GROUP = 10
# Longer than one SMTP transaction can take (EMAIL_TIMEOUT is 30 s per operation).
STALE_AFTER = datetime.timedelta(minutes=10)

RETRY, PERMANENT, BOUNCE = "retry", "permanent", "bounce"


@dataclass
class DrainResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    bounced: int = 0
    recovered: int = 0
    unknown: int = 0


def recover_stale(now: datetime.datetime | None = None) -> tuple[int, int]:
    """Release the messages of workers that died; return (requeued, unknown)."""
    limit = (now or timezone.now()) - STALE_AFTER
    stuck = OutgoingEmail.objects.filter(status=EmailStatus.SENDING)
    requeued = stuck.filter(handed_over_at__isnull=True, claimed_at__lt=limit).update(
        status=EmailStatus.QUEUED, claim_token=None, claimed_at=None
    )
    # The claim token stays: a worker that was only slow may still record "sent".
    unknown = stuck.filter(handed_over_at__lt=limit).update(
        status=EmailStatus.UNKNOWN,
        last_error=_(
            "The sending stopped while the mail server was taking this message: it may have "
            "been delivered. Send it again only if the recipient did not receive it."
        ),
    )
    if requeued or unknown:
        logger.warning("Outbox recovery: %d requeued, %d unknown.", requeued, unknown)
    return requeued, unknown


def claim(limit: int = BATCH_SIZE, now: datetime.datetime | None = None) -> list[OutgoingEmail]:
    """Take up to ``limit`` due messages for this worker (atomically)."""
    now = now or timezone.now()
    token = uuid.uuid4()
    with transaction.atomic():
        due = OutgoingEmail.objects.filter(
            status=EmailStatus.QUEUED, next_attempt_at__lte=now
        ).order_by("next_attempt_at", "pk")
        if db.connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True)[:limit])
        if not ids:
            return []
        OutgoingEmail.objects.filter(pk__in=ids, status=EmailStatus.QUEUED).update(
            status=EmailStatus.SENDING, claim_token=token, claimed_at=timezone.now()
        )
    return list(
        OutgoingEmail.objects.filter(claim_token=token, status=EmailStatus.SENDING)
        .prefetch_related("attachments")
        .order_by("pk")
    )


class _Files:
    """Attachment contents read once per batch."""

    def __init__(self) -> None:
        self._cache: dict[int, bytes] = {}

    def read(self, attachment: EmailAttachment) -> bytes:
        if attachment.pk not in self._cache:
            with attachment.file.open("rb") as handle:
                self._cache[attachment.pk] = handle.read()
        return self._cache[attachment.pk]


def build_message(email: OutgoingEmail, files: _Files | None = None) -> EmailMultiAlternatives:
    """Return the email as Django sends it, with its fixed Message-ID."""
    files = files or _Files()
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=email.from_email,
        to=[formataddr((email.to_name, email.to_email)) if email.to_name else email.to_email],
        reply_to=[email.reply_to] if email.reply_to else None,
        headers={**(email.headers or {}), "Message-ID": email.message_id},
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    for attachment in email.attachments.all():
        message.attach(attachment.name, files.read(attachment), attachment.content_type or None)
    return message


def classify(error: BaseException) -> str:
    """Return what a sending error means for the message: retry, permanent or bounce."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _text in error.recipients.values()]
        return BOUNCE if codes and all(500 <= code < 600 for code in codes) else RETRY
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return RETRY  # the installation's configuration, not the message
    if isinstance(error, smtplib.SMTPResponseException):
        return PERMANENT if 500 <= error.smtp_code < 600 else RETRY
    return RETRY


def _broken_connection(error: BaseException) -> bool:
    return isinstance(
        error, (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError)
    ) or (isinstance(error, OSError) and not isinstance(error, smtplib.SMTPException))


def _decoded(text: bytes | str) -> str:
    return text.decode(errors="replace") if isinstance(text, bytes) else str(text)


def _error_text(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        parts = [
            f"{address}: {code} {_decoded(text)}"
            for address, (code, text) in error.recipients.items()
        ]
        return "; ".join(parts)[:2000]
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error
        text = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
        return f"{error.smtp_code} {text}"[:2000]
    return f"{type(error).__name__}: {error}"[:2000]


def _mine(email: OutgoingEmail) -> Any:
    return OutgoingEmail.objects.filter(pk=email.pk, claim_token=email.claim_token)


def _failed_attempt(
    email: OutgoingEmail, error: BaseException, attempts: int, now: datetime.datetime | None
) -> str:
    """Record a failed attempt; return the resulting status."""
    kind = classify(error)
    text = _error_text(error)
    now = now or timezone.now()
    common: dict[str, Any] = {"last_error": text, "handed_over_at": None}
    if kind == BOUNCE:
        _mine(email).update(status=EmailStatus.BOUNCED, **common)
        consent.suppress(email.to_email, SuppressionReason.BOUNCED, f"bounce: {text[:150]}")
        return EmailStatus.BOUNCED
    if kind == PERMANENT or attempts >= MAX_ATTEMPTS:
        _mine(email).update(status=EmailStatus.FAILED, **common)
        return EmailStatus.FAILED
    delay = BACKOFF[min(attempts, len(BACKOFF)) - 1] if attempts else BACKOFF[0]
    _mine(email).update(
        status=EmailStatus.QUEUED,
        next_attempt_at=now + delay,
        claim_token=None,
        claimed_at=None,
        **common,
    )
    return EmailStatus.QUEUED


def _release(
    emails: list[OutgoingEmail], delay: datetime.timedelta, now: datetime.datetime | None
) -> None:
    """Give back claimed messages that the server never saw (it went away).

    Some may already carry the hand-over mark of their group: this worker is alive and
    knows that they were not given to the server, so the mark and the attempt are undone.
    """
    handed = [e.pk for e in emails if e.handed_over_at is not None]
    for token, group in _by_token(emails).items():
        fields: dict[str, Any] = {
            "status": EmailStatus.QUEUED,
            "next_attempt_at": (now or timezone.now()) + delay,
            "claim_token": None,
            "claimed_at": None,
        }
        rows = OutgoingEmail.objects.filter(pk__in=[e.pk for e in group], claim_token=token)
        rows.exclude(pk__in=handed).update(**fields)
        rows.filter(pk__in=handed).update(handed_over_at=None, attempts=F("attempts") - 1, **fields)


def _by_token(emails: list[OutgoingEmail]) -> dict[uuid.UUID | None, list[OutgoingEmail]]:
    groups: dict[uuid.UUID | None, list[OutgoingEmail]] = {}
    for email in emails:
        groups.setdefault(email.claim_token, []).append(email)
    return groups


def _record_sent(emails: list[OutgoingEmail], result: DrainResult) -> None:
    """Mark messages the server accepted as sent (one UPDATE per claim)."""
    now = timezone.now()
    for token, group in _by_token(emails).items():
        # No status condition: a slow worker whose messages the recovery marked "unknown"
        # (it kept their token) still records what it knows.
        OutgoingEmail.objects.filter(pk__in=[e.pk for e in group], claim_token=token).update(
            status=EmailStatus.SENT, sent_at=now, last_error="", claim_token=None
        )
    result.sent += len(emails)


def _hand_over(
    group: list[OutgoingEmail], accepted: list[OutgoingEmail], result: DrainResult
) -> list[OutgoingEmail]:
    """In one commit: record ``accepted`` as sent and mark ``group`` handed over.

    Returns the messages of ``group`` still claimed by this worker (a claim lost to the
    recovery is neither marked nor sent). One commit per group instead of two per
    message; after a crash, only the group being sent can be "unknown".
    """
    now = timezone.now()
    mine: list[OutgoingEmail] = []
    with transaction.atomic():
        if accepted:
            _record_sent(accepted, result)
        for token, members in _by_token(group).items():
            ids = [e.pk for e in members]
            rows = OutgoingEmail.objects.filter(
                pk__in=ids, claim_token=token, status=EmailStatus.SENDING
            )
            count = rows.update(handed_over_at=now, attempts=F("attempts") + 1)
            if count != len(ids):  # rare: find which ones are still ours
                kept = set(rows.values_list("pk", flat=True))
                members = [e for e in members if e.pk in kept]
            mine += members
    for email in mine:
        email.handed_over_at = now
    return mine


def _group_size() -> int:
    return max(1, int(getattr(settings, "MAILING_HANDOVER_GROUP", HANDOVER_GROUP)))


def send_batch(
    emails: list[OutgoingEmail], result: DrainResult, now: datetime.datetime | None = None
) -> None:
    """Send claimed messages: one connection per sending account (none: ``EMAIL_URL``).

    ``now`` (tests) is the moment the back-off counts from; by default the real time.
    """
    by_account: dict[int | None, list[OutgoingEmail]] = {}
    for email in emails:
        by_account.setdefault(email.account_id, []).append(email)
    accounts = SendingAccount.objects.in_bulk([pk for pk in by_account if pk is not None])
    for account_id, group in by_account.items():
        account = accounts.get(account_id) if account_id is not None else None
        if account is not None:
            backend = account.connection(fail_silently=False)
        else:
            backend = get_connection(fail_silently=False)
        _send_over(backend, group, result, now)


def _send_over(
    backend: Any,
    emails: list[OutgoingEmail],
    result: DrainResult,
    now: datetime.datetime | None,
) -> None:
    """Send messages over one connection, a hand-over group at a time.

    Each group of :data:`HANDOVER_GROUP` messages is marked handed over in the same commit
    that records the previous group as sent; failures are recorded one by one at once.
    """
    if not emails:
        return
    try:
        backend.open()
    except Exception as error:  # the server is unreachable: an attempt for every message
        logger.warning("Outbox: cannot reach the mail server: %s", error)
        for email in emails:
            attempts = email.attempts + 1
            _mine(email).update(attempts=attempts)
            status = _failed_attempt(email, error, attempts, now)
            result.retried += status == EmailStatus.QUEUED
            result.failed += status == EmailStatus.FAILED
        return
    files = _Files()
    size = _group_size()
    accepted: list[OutgoingEmail] = []  # taken by the server, not yet recorded
    try:
        for start in range(0, len(emails), size):
            group = _hand_over(emails[start : start + size], accepted, result)
            accepted = []
            for index, email in enumerate(group):
                try:
                    backend.send_messages([build_message(email, files)])
                except Exception as error:
                    status = _failed_attempt(email, error, email.attempts + 1, now)
                    result.retried += status == EmailStatus.QUEUED
                    result.failed += status == EmailStatus.FAILED
                    result.bounced += status == EmailStatus.BOUNCED
                    if _broken_connection(error):
                        _record_sent(accepted, result)
                        accepted = []
                        _release(group[index + 1 :] + emails[start + size :], BACKOFF[0], now)
                        return
                    continue
                accepted.append(email)
        _record_sent(accepted, result)
    finally:
        try:
            backend.close()
        except Exception:
            logger.debug("Outbox: closing the connection failed.", exc_info=True)


def _drain_loop(
    now: datetime.datetime | None, max_batches: int | None, result: DrainResult
) -> DrainResult:
    batches = 0
    while max_batches is None or batches < max_batches:
        emails = claim(BATCH_SIZE, now)
        if not emails:
            break
        send_batch(emails, result, now)
        batches += 1
    return result


def _threaded_loop(now: datetime.datetime | None, max_batches: int | None) -> DrainResult:
    try:
        return _drain_loop(now, max_batches, DrainResult())
    finally:
        db.connection.close()  # this thread's own connection


def drain(
    *,
    now: datetime.datetime | None = None,
    max_batches: int | None = None,
    connections: int | None = None,
) -> DrainResult:
    """Send every due message (in batches); the periodic job and each send call this.

    ``connections`` SMTP connections (``MAILING_SMTP_CONNECTIONS``, 4 by default) send in
    parallel threads, each claiming its own batches: a round trip to the mail server is
    mostly waiting. Inside a transaction (tests) it runs in the calling thread only, since
    other threads would not see uncommitted rows.
    """
    result = DrainResult()
    result.recovered, result.unknown = recover_stale(now)
    count = connections or int(getattr(settings, "MAILING_SMTP_CONNECTIONS", 4))
    if count <= 1 or db.connection.in_atomic_block:
        return _drain_loop(now, max_batches, result)
    with ThreadPoolExecutor(max_workers=count, thread_name_prefix="outbox") as pool:
        futures = [pool.submit(_threaded_loop, now, max_batches) for _ in range(count)]
        for future in futures:
            part = future.result()
            for name in ("sent", "retried", "failed", "bounced"):
                setattr(result, name, getattr(result, name) + getattr(part, name))
    return result
