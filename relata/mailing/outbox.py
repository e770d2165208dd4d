"""The outbox worker: claims due messages, sends them, retries with back-off.

Life of a message
-----------------
``queued`` → claimed (``sending``, ``claim_token``, ``claimed_at``) → ``handed_over_at`` set
just before the message is given to the mail server → ``sent`` once the server accepted it.
A refused or unreachable server makes it ``queued`` again with a later ``next_attempt_at``
(:data:`BACKOFF`: 1 min, 5 min, 30 min, 2 h, 12 h), then ``failed`` after
:data:`MAX_ATTEMPTS`. A permanent refusal (a 5xx reply to the message) is ``failed`` at
once; a recipient refused with 5xx is ``bounced`` and its address is suppressed.

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
  server's "250 OK" and before writing ``sent``) or not (it died during the SMTP dialogue).
  The database cannot tell, so the message is **not** sent again by itself: it becomes
  ``unknown`` and is shown in the outbox, where a user may send it again
  (:func:`relata.mailing.services.email_retry`). A re-send carries the same Message-ID, so
  a receiving server or mail program that keeps Message-IDs sees a repeat, not a new
  message. A slow worker that finishes after the recovery still records ``sent``.

So the residual window is one message per worker crash, between the hand-over write and
the ``sent`` write (one SMTP transaction), and it is never re-sent silently.
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
from relata.mailing.models import EmailAttachment, EmailStatus, OutgoingEmail, SuppressionReason

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
    """Give back claimed messages that were not tried (the server went away)."""
    for email in emails:
        _mine(email).update(
            status=EmailStatus.QUEUED,
            next_attempt_at=(now or timezone.now()) + delay,
            claim_token=None,
            claimed_at=None,
        )


def send_batch(
    emails: list[OutgoingEmail], result: DrainResult, now: datetime.datetime | None = None
) -> None:
    """Send claimed messages over one connection, recording each outcome at once.

    ``now`` (tests) is the moment the back-off counts from; by default the real time.
    """
    if not emails:
        return
    backend = get_connection(fail_silently=False)
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
    try:
        for index, email in enumerate(emails):
            attempts = email.attempts + 1
            # The hand-over mark (conditional on the claim) comes before the server sees
            # anything; a claim lost to the recovery sends nothing.
            if (
                not _mine(email)
                .filter(status=EmailStatus.SENDING)
                .update(handed_over_at=timezone.now(), attempts=F("attempts") + 1)
            ):
                continue
            try:
                backend.send_messages([build_message(email, files)])
            except Exception as error:
                status = _failed_attempt(email, error, attempts, now)
                result.retried += status == EmailStatus.QUEUED
                result.failed += status == EmailStatus.FAILED
                result.bounced += status == EmailStatus.BOUNCED
                if _broken_connection(error):
                    _release(emails[index + 1 :], BACKOFF[0], now)
                    return
                continue
            _mine(email).update(
                status=EmailStatus.SENT,
                sent_at=timezone.now(),
                last_error="",
                claim_token=None,
            )
            result.sent += 1
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
