"""The poller against a real Dovecot: store once, survive crashes, acknowledge after commit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from imapclient import IMAPClient

from relata.mailing.inbound import poller
from relata.mailing.inbound.poller import PollBusy, poll, poll_active
from relata.mailing.models import InboundMessage, Mailbox

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def make_mailbox(dovecot, user, protocol="imap", security="tls", **kw) -> Mailbox:
    config = dovecot.config(user, protocol=protocol, security=security)
    options = {
        "name": f"{protocol}-{user}",
        "protocol": protocol,
        "host": config.host,
        "port": config.port,
        "security": security,
        "username": user,
        "password": PASSWORD,
        "tls_trusted_certificate": dovecot.cert_pem,
    }
    options.update(kw)
    return Mailbox.objects.create(**options)


def _imap_flags(dovecot, user, folder="INBOX") -> list[tuple[bytes, ...]]:
    client = IMAPClient(dovecot.host, port=dovecot.ports["imap"], ssl=False, timeout=20)
    client.login(user, PASSWORD)
    try:
        if not client.folder_exists(folder):
            return []
        client.select_folder(folder, readonly=True)
        uids = client.search()
        data = client.fetch(uids, ["FLAGS"])
        return [data[uid][b"FLAGS"] for uid in sorted(uids)]
    finally:
        client.logout()


@pytest.mark.parametrize(
    ("protocol", "security"), [("imap", "tls"), ("pop3", "tls"), ("imap", "starttls")]
)
def test_corpus_is_stored_once(dovecot, loaded_user, corpus, protocol, security):
    mailbox = make_mailbox(dovecot, loaded_user, protocol, security)

    first = poll(mailbox)

    assert first.error == ""
    assert first.fetched == len(corpus)
    assert first.stored == len(corpus)  # 24/25 share a Message-ID but differ in content
    assert InboundMessage.objects.filter(mailbox=mailbox).count() == len(corpus)
    assert not InboundMessage.objects.filter(acknowledged=False).exists()
    assert first.acknowledged == len(corpus)
    mailbox.refresh_from_db()
    assert mailbox.state and mailbox.last_polled_at and mailbox.last_error == ""
    # Every message is now marked read on the server (POP3 reads flag them seen in Dovecot).
    assert all(b"\\Seen" in flags for flags in _imap_flags(dovecot, loaded_user))

    second = poll(mailbox)

    assert (second.fetched, second.stored) == (0, 0)
    assert InboundMessage.objects.count() == len(corpus)


def test_stored_message_keeps_raw_and_attachments(dovecot, loaded_user, corpus):
    mailbox = make_mailbox(dovecot, loaded_user)
    poll(mailbox)
    message = InboundMessage.objects.filter(attachments__file__gt="").distinct().first()
    assert message is not None
    with message.raw.open("rb") as handle:
        raw = handle.read()
    assert raw in corpus.values()
    attachment = message.attachments.exclude(file="").first()
    assert attachment is not None and attachment.size > 0
    with attachment.file.open("rb") as handle:
        assert len(handle.read()) == attachment.size


def test_refetch_from_the_start_stores_nothing_twice(dovecot, loaded_user, corpus):
    mailbox = make_mailbox(dovecot, loaded_user)
    poll(mailbox)
    # As after a UIDVALIDITY reset or a lost position: everything is fetched again.
    Mailbox.objects.filter(pk=mailbox.pk).update(state={})
    mailbox.refresh_from_db()

    again = poll(mailbox)

    assert again.fetched == len(corpus)
    assert (again.stored, again.duplicates) == (0, len(corpus))
    assert InboundMessage.objects.count() == len(corpus)


def test_crash_while_storing_loses_nothing(dovecot, loaded_user, corpus, monkeypatch):
    mailbox = make_mailbox(dovecot, loaded_user, after_read="move", move_to="Archive")
    real_create = poller._create
    calls = {"n": 0}

    def failing_create(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 5:
            raise RuntimeError("disk full")
        return real_create(*args, **kwargs)

    monkeypatch.setattr(poller, "_create", failing_create)
    first = poll(mailbox)

    assert first.stored == 4
    assert "disk full" in first.error
    mailbox.refresh_from_db()
    assert "disk full" in mailbox.last_error
    # Only the four committed messages were moved; the failed one and those after it stay.
    assert len(_imap_flags(dovecot, loaded_user, "Archive")) == 4
    assert len(_imap_flags(dovecot, loaded_user)) == len(corpus) - 4

    monkeypatch.setattr(poller, "_create", real_create)
    second = poll(mailbox)

    assert second.error == ""
    assert second.stored == len(corpus) - 4
    assert InboundMessage.objects.count() == len(corpus)
    hashes = set(InboundMessage.objects.values_list("content_hash", flat=True))
    assert len(hashes) == len(corpus)
    assert len(_imap_flags(dovecot, loaded_user, "Archive")) == len(corpus)
    assert _imap_flags(dovecot, loaded_user) == []


def test_crash_before_acknowledging_is_finished_by_the_next_poll(
    dovecot, loaded_user, corpus, monkeypatch
):
    mailbox = make_mailbox(dovecot, loaded_user, protocol="pop3", after_read="delete")

    def killed(*args, **kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(poller, "acknowledge", killed)
    with pytest.raises(SystemExit):
        poll(mailbox)
    # Stored and committed, not yet deleted from the server.
    assert InboundMessage.objects.filter(acknowledged=False).count() == len(corpus)
    assert len(_imap_flags(dovecot, loaded_user)) == len(corpus)
    mailbox.refresh_from_db()
    assert mailbox.poll_started_at is None  # the lease is released even then

    monkeypatch.undo()
    second = poll(mailbox)

    assert second.stored == 0
    assert second.acknowledged == len(corpus)
    assert _imap_flags(dovecot, loaded_user) == []
    assert InboundMessage.objects.count() == len(corpus)


def test_new_mail_after_a_poll_is_fetched(dovecot, corpus):
    user = dovecot.add_user()
    mailbox = make_mailbox(dovecot, user)
    dovecot.deliver(user, corpus["01_plain_text"])
    assert poll(mailbox).stored == 1
    dovecot.deliver(user, corpus["02_alternative"])
    result = poll(mailbox)
    assert (result.fetched, result.stored) == (1, 1)


def test_server_errors_are_recorded_not_raised(dovecot_for_failures):
    user = dovecot_for_failures.add_user()
    mailbox = make_mailbox(dovecot_for_failures, user, password="wrong")

    result = poll(mailbox)

    assert "rejected" in result.error
    mailbox.refresh_from_db()
    assert "rejected" in mailbox.last_error
    assert mailbox.last_polled_at is not None


def test_untrusted_certificate_is_an_error(dovecot):
    user = dovecot.add_user()
    mailbox = make_mailbox(dovecot, user, tls_trusted_certificate="")
    result = poll(mailbox)
    assert "certificate" in result.error.lower()


def test_one_poll_per_mailbox(dovecot, corpus):
    user = dovecot.add_user()
    dovecot.deliver(user, corpus["01_plain_text"])
    mailbox = make_mailbox(dovecot, user)
    Mailbox.objects.filter(pk=mailbox.pk).update(poll_started_at=timezone.now())

    with pytest.raises(PollBusy):
        poll(mailbox)
    assert poll_active() == {}
    assert not InboundMessage.objects.exists()

    # A lease older than POLL_LEASE belongs to a dead worker and is taken over.
    stale = timezone.now() - poller.POLL_LEASE - timedelta(minutes=1)
    Mailbox.objects.filter(pk=mailbox.pk).update(poll_started_at=stale)
    results = poll_active()
    assert results[mailbox.pk].stored == 1


def test_inactive_mailboxes_are_not_polled(dovecot, corpus):
    user = dovecot.add_user()
    dovecot.deliver(user, corpus["01_plain_text"])
    make_mailbox(dovecot, user, is_active=False)
    assert poll_active() == {}
