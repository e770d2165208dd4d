"""Sender matching, skip rules and threading on the corpus, with dictionary lookups."""

from __future__ import annotations

import pytest

from relata.mailing.inbound.matching import (
    SenderKind,
    SkipReason,
    ThreadKind,
    is_free_mail,
    match_sender,
    skip_reason,
    thread_of,
)
from relata.mailing.inbound.parsing import ParseOptions, parse

OPTIONS = ParseOptions(own_message_id_domains=("relata.example.com",))
CONTACTS = {"laura.gomez@ferreteria-gomez.es": "contact:laura"}
ENTITIES = {
    "ferreteria-gomez.es": "entity:gomez",
    "construcciones-martin.com": "entity:martin",
    "gmail.com": "entity:wrong",  # would be a data error; must never match
}
SENT = {"20261127100000.42.offer@relata.example.com": "action:offer"}
CASES = {"OPP-2026-00012": "case:12"}


def _parse(corpus, name):
    return parse(corpus[name], OPTIONS)


@pytest.mark.parametrize(
    ("name", "kind", "contact", "entity"),
    [
        ("01_plain_text", SenderKind.CONTACT, "contact:laura", None),
        ("13_auto_submitted", SenderKind.ENTITY_DOMAIN, None, "entity:gomez"),
        ("02_alternative", SenderKind.ENTITY_DOMAIN, None, "entity:martin"),
        ("16_vacation_es", SenderKind.UNKNOWN, None, None),  # gmail.com: never by domain
        ("26_spanish_accents", SenderKind.UNKNOWN, None, None),
    ],
)
def test_match_sender(corpus, name, kind, contact, entity):
    match = match_sender(_parse(corpus, name), CONTACTS.get, ENTITIES.get)
    assert (match.kind, match.contact, match.entity) == (kind, contact, entity)


def test_reply_to_can_identify_the_contact(corpus):
    raw = corpus["26_spanish_accents"].replace(
        b"MIME-Version", b"Reply-To: laura.gomez@ferreteria-gomez.es\r\nMIME-Version"
    )
    match = match_sender(parse(raw), CONTACTS.get, ENTITIES.get)
    assert (match.kind, match.address) == (SenderKind.CONTACT, "laura.gomez@ferreteria-gomez.es")


@pytest.mark.parametrize(
    ("domain", "free"),
    [
        ("gmail.com", True),
        ("yahoo.es", True),
        ("yahoo.co.uk", True),
        ("hotmail.fr", True),
        ("icloud.com", True),
        ("Outlook.com.", True),
        ("ferreteria-gomez.es", False),
        ("yahoo-partners.example", False),
    ],
)
def test_free_mail(domain, free):
    assert is_free_mail(domain) is free


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("01_plain_text", None),
        ("12_case_number_subject", None),
        ("13_auto_submitted", SkipReason.AUTO_REPLY),
        ("14_x_autoreply", SkipReason.AUTO_REPLY),
        ("15_precedence_bulk", SkipReason.AUTO_REPLY),
        ("16_vacation_es", SkipReason.AUTO_REPLY),
        ("17_bounce_dsn", SkipReason.BOUNCE),
        ("29_bounce_plain", SkipReason.BOUNCE),
        ("18_mailing_list", SkipReason.AUTO_REPLY),  # Precedence: list comes first
        ("19_loop_header", SkipReason.LOOP),
        ("20_own_message_id", SkipReason.LOOP),
    ],
)
def test_skip_reason(corpus, name, reason):
    assert skip_reason(_parse(corpus, name)) == reason


def test_list_without_precedence_is_skipped_as_list(corpus):
    raw = corpus["18_mailing_list"].replace(b"Precedence: list\r\n", b"")
    assert skip_reason(parse(raw)) == SkipReason.LIST


def test_thread_by_in_reply_to_then_case_number(corpus):
    reply = thread_of(_parse(corpus, "11_reply_threaded"), SENT.get, CASES.get)
    assert reply is not None
    assert (reply.kind, reply.key, reply.target) == (
        ThreadKind.MESSAGE_ID,
        "20261127100000.42.offer@relata.example.com",
        "action:offer",
    )
    by_number = thread_of(_parse(corpus, "12_case_number_subject"), SENT.get, CASES.get)
    assert by_number is not None
    assert (by_number.kind, by_number.key, by_number.target) == (
        ThreadKind.CASE_NUMBER,
        "OPP-2026-00012",
        "case:12",
    )
    assert thread_of(_parse(corpus, "01_plain_text"), SENT.get, CASES.get) is None
    # Only an older reference is known: References are searched too.
    older = {"20261120090000.7.first@relata.example.com": "action:first"}
    found = thread_of(_parse(corpus, "11_reply_threaded"), older.get, CASES.get)
    assert found is not None and found.target == "action:first"
