"""The demo data shows the email side: templates in both languages and sent messages on
the outbox and on the timelines, without sending anything."""

from __future__ import annotations

import pytest

from relata.actions.models import Action
from relata.core import demo_runner
from relata.mailing.models import (
    EmailStatus,
    EmailTemplate,
    OutgoingEmail,
    SendingAccount,
    Suppression,
)

pytestmark = pytest.mark.django_db


def test_demo_has_templates_and_sent_emails(smtp_server, django_capture_on_commit_callbacks):
    # The callbacks queue the outbox worker (run at once in the tests).
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        demo_runner.run(seed=4, entities=80, show_progress=False)

    assert set(EmailTemplate.objects.values_list("language", flat=True)) == {"en", "es"}
    emails = OutgoingEmail.objects.all()
    assert emails.count() >= 5
    assert set(emails.values_list("status", flat=True)) == {EmailStatus.SENT}
    assert not emails.filter(sent_at=None).exists()
    # each sent email is a done action of type email on its entity's timeline
    assert Action.objects.filter(type__code="email", pk__in=emails.values("action")).count() == (
        emails.values("action").distinct().count()
    )
    assert Suppression.objects.filter(address="bounced@example.com").exists()
    # the example sending account is shown, never used
    assert SendingAccount.objects.filter(is_active=False).exists()
    assert not SendingAccount.objects.filter(is_active=True).exists()
    # a campaign targets the manager's segment of customers
    from relata.campaigns.models import Campaign

    targeted = Campaign.objects.exclude(target_segment=None).get()
    assert targeted.target_segment is not None and targeted.target_segment.name == "Customers"
    # the worker ran and found nothing to send
    assert callbacks
    assert smtp_server == []
