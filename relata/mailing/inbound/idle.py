"""IMAP IDLE: read a mailbox within seconds of new mail instead of at the next poll.

The periodic task polls every mailbox every two minutes (``mailboxes_poll``). The optional
long-running command ``relata mail-idle`` (:mod:`relata.mailing.management.commands.mail_idle`)
keeps one IMAP IDLE connection per active IMAP mailbox (:func:`watch`): when the server
says mail arrived, the mailbox is polled at once with the ordinary :func:`poller.poll`, so
storing, rules and crash safety are exactly those of the periodic poll, and the poll lease
keeps the two from reading the same mailbox at the same time. The periodic poll stays as
the safety net (POP3 mailboxes, servers without IDLE, a stopped ``mail-idle``).

IDLE is re-issued every :data:`IDLE_TIMEOUT` (RFC 2177 asks for less than 29 minutes). A
server that does not offer IDLE answers at once; the watcher then waits
:data:`PAUSE` between polls instead of spinning.
"""

from __future__ import annotations

import logging
import threading
import time

from django import db

from relata.mailing.inbound.fetching import MailboxError, Protocol, wait_for_new
from relata.mailing.inbound.poller import PollBusy, PollResult, poll
from relata.mailing.models import Mailbox

logger = logging.getLogger(__name__)

IDLE_TIMEOUT = 25 * 60.0
PAUSE = 120.0


def _fresh_connection() -> None:
    if not db.connection.in_atomic_block:  # never inside a transaction (tests)
        db.close_old_connections()


def watch_once(mailbox: Mailbox, timeout: float = IDLE_TIMEOUT) -> PollResult | None:
    """Wait (IMAP IDLE) up to ``timeout`` seconds for new mail, then poll the mailbox.

    Returns the poll's result, or None when nothing arrived (or another worker is polling
    it right now). Connection errors raise :class:`MailboxError` and are recorded on the
    mailbox as a poll's are.
    """
    mailbox.refresh_from_db()
    try:
        arrived = wait_for_new(mailbox.config(), timeout, dict(mailbox.state or {}))
    except MailboxError as error:
        Mailbox.objects.filter(pk=mailbox.pk).update(last_error=error.message)
        raise
    if not arrived:
        return None
    _fresh_connection()  # the IDLE may have outlived the database connection
    try:
        return poll(mailbox)
    except PollBusy:
        return None


def watch(
    mailbox_id: int, stop: threading.Event, timeout: float = IDLE_TIMEOUT, pause: float = PAUSE
) -> None:
    """Watch one mailbox until ``stop`` is set or it is no longer an active IMAP mailbox.

    Meant for a thread of its own (which should close its database connection at the end).
    """
    while not stop.is_set():
        _fresh_connection()
        mailbox = Mailbox.objects.filter(
            pk=mailbox_id, is_active=True, protocol=Protocol.IMAP.value
        ).first()
        if mailbox is None:
            return
        started = time.monotonic()
        try:
            result = watch_once(mailbox, timeout)
        except MailboxError as error:
            logger.warning("IDLE on mailbox %s: %s", mailbox_id, error.message)
            stop.wait(pause)
            continue
        except Exception:
            logger.exception("IDLE on mailbox %s failed", mailbox_id)
            stop.wait(pause)
            continue
        # "New mail" at once but nothing to read: the server has no IDLE. Poll slowly.
        if result is not None and result.fetched == 0 and time.monotonic() - started < 1:
            stop.wait(pause)


def imap_mailbox_ids() -> set[int]:
    return set(
        Mailbox.objects.filter(is_active=True, protocol=Protocol.IMAP.value).values_list(
            "pk", flat=True
        )
    )
