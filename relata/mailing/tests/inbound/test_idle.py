"""IMAP IDLE against the real Dovecot: a mailbox is read as soon as mail arrives."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.management import call_command

from relata.mailing.inbound import idle
from relata.mailing.models import InboundMessage

from .test_poller import make_mailbox

pytestmark = pytest.mark.django_db


def test_watch_once_reads_new_mail_as_it_arrives(dovecot, corpus):
    user = dovecot.add_user()
    mailbox = make_mailbox(dovecot, user)
    started = time.monotonic()
    assert idle.watch_once(mailbox, timeout=1) is None  # nothing came
    assert time.monotonic() - started >= 0.9
    timer = threading.Timer(2.0, dovecot.deliver, (user, corpus["01_plain_text"]))
    timer.start()
    started = time.monotonic()
    try:
        result = idle.watch_once(mailbox, timeout=60)
    finally:
        timer.cancel()
    assert time.monotonic() - started < 30  # woken by the server, not by the timeout
    assert result is not None and result.stored == 1 and not result.error
    assert InboundMessage.objects.count() == 1
    # The message is acknowledged and remembered: the next IDLE waits again.
    assert idle.watch_once(mailbox, timeout=1) is None
    # Mail that arrived while nobody was idling is read at once.
    dovecot.deliver(user, corpus["02_alternative"])
    result = idle.watch_once(mailbox, timeout=60)
    assert result is not None and result.stored == 1


def test_watch_leaves_pop3_inactive_and_stopped_mailboxes(dovecot):
    user = dovecot.add_user()
    pop3 = make_mailbox(dovecot, user, protocol="pop3")
    imap = make_mailbox(dovecot, user, is_active=False)
    stop = threading.Event()
    started = time.monotonic()
    idle.watch(pop3.pk, stop)
    idle.watch(imap.pk, stop)
    imap.is_active = True
    imap.save()
    assert idle.imap_mailbox_ids() == {imap.pk}
    stop.set()
    idle.watch(imap.pk, stop)
    assert time.monotonic() - started < 5


def test_wrong_password_is_recorded(dovecot_for_failures):
    from relata.mailing.inbound.fetching import MailboxError

    user = dovecot_for_failures.add_user()
    mailbox = make_mailbox(dovecot_for_failures, user, password="wrong")
    with pytest.raises(MailboxError):
        idle.watch_once(mailbox, timeout=1)
    mailbox.refresh_from_db()
    assert mailbox.last_error


def test_command_stops_on_sigterm_like_event(monkeypatch):
    """The command starts nothing without IMAP mailboxes and stops when told to."""
    import signal

    handlers = {}
    monkeypatch.setattr(signal, "signal", lambda sig, handler: handlers.setdefault(sig, handler))
    timer = threading.Timer(0.5, lambda: handlers[signal.SIGTERM]())
    timer.start()
    call_command("mail_idle", "--rescan", "0.1")
    assert signal.SIGTERM in handlers and signal.SIGINT in handlers
