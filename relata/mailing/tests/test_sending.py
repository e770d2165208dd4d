"""Sending through a real SMTP peer: content, headers, timeline, retries, bounces, crashes."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from relata.actions.models import Action, ActionStatus
from relata.mailing import outbox, services
from relata.mailing.models import EmailStatus, OutgoingEmail, Suppression
from relata.mailing.tests.peers import CrashingBackend, WorkerDied, free_port, point_at, smtp_peer

pytestmark = pytest.mark.django_db


@pytest.fixture
def peer(settings):
    with smtp_peer(settings) as handler:
        yield handler


def _send(capture, **kwargs):
    with capture(execute=True):
        return services.email_send(**kwargs)


def test_message_arrives_personalised_with_parts_and_headers(
    smtp_server, agent, make_contact, service_template, django_capture_on_commit_callbacks
):
    ana = make_contact("Ana", "ana@example.com")
    luis = make_contact("Luis", "luis@example.com")
    result = _send(
        django_capture_on_commit_callbacks,
        user=agent,
        contacts=[ana, luis],
        template=service_template,
    )
    emails = {e.to_email: e for e in OutgoingEmail.objects.all()}
    assert {e.status for e in emails.values()} == {EmailStatus.SENT}
    assert all(e.sent_at and e.attempts == 1 for e in emails.values())
    received = {m["X-Envelope-To"]: m for m in smtp_server}
    assert set(received) == {"ana@example.com", "luis@example.com"}
    message = received["ana@example.com"]
    assert message["Message-ID"] == emails["ana@example.com"].message_id
    assert message["Message-ID"] != received["luis@example.com"]["Message-ID"]
    assert message["Subject"] == "About Acme Trading SL"
    assert message["From"] == "Alex <relata@localhost>"
    assert message["Reply-To"] == "alex@example.com"
    assert message["To"] == "Ana Ruiz <ana@example.com>"
    assert "List-Unsubscribe" not in message  # a service email
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Hello Ana," in text and "<p>Hello Ana,</p>" in html
    assert "Hello Luis," in received["luis@example.com"].get_body(("plain",)).get_content()
    # One done "email" action on the entity's timeline, linked from both messages.
    (action,) = result.actions
    assert action.status == ActionStatus.DONE and action.type.code == "email"
    assert action.entity == ana.entity and action.owner == agent
    assert "ana@example.com" in action.description
    assert {e.action_id for e in emails.values()} == {action.pk}


def test_message_ids_use_the_site_domain(settings, agent, recipient, service_template):
    settings.RELATA_URL = "https://crm.example.com"
    result = services.email_send(user=agent, contacts=[recipient], template=service_template)
    assert result.emails[0].message_id.endswith("@crm.example.com>")


def test_edited_message_case_link_and_attachment(
    smtp_server, agent, recipient, make_case, django_capture_on_commit_callbacks
):
    case = make_case(amount="1500.00")
    pdf = services.attachment_add(
        user=agent,
        upload=SimpleUploadedFile("offer.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"),
    )
    _send(
        django_capture_on_commit_callbacks,
        user=agent,
        contacts=[recipient],
        subject="Offer {{ case.number }}",
        body_html="<p>Amount: {{ case.amount }}</p>",
        body_text="Amount: {{ case.amount }}",
        case=case,
        attachments=[pdf],
    )
    (message,) = smtp_server
    assert message["Subject"] == f"Offer {case.number}"
    assert "1,500.00 EUR" in message.get_body(("plain",)).get_content() or "1.500,00 EUR" in (
        message.get_body(("plain",)).get_content()
    )
    (part,) = list(message.iter_attachments())
    assert part.get_filename() == "offer.pdf"
    assert part.get_content().startswith(b"%PDF")
    assert Action.objects.get(case=case).type.code == "email"


def test_refused_attachment_is_a_validation_error(agent):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        services.attachment_add(
            user=agent, upload=SimpleUploadedFile("x.pdf", b"<html><script>1</script></html>")
        )
    assert "file" in error.value.message_dict


def test_unreachable_server_retries_with_back_off_then_fails(
    settings, agent, recipient, service_template, django_capture_on_commit_callbacks
):
    point_at(settings, free_port())  # nothing listens there
    _send(
        django_capture_on_commit_callbacks,
        user=agent,
        contacts=[recipient],
        template=service_template,
    )
    email = OutgoingEmail.objects.get()
    assert email.status == EmailStatus.QUEUED and email.attempts == 1
    assert "Connection" in email.last_error or "refused" in email.last_error.lower()
    waits = [email.next_attempt_at - timezone.now()]
    now = timezone.now()
    for _ in range(outbox.MAX_ATTEMPTS - 1):
        # Nothing is due before the back-off ends.
        assert outbox.drain(now=now).retried == 0
        now = OutgoingEmail.objects.get().next_attempt_at
        outbox.drain(now=now)
        email = OutgoingEmail.objects.get()
        if email.status == EmailStatus.QUEUED:
            waits.append(email.next_attempt_at - now)
    assert email.status == EmailStatus.FAILED
    assert email.attempts == outbox.MAX_ATTEMPTS
    minutes = [round(w.total_seconds() / 60) for w in waits]
    assert minutes == [1, 5, 30, 120, 720]


def test_server_back_after_failure_sends_once(
    settings, agent, recipient, service_template, django_capture_on_commit_callbacks
):
    port = free_port()
    point_at(settings, port)
    _send(
        django_capture_on_commit_callbacks,
        user=agent,
        contacts=[recipient],
        template=service_template,
    )
    assert OutgoingEmail.objects.get().status == EmailStatus.QUEUED
    with smtp_peer(settings, port) as peer:
        later = timezone.now() + datetime.timedelta(minutes=2)
        assert outbox.drain(now=later).sent == 1
        assert outbox.drain(now=later).sent == 0
    assert len(peer.received) == 1
    email = OutgoingEmail.objects.get()
    assert email.status == EmailStatus.SENT and email.attempts == 2 and email.last_error == ""
    assert peer.received[0]["Message-ID"] == email.message_id


def test_permanent_refusal_fails_at_once_temporary_retries(
    peer, agent, make_contact, django_capture_on_commit_callbacks
):
    peer.reject_data = {"Spam": "554 5.7.1 Message rejected", "Later": "451 4.3.0 Try later"}
    contact = make_contact("Ana", "ana@example.com")
    _send(
        django_capture_on_commit_callbacks,
        user=agent,
        contacts=[contact],
        subject="Spam",
        body_html="<p>x</p>",
    )
    _send(
        django_capture_on_commit_callbacks,
        user=agent,
        contacts=[contact],
        subject="Later",
        body_html="<p>x</p>",
    )
    spam = OutgoingEmail.objects.get(subject="Spam")
    later = OutgoingEmail.objects.get(subject="Later")
    assert spam.status == EmailStatus.FAILED and spam.attempts == 1
    assert spam.last_error.startswith("554")
    assert later.status == EmailStatus.QUEUED and later.last_error.startswith("451")
    assert not Suppression.objects.exists()
    assert peer.received == []


def test_hard_bounce_suppresses_the_address(
    peer, agent, make_contact, service_template, django_capture_on_commit_callbacks
):
    peer.refuse = {"gone@example.com": "550 5.1.1 No such user"}
    gone = make_contact("Gone", "gone@example.com")
    ok = make_contact("Ok", "ok@example.com")
    _send(
        django_capture_on_commit_callbacks,
        user=agent,
        contacts=[gone, ok],
        template=service_template,
    )
    statuses = dict(OutgoingEmail.objects.values_list("to_email", "status"))
    assert statuses == {"gone@example.com": EmailStatus.BOUNCED, "ok@example.com": EmailStatus.SENT}
    assert Suppression.objects.get(address="gone@example.com").reason == "bounced"
    assert "550" in OutgoingEmail.objects.get(to_email="gone@example.com").last_error
    # A bounced address gets no more email, not even service email; it is recorded.
    result = _send(
        django_capture_on_commit_callbacks, user=agent, contacts=[gone], template=service_template
    )
    assert result.emails[0].status == EmailStatus.SUPPRESSED
    assert "bounced" in result.emails[0].last_error
    assert [m["X-Envelope-To"] for m in peer.received] == ["ok@example.com"]


def test_temporary_recipient_refusal_retries(
    peer, agent, make_contact, service_template, django_capture_on_commit_callbacks
):
    peer.refuse = {"full@example.com": "452 4.2.2 Mailbox full"}
    contact = make_contact("Full", "full@example.com")
    _send(
        django_capture_on_commit_callbacks,
        user=agent,
        contacts=[contact],
        template=service_template,
    )
    email = OutgoingEmail.objects.get()
    assert email.status == EmailStatus.QUEUED
    assert not Suppression.objects.exists()


def _queue(agent, contacts, template, count):
    return services.email_send(user=agent, contacts=contacts[:count], template=template)


@pytest.mark.parametrize("group", [1, 3, 10])
@pytest.mark.parametrize("when", ["after", "before"])
def test_worker_crash_mid_batch_sends_nothing_twice(
    peer, settings, agent, make_contact, service_template, when, group
):
    """The worker dies around the 5th message of 12, sent in hand-over groups of ``group``.

    Whole groups before the crash are recorded sent (with the next group's hand-over); the
    group being sent is "unknown" (its messages may have arrived); the rest is sent later.
    """
    total, crash_at = 12, 5
    settings.MAILING_HANDOVER_GROUP = group
    contacts = [make_contact(f"P{i}", f"p{i}@example.com") for i in range(total)]
    services.email_send(user=agent, contacts=contacts, template=service_template)
    settings.EMAIL_BACKEND = "relata.mailing.tests.peers.CrashingBackend"
    CrashingBackend.count, CrashingBackend.crash_at, CrashingBackend.when = 0, crash_at, when
    with pytest.raises(WorkerDied):
        outbox.drain()
    arrived = crash_at if when == "after" else crash_at - 1
    assert len(peer.received) == arrived
    recorded = (crash_at - 1) // group * group  # the groups before the crashed one
    in_flight = min(group, total - recorded)
    by_status = dict.fromkeys(EmailStatus.values, 0)
    for status in OutgoingEmail.objects.values_list("status", flat=True):
        by_status[status] += 1
    assert by_status[EmailStatus.SENT] == recorded
    assert by_status[EmailStatus.SENDING] == total - recorded
    assert (
        OutgoingEmail.objects.filter(handed_over_at__isnull=False).count() == recorded + in_flight
    )

    # A new worker right away leaves the dead worker's claim alone.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    assert outbox.drain().sent == 0
    # After STALE_AFTER: never handed over → sent now; handed over → "unknown", not re-sent.
    later = timezone.now() + outbox.STALE_AFTER + datetime.timedelta(seconds=1)
    result = outbox.drain(now=later)
    requeued = total - recorded - in_flight
    assert (result.recovered, result.unknown, result.sent) == (requeued, in_flight, requeued)
    ids = [m["Message-ID"] for m in peer.received]
    assert len(ids) == len(set(ids))  # nothing twice
    assert len(ids) == arrived + requeued
    unknown = list(OutgoingEmail.objects.filter(status=EmailStatus.UNKNOWN))
    assert len(unknown) == in_flight and all("may have" in e.last_error for e in unknown)
    sent = set(
        OutgoingEmail.objects.filter(status=EmailStatus.SENT).values_list("message_id", flat=True)
    )
    assert sent <= set(ids)  # every "sent" arrived
    # What never arrived is among the "unknown" ones: a user sends those again, once.
    missing = [e for e in unknown if e.message_id not in ids]
    assert len(missing) == in_flight - (arrived - recorded)
    for email in missing:
        services.email_retry(user=agent, email=email)
    outbox.drain()
    ids = [m["Message-ID"] for m in peer.received]
    assert len(ids) == len(set(ids)) == total


def test_server_gone_mid_group_releases_the_rest(
    peer, settings, agent, make_contact, service_template
):
    """The connection breaks at the 2nd message of a hand-over group of 4: the 1st is sent,
    the 2nd is retried later, and the two never given to the server are simply queued again
    (their hand-over mark and attempt undone)."""
    from relata.mailing.tests.peers import DisconnectingBackend

    settings.MAILING_HANDOVER_GROUP = 4
    contacts = [make_contact(f"P{i}", f"p{i}@example.com") for i in range(6)]
    services.email_send(user=agent, contacts=contacts, template=service_template)
    settings.EMAIL_BACKEND = "relata.mailing.tests.peers.DisconnectingBackend"
    DisconnectingBackend.count, DisconnectingBackend.drop_at = 0, 2
    result = outbox.drain(connections=1)
    assert (result.sent, result.retried) == (1, 1)
    rows = list(OutgoingEmail.objects.order_by("pk"))
    assert [r.status for r in rows] == [EmailStatus.SENT] + [EmailStatus.QUEUED] * 5
    assert [r.attempts for r in rows] == [1, 1, 0, 0, 0, 0]
    assert all(r.handed_over_at is None and r.claim_token is None for r in rows[1:])
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    later = timezone.now() + datetime.timedelta(minutes=2)
    assert outbox.drain(now=later).sent == 5
    ids = [m["Message-ID"] for m in peer.received]
    assert len(ids) == len(set(ids)) == 6


def test_two_workers_never_claim_the_same_message(agent, make_contact, service_template):
    contacts = [make_contact(f"P{i}", f"p{i}@example.com") for i in range(5)]
    services.email_send(user=agent, contacts=contacts, template=service_template)
    first = outbox.claim(3)
    second = outbox.claim(10)
    assert len(first) == 3 and len(second) == 2
    assert not {e.pk for e in first} & {e.pk for e in second}
    assert outbox.claim(10) == []


def test_lost_claim_sends_nothing(peer, agent, recipient, service_template):
    services.email_send(user=agent, contacts=[recipient], template=service_template)
    (email,) = outbox.claim()
    # The recovery released the claim (the worker was thought dead) and another worker
    # sent it; the first worker must not send it again.
    outbox.recover_stale(now=timezone.now() + outbox.STALE_AFTER * 2)
    outbox.drain()
    outbox.send_batch([email], outbox.DrainResult())
    assert len(peer.received) == 1


def test_retry_only_failed_or_unknown(agent, recipient, service_template):
    from django.core.exceptions import ValidationError

    result = services.email_send(user=agent, contacts=[recipient], template=service_template)
    with pytest.raises(ValidationError):
        services.email_retry(user=agent, email=result.emails[0])  # queued
