"""Mailbox rules end to end: deliver to Dovecot, poll, check the CRM records made."""

from __future__ import annotations

import pytest

from relata.actions.models import Action
from relata.cases.models import Case
from relata.entities.models import Contact, EmailAddress, Entity, EntityKind, KindMeaning
from relata.mailing.inbound.poller import poll
from relata.mailing.models import (
    EmailStatus,
    InboundMessage,
    InboundStatus,
    OutgoingEmail,
    Suppression,
)

from .test_poller import make_mailbox

pytestmark = pytest.mark.django_db


def email(
    sender: str, subject: str, body: str = "Hola", *, message_id: str, extra: str = ""
) -> bytes:
    return (
        f"From: {sender}\r\nTo: ventas@relata.example.com\r\nSubject: {subject}\r\n"
        f"Date: Sat, 28 Nov 2026 10:00:00 +0100\r\nMessage-ID: <{message_id}>\r\n{extra}"
        f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


@pytest.fixture
def prospect_kind(db):
    return EntityKind.objects.create(
        code="lead", label_en="Lead", label_es="Potencial", meaning=KindMeaning.PROSPECT
    )


@pytest.fixture
def inbox(dovecot):
    """``inbox(**mailbox_options)`` → (mailbox, deliver(raw))."""

    def make(**options):
        user = dovecot.add_user()
        mailbox = make_mailbox(dovecot, user, **options)

        def deliver(raw: bytes) -> InboundMessage:
            dovecot.deliver(user, raw)
            result = poll(mailbox)
            assert result.stored == 1, result
            message = InboundMessage.objects.filter(mailbox=mailbox).order_by("-pk").first()
            assert message is not None
            return message

        return mailbox, deliver

    return make


@pytest.fixture
def carmen(entity):
    contact = Contact.objects.create(entity=entity, first_name="Carmen", last_name="Ruiz")
    EmailAddress.objects.create(
        entity=entity, contact=contact, email="Carmen@Acme.es", is_main=True
    )
    return contact


def test_known_contact_is_logged_on_their_timeline(inbox, carmen, entity, agent):
    _mailbox, deliver = inbox()

    message = deliver(
        email("Carmen Ruiz <carmen@acme.es>", "Pedido", "Quiero 100", message_id="k1@acme.es")
    )

    assert message.status == InboundStatus.PROCESSED
    assert (message.entity, message.contact) == (entity, carmen)
    assert not message.created_entity and message.case is None
    action = message.action
    assert action is not None
    assert action.type.code == "email" and action.status == "done"
    assert (action.entity, action.contact, action.owner) == (entity, carmen, agent)
    assert action.subject == "Received: Pedido"
    assert "Quiero 100" in action.description


def test_known_contact_opens_a_case_when_the_rule_says_so(inbox, carmen, entity, agent, case_types):
    _mailbox, deliver = inbox(known_contact_case_type=case_types["incident"])

    message = deliver(email("carmen@acme.es", "No funciona", message_id="k2@acme.es"))

    assert message.created_case
    case = message.case
    assert case is not None and case.case_type.code == "incident"
    assert (case.entity, case.contact, case.owner) == (entity, carmen, agent)
    assert message.action is not None and message.action.case == case


def test_unknown_senders_become_leads_round_robin(
    inbox, prospect_kind, team, agent, manager, reader, case_types
):
    _mailbox, deliver = inbox(
        unknown_sender_action="lead", unknown_case_type=case_types["opportunity"], assign_team=team
    )

    first = deliver(
        email("Ana Sol <ana@solar-norte.es>", "Presupuesto", message_id="u1@solar-norte.es")
    )
    second = deliver(email("Luis Mar <luis.mar@gmail.com>", "Info", message_id="u2@gmail.com"))

    owners = []
    for message in (first, second):
        assert message.status == InboundStatus.PROCESSED
        assert message.created_entity and message.created_contact and message.created_case
        assert message.entity.kind == prospect_kind
        assert message.contact.entity == message.entity
        assert message.case.case_type.code == "opportunity"
        assert message.case.entity == message.entity
        assert message.action is not None and message.action.case == message.case
        assert message.case.owner == message.entity.owner
        owners.append(message.case.owner)
    assert owners[0] != owners[1]
    assert set(owners) <= {agent, manager}  # the read-only member gets nothing
    assert first.entity.legal_name == "solar-norte.es"
    assert second.entity.legal_name == "Luis Mar"  # free mail: named after the person
    assert EmailAddress.objects.filter(contact=second.contact, email="luis.mar@gmail.com").exists()


def test_free_mail_never_matches_an_entity_by_domain(inbox, prospect_kind, entity, team):
    EmailAddress.objects.create(entity=entity, email="acme.shop@gmail.com")
    _mailbox, deliver = inbox(unknown_sender_action="lead", assign_team=team)

    message = deliver(email("someone@gmail.com", "Hola", message_id="f1@gmail.com"))

    assert message.entity != entity and message.created_entity


def test_company_domain_matches_the_entity(inbox, carmen, entity):
    _mailbox, deliver = inbox(unknown_sender_action="lead")

    message = deliver(email("pablo@acme.es", "Hola", message_id="d1@acme.es"))

    assert message.entity == entity and message.contact is None and not message.created_entity
    assert message.action is not None and message.action.entity == entity


def test_auto_reply_is_not_a_lead(inbox, prospect_kind, team, corpus):
    _mailbox, deliver = inbox(unknown_sender_action="lead", assign_team=team)
    before = Entity.objects.count()

    message = deliver(corpus["13_auto_submitted"])

    assert message.status == InboundStatus.SKIPPED
    assert message.skip_reason == "auto_reply"
    assert Entity.objects.count() == before and message.action is None


def test_reply_to_an_outgoing_email_goes_to_its_case(inbox, make_case, entity, carmen):
    case = make_case(subject="Oferta")
    OutgoingEmail.objects.create(
        message_id="<out-1@relata.test>",
        from_email="ventas@relata.example.com",
        to_email="carmen@acme.es",
        subject="Oferta",
        body_text="…",
        entity=entity,
        case=case,
        status=EmailStatus.SENT,
    )
    _mailbox, deliver = inbox()

    message = deliver(
        email("otra@elsewhere.example", "Re: Oferta", message_id="r1@elsewhere.example",
              extra="In-Reply-To: <out-1@relata.test>\r\n")
    )  # fmt: skip

    assert message.case == case and message.entity == entity
    assert message.action is not None and message.action.case == case
    assert Action.objects.filter(case=case, subject="Received: Re: Oferta").exists()


def test_case_number_in_the_subject_links_the_case(inbox, make_case):
    case = make_case(subject="Renovación")
    _mailbox, deliver = inbox()

    message = deliver(
        email("x@nowhere.example", f"Re: [{case.number}] Renovación", message_id="n1@x")
    )

    assert message.case == case
    assert message.action is not None and message.action.case == case


def test_a_reply_to_a_received_message_follows_it(inbox, carmen, entity):
    _mailbox, deliver = inbox()
    deliver(email("carmen@acme.es", "Pregunta", message_id="t1@acme.es"))

    reply = deliver(
        email("boss@another.example", "Re: Pregunta", message_id="t2@another.example",
              extra="References: <t1@acme.es>\r\n")
    )  # fmt: skip

    assert reply.entity == entity


def test_bounce_marks_the_outgoing_email_and_suppresses(inbox, entity, corpus):
    OutgoingEmail.objects.create(
        message_id="<b-1@relata.test>",
        from_email="ventas@relata.example.com",
        to_email="nobody@no-such-domain.example",
        subject="Oferta",
        body_text="…",
        entity=entity,
        status=EmailStatus.SENT,
    )
    _mailbox, deliver = inbox()

    message = deliver(corpus["17_bounce_dsn"])

    assert message.status == InboundStatus.SKIPPED and message.skip_reason == "bounce"
    assert OutgoingEmail.objects.get(message_id="<b-1@relata.test>").status == EmailStatus.BOUNCED
    assert Suppression.objects.filter(address="nobody@no-such-domain.example").exists()


def test_rule_failure_keeps_the_message_and_is_retried(inbox, team, agent, case_types):
    mailbox, deliver = inbox(unknown_sender_action="lead", assign_team=team)

    message = deliver(email("new@fresh.example", "Hola", message_id="e1@fresh.example"))

    assert message.status == InboundStatus.FAILED
    assert "prospect" in message.error
    assert message.acknowledged and not Entity.objects.filter(legal_name="fresh.example").exists()

    EntityKind.objects.create(
        code="lead", label_en="Lead", label_es="Potencial", meaning=KindMeaning.PROSPECT
    )
    result = poll(mailbox)

    assert result.processed == 1
    message.refresh_from_db()
    assert message.status == InboundStatus.PROCESSED and message.error == ""
    assert message.entity.legal_name == "fresh.example"
    assert Case.objects.filter(entity=message.entity).count() == 0  # no case type configured
