"""Fetching from a real Dovecot over IMAP and POP3, in plain text, STARTTLS and TLS."""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import time

import pytest
from imapclient import IMAPClient

from relata.mailing.inbound.fetching import (
    MailboxError,
    acknowledge,
    check,
    fetch,
    tls_context,
    wait_for_new,
)
from relata.mailing.inbound.parsing import ParseOptions, parse


def _hashes(raws) -> set[str]:
    return {hashlib.sha256(r).hexdigest() for r in raws}


def _imap(dovecot, user) -> IMAPClient:
    client = IMAPClient(dovecot.host, port=dovecot.ports["imap"], ssl=False, timeout=20)
    client.login(user, "s3cret-pass")
    return client


def _flags(dovecot, user, folder="INBOX") -> dict[int, tuple[bytes, ...]]:
    client = _imap(dovecot, user)
    try:
        client.select_folder(folder, readonly=True)
        uids = client.search()
        return {uid: data[b"FLAGS"] for uid, data in client.fetch(uids, ["FLAGS"]).items()}
    finally:
        client.logout()


def _count(dovecot, user, folder="INBOX") -> int:
    client = _imap(dovecot, user)
    try:
        if not client.folder_exists(folder):
            return 0
        return int(client.select_folder(folder, readonly=True)[b"EXISTS"])
    finally:
        client.logout()


@pytest.mark.parametrize(
    ("protocol", "security"),
    [
        ("imap", "none"),
        ("imap", "starttls"),
        ("imap", "tls"),
        ("pop3", "none"),
        ("pop3", "starttls"),
        ("pop3", "tls"),
    ],
)
def test_whole_corpus_arrives_byte_identical_and_second_poll_is_empty(
    dovecot, loaded_user, corpus, protocol, security
):
    config = dovecot.config(loaded_user, protocol, security)
    fetched = list(fetch(config, {}))

    assert len(corpus) >= 20
    assert len(fetched) == len(corpus)
    assert _hashes(m.raw for m in fetched) == _hashes(corpus.values())
    assert not any(m.truncated for m in fetched)
    assert len({m.id for m in fetched}) == len(fetched)
    # Every message parses; the two with the same Message-ID differ by content hash.
    parsed = [parse(m.raw) for m in fetched]
    same = [p for p in parsed if p.message_id == "same-id-24@example.net"]
    assert len(same) == 2 and same[0].content_hash != same[1].content_hash

    state = fetched[-1].state
    assert list(fetch(config, state)) == []
    if protocol == "imap":  # (Dovecot flags POP3-retrieved messages \Seen by itself)
        assert all(b"\\Seen" not in flags for flags in _flags(dovecot, loaded_user).values())

    # A new message after the saved state is the only one fetched next time.
    dovecot.deliver(loaded_user, corpus["01_plain_text"].replace(b"CAF1234", b"NEW999"))
    again = list(fetch(config, state))
    assert [parse(m.raw).message_id for m in again] == ["NEW999.plain@mail.ferreteria-gomez.es"]


@pytest.mark.parametrize("protocol", ["imap", "pop3"])
def test_crash_before_saving_loses_nothing(dovecot, loaded_user, corpus, protocol):
    config = dovecot.config(loaded_user, protocol, "tls", batch_size=7)
    # The poller stores 10 messages and then crashes mid-batch, after fetching the 11th.
    iterator = fetch(config, {})
    stored = [next(iterator) for _ in range(10)]
    next(iterator)  # fetched but never saved
    iterator.close()
    # What the poller saved with the 10th message (a JSON column) is unaffected by the 11th.
    saved_state = json.loads(json.dumps(stored[-1].state))
    if protocol == "pop3":
        assert saved_state == {"seen_uidls": [m.id for m in stored]}
    else:
        assert saved_state["last_uid"] == int(stored[-1].id.partition(":")[2])

    rest = list(fetch(config, saved_state))
    assert len(rest) == len(corpus) - 10
    assert _hashes(m.raw for m in stored + rest) == _hashes(corpus.values())
    # Without the state (nothing saved at all), everything comes again, unacknowledged.
    assert len(list(fetch(config, {}))) == len(corpus)


def test_imap_seen_only_after_acknowledge(dovecot, loaded_user, corpus):
    config = dovecot.config(loaded_user, "imap", "starttls", after_read="seen")
    fetched = list(fetch(config))
    assert all(b"\\Seen" not in f for f in _flags(dovecot, loaded_user).values())

    assert acknowledge(config, [m.id for m in fetched[:5]]) == 5
    flags = _flags(dovecot, loaded_user)
    assert sum(b"\\Seen" in f for f in flags.values()) == 5
    # Acknowledging again is harmless.
    assert acknowledge(config, [m.id for m in fetched[:5]]) == 5
    assert acknowledge(config, ["1:999999"]) == 0  # another UIDVALIDITY: ignored


def test_imap_move_only_after_acknowledge(dovecot, loaded_user, corpus):
    config = dovecot.config(loaded_user, "imap", "tls", after_read="move", move_to="Processed")
    fetched = list(fetch(config))
    assert _count(dovecot, loaded_user) == len(corpus)
    assert _count(dovecot, loaded_user, "Processed") == 0

    assert acknowledge(config, [m.id for m in fetched]) == len(corpus)
    assert _count(dovecot, loaded_user) == 0
    assert _count(dovecot, loaded_user, "Processed") == len(corpus)
    moved = dovecot.config(loaded_user, "imap", "tls", folder="Processed")
    assert _hashes(m.raw for m in fetch(moved)) == _hashes(corpus.values())


def test_imap_delete_only_after_acknowledge(dovecot, loaded_user, corpus):
    config = dovecot.config(loaded_user, "imap", "none", after_read="delete")
    fetched = list(fetch(config))
    assert _count(dovecot, loaded_user) == len(corpus)
    assert acknowledge(config, [m.id for m in fetched[:3]]) == 3
    assert _count(dovecot, loaded_user) == len(corpus) - 3
    assert _hashes(m.raw for m in fetch(config)) == _hashes(m.raw for m in fetched[3:])


def test_pop3_delete_only_after_acknowledge(dovecot, loaded_user, corpus):
    config = dovecot.config(loaded_user, "pop3", "tls", after_read="delete")
    fetched = list(fetch(config))
    assert check(config) == len(corpus)
    assert acknowledge(config, [m.id for m in fetched[:4]]) == 4
    assert check(config) == len(corpus) - 4
    # The saved state forgets deleted UIDLs; nothing new arrives.
    assert list(fetch(config, fetched[-1].state)) == []
    assert len(fetched[-1].state["seen_uidls"]) == len(corpus)
    assert acknowledge(config, [m.id for m in fetched[:4]]) == 0


def test_pop3_seen_keeps_messages_and_remembers_uidls(dovecot, loaded_user, corpus):
    config = dovecot.config(loaded_user, "pop3", "none", after_read="seen")
    fetched = list(fetch(config))
    assert acknowledge(config, [m.id for m in fetched]) == len(corpus)
    assert check(config) == len(corpus)
    assert list(fetch(config, fetched[-1].state)) == []


def test_imap_uidvalidity_change_fetches_everything_again(dovecot, loaded_user, corpus):
    config = dovecot.config(loaded_user, "imap")
    fetched = list(fetch(config))
    stale = {**fetched[-1].state, "uidvalidity": fetched[-1].state["uidvalidity"] + 1}
    assert len(list(fetch(config, stale))) == len(corpus)


def test_huge_message(dovecot, corpus):
    user = dovecot.add_user()
    payload = bytes(range(256)) * (25 * 1024 * 1024 // 256)  # 25 MB attachment
    encoded = base64.encodebytes(payload).replace(b"\n", b"\r\n")
    raw = (
        b"From: Big <big@example.com>\r\nTo: ventas@relata.example.com\r\n"
        b"Subject: Planos completos\r\nMessage-ID: <huge@example.com>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        b"Content-Type: text/plain\r\n\r\nLos planos.\r\n--b\r\n"
        b"Content-Type: application/octet-stream\r\n"
        b'Content-Disposition: attachment; filename="planos.dwg"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + encoded + b"--b--\r\n"
    )
    dovecot.deliver(user, raw)

    started = time.monotonic()
    (message,) = fetch(dovecot.config(user, "imap", "tls"))
    assert hashlib.sha256(message.raw).digest() == hashlib.sha256(raw).digest()
    parsed = parse(message.raw)
    (attachment,) = parsed.attachments
    assert (attachment.filename, attachment.size) == ("planos.dwg", len(payload))
    assert attachment.payload is None and not attachment.kept  # over the 10 MB default
    assert attachment.sha256 == hashlib.sha256(payload).hexdigest()
    assert parsed.text == "Los planos."
    assert time.monotonic() - started < 60

    # Over the mailbox's size limit only the headers are fetched, over IMAP and POP3.
    for protocol in ("imap", "pop3"):
        config = dovecot.config(user, protocol, max_message_bytes=1024 * 1024)
        (head,) = fetch(config)
        assert head.truncated and head.size == len(raw) and len(head.raw) < 1000
        assert parse(head.raw).subject == "Planos completos"
    # Parser limits: headers only.
    small = parse(raw, ParseOptions(max_message_bytes=1024))
    assert not small.body_parsed and small.attachments == () and small.subject


@pytest.mark.parametrize("protocol", ["imap", "pop3"])
def test_wrong_password_is_a_clear_error(dovecot_for_failures, protocol):
    user = dovecot_for_failures.add_user()
    config = dovecot_for_failures.config(user, protocol, "tls", password="wrong")
    with pytest.raises(MailboxError) as error:
        list(fetch(config))
    assert error.value.code == "auth"
    assert user in str(error.value)


@pytest.mark.parametrize("protocol", ["imap", "pop3"])
def test_connection_refused_is_a_clear_error(dovecot, protocol):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = dovecot.config("nobody", protocol, "none", port=port)
    with pytest.raises(MailboxError) as error:
        list(fetch(config))
    assert error.value.code == "connection"
    assert f"127.0.0.1:{port}" in str(error.value)


@pytest.mark.parametrize("protocol", ["imap", "pop3"])
def test_self_signed_certificate_is_rejected_by_default(dovecot, protocol):
    user = dovecot.add_user()
    config = dovecot.config(user, protocol, "tls", tls_trusted_certificate="")
    with pytest.raises(MailboxError) as error:
        check(config)
    assert error.value.code == "tls"
    # The per-mailbox opt-out accepts it.
    insecure = dovecot.config(user, protocol, "tls", tls_trusted_certificate="", tls_verify=False)
    assert check(insecure) == 0
    assert tls_context(insecure).verify_mode.name == "CERT_NONE"


def test_timeout_is_a_clear_error():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)  # accepts the TCP connection but never greets
        from relata.mailing.inbound.fetching import MailboxConfig

        config = MailboxConfig(
            protocol="imap",
            host="127.0.0.1",
            port=server.getsockname()[1],
            security="none",
            username="x",
            password="y",
            timeout=0.5,
        )
        with pytest.raises(MailboxError) as error:
            check(config)
    assert error.value.code == "timeout"


def test_missing_folder_and_bad_config_are_clear_errors(dovecot):
    user = dovecot.add_user()
    with pytest.raises(MailboxError) as error:
        list(fetch(dovecot.config(user, folder="Nope")))
    assert error.value.code == "folder"
    with pytest.raises(MailboxError) as error:
        list(fetch(dovecot.config(user, "pop3", after_read="move", move_to="X")))
    assert error.value.code == "config"


def test_wait_for_new_returns_when_mail_arrives(dovecot, corpus):
    import threading

    user = dovecot.add_user()
    config = dovecot.config(user, "imap", "tls")
    # Mail that came before the IDLE but after the saved state: at once.
    dovecot.deliver(user, corpus["01_plain_text"])
    assert wait_for_new(config, timeout=10, state={}) is True
    (first,) = fetch(config)
    started = time.monotonic()
    assert wait_for_new(config, timeout=1, state=first.state) is False
    assert time.monotonic() - started >= 0.9
    # Mail delivered while idling wakes the waiter up.
    timer = threading.Timer(3.0, dovecot.deliver, (user, corpus["02_alternative"]))
    timer.start()
    started = time.monotonic()
    try:
        assert wait_for_new(config, timeout=30, state=first.state) is True
    finally:
        timer.cancel()
    assert time.monotonic() - started < 25
    assert _count(dovecot, user) == 2
    # POP3 has no IDLE: poll.
    assert wait_for_new(dovecot.config(user, "pop3"), timeout=30) is True
