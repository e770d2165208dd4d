"""Poll a mailbox: store what arrived, then apply the rules and the after-read action.

The order is what makes the poll safe against crashes (see `fetching`):

1. For each fetched message, ONE transaction stores it (unless a message with the same
   Message-ID and content hash is already stored) together with the new fetch position.
2. Only after that commit is the message acknowledged on the server (mark seen, move,
   delete) — in one batch at the end of the poll, for every message committed.
3. The rules run after the store, each message in its own transaction: a rule that fails
   marks the message `failed` with the error (retried by later polls), it never loses it.

A worker that dies anywhere leaves either the old position (the message is fetched again and
recognised as a duplicate) or a stored, not yet acknowledged message (acknowledged by the
next poll). One poll per mailbox runs at a time: the `poll_started_at` lease is taken with
an atomic UPDATE, so it works across processes and databases; a lease older than
`POLL_LEASE` (a killed worker) is taken over.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from relata.mailing.inbound.fetching import FetchedMessage, MailboxError, acknowledge, fetch
from relata.mailing.inbound.parsing import ParsedMessage, parse
from relata.mailing.models import InboundAttachment, InboundMessage, InboundStatus, Mailbox

logger = logging.getLogger(__name__)

POLL_LEASE = timedelta(minutes=15)
MAX_RULE_ATTEMPTS = 5


class PollBusy(Exception):
    """Another worker is polling this mailbox."""


@dataclass
class PollResult:
    fetched: int = 0
    stored: int = 0
    duplicates: int = 0
    processed: int = 0
    skipped: int = 0
    failed: int = 0
    acknowledged: int = 0
    error: str = ""


def poll(mailbox: Mailbox, *, limit: int | None = None) -> PollResult:
    """Fetch, store, process and acknowledge the new messages of `mailbox`.

    Server problems are recorded on the mailbox (`last_error`) and returned in
    `PollResult.error`; they are never raised. Raises PollBusy when another poll is running.
    """
    if not _claim(mailbox):
        raise PollBusy(mailbox.pk)
    result = PollResult()
    try:
        _poll(mailbox, result, limit)
    finally:
        Mailbox.objects.filter(pk=mailbox.pk).update(
            poll_started_at=None, last_polled_at=timezone.now(), last_error=result.error
        )
        mailbox.refresh_from_db(fields=["state", "last_polled_at", "last_error", "poll_started_at"])
    return result


def poll_active() -> dict[int, PollResult]:
    """Poll every active mailbox (the periodic task); busy ones are left for the next run."""
    results: dict[int, PollResult] = {}
    for mailbox in Mailbox.objects.filter(is_active=True).order_by("pk"):
        try:
            results[mailbox.pk] = poll(mailbox)
        except PollBusy:
            continue
    return results


def _claim(mailbox: Mailbox) -> bool:
    now = timezone.now()
    free = Q(poll_started_at__isnull=True) | Q(poll_started_at__lt=now - POLL_LEASE)
    return bool(Mailbox.objects.filter(free, pk=mailbox.pk).update(poll_started_at=now))


def _poll(mailbox: Mailbox, result: PollResult, limit: int | None) -> None:
    from relata.mailing.inbound.services import parse_options, process

    config = mailbox.config()
    options = parse_options()
    committed: list[str] = []
    stored: list[tuple[InboundMessage, ParsedMessage]] = []
    try:
        _acknowledge_pending(mailbox, result)
        state = dict(mailbox.state or {})
        for fetched in fetch(config, state):
            result.fetched += 1
            parsed = parse(fetched.raw, options)
            try:
                message = store(mailbox, fetched, parsed)
            except Exception as exc:  # the database, the file storage: stop here
                logger.exception("mailbox %s: could not store %s", mailbox.pk, fetched.id)
                result.error = _("Could not store a message: %(error)s") % {"error": exc}
                break
            committed.append(fetched.id)
            if message is None:
                result.duplicates += 1
            else:
                result.stored += 1
                stored.append((message, parsed))
            if limit is not None and result.fetched >= limit:
                break
    except MailboxError as exc:
        result.error = exc.message
    # Rules first (they only need the stored rows), then the server's after-read action.
    for message, parsed in stored:
        _count(result, process(message, parsed))
    done = {message.pk for message, _parsed in stored}
    for message in _retryable(mailbox, exclude=done):
        _count(result, process(message))
    if committed:
        _acknowledge(mailbox, committed, result)


def store(
    mailbox: Mailbox, fetched: FetchedMessage, parsed: ParsedMessage
) -> InboundMessage | None:
    """Store one fetched message and the fetch position after it, in one transaction.

    Returns None when the message was stored before (the position still advances).
    """
    with transaction.atomic():
        message = None
        if not _exists(parsed):
            try:
                with transaction.atomic():
                    message = _create(mailbox, fetched, parsed)
            except IntegrityError:  # stored meanwhile through another mailbox
                if not _exists(parsed):
                    raise
                message = None
        Mailbox.objects.filter(pk=mailbox.pk).update(state=fetched.state)
    return message


def _exists(parsed: ParsedMessage) -> bool:
    return InboundMessage.objects.filter(
        message_id=parsed.message_id[:500], content_hash=parsed.content_hash
    ).exists()


def _addresses(values: Any) -> list[dict[str, str]]:
    return [{"name": a.name, "address": a.address} for a in values]


def _create(mailbox: Mailbox, fetched: FetchedMessage, parsed: ParsedMessage) -> InboundMessage:
    message = InboundMessage(
        mailbox=mailbox,
        remote_id=fetched.id[:255],
        message_id=parsed.message_id[:500],
        content_hash=parsed.content_hash,
        subject=parsed.subject[:1000],
        from_address=parsed.from_address[:320],
        from_name=parsed.from_name[:300],
        to=_addresses(parsed.to),
        cc=_addresses(parsed.cc),
        date=parsed.date,
        in_reply_to=(parsed.in_reply_to or "")[:500],
        references=list(parsed.references),
        text=parsed.text,
        html=parsed.html or "",
        size=fetched.size or parsed.size,
        truncated=fetched.truncated,
        is_auto_reply=parsed.is_auto_reply,
        is_bounce=parsed.is_bounce,
        is_list=parsed.is_list,
        is_loop=parsed.is_loop,
        defects=list(parsed.defects)[:50],
        received_at=timezone.now(),
    )
    message.raw.save(f"{parsed.content_hash}.eml", ContentFile(fetched.raw), save=False)
    message.save()
    for attachment in parsed.attachments:
        row = InboundAttachment(
            message=message,
            filename=attachment.filename[:255],
            content_type=attachment.content_type[:255],
            size=attachment.size,
            sha256=attachment.sha256,
            content_id=(attachment.content_id or "")[:255],
            is_inline=attachment.is_inline,
        )
        if attachment.payload is not None:
            row.file.save(attachment.sha256, ContentFile(attachment.payload), save=False)
        row.save()
    return message


def _retryable(mailbox: Mailbox, exclude: set[int]) -> list[InboundMessage]:
    """Messages left unprocessed by a crash, or whose rules failed, to try again."""
    return list(
        InboundMessage.objects.filter(mailbox=mailbox, attempts__lt=MAX_RULE_ATTEMPTS)
        .filter(Q(status=InboundStatus.NEW) | Q(status=InboundStatus.FAILED))
        .exclude(pk__in=exclude)
        .order_by("pk")[:100]
    )


def _count(result: PollResult, status: str) -> None:
    if status == InboundStatus.PROCESSED:
        result.processed += 1
    elif status == InboundStatus.SKIPPED:
        result.skipped += 1
    elif status == InboundStatus.FAILED:
        result.failed += 1


def _acknowledge(mailbox: Mailbox, ids: list[str], result: PollResult) -> None:
    try:
        acknowledge(mailbox.config(), ids)
    except MailboxError as exc:
        result.error = result.error or exc.message
        return
    result.acknowledged += InboundMessage.objects.filter(
        mailbox=mailbox, remote_id__in=ids, acknowledged=False
    ).update(acknowledged=True)


def _acknowledge_pending(mailbox: Mailbox, result: PollResult) -> None:
    """Acknowledge what a previous poll stored but could not acknowledge (it crashed)."""
    pending = list(
        InboundMessage.objects.filter(mailbox=mailbox, acknowledged=False)
        .exclude(remote_id="")
        .values_list("remote_id", flat=True)[:500]
    )
    if pending:
        _acknowledge(mailbox, pending, result)
