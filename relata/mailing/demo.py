"""Demo data of the email side: service and marketing templates in English and Spanish, a
few follow-up emails already sent by the agents (on the outbox and the timelines), one
bounced address on the suppression list, and an inactive sending account to show the
settings page (inactive, on a non-existent example.com server: the demo never sends
through it; a real installation's administrator fills in their own server)."""

from __future__ import annotations

from django.db.models import F

from relata.campaigns.models import Campaign
from relata.core.demo_runner import DemoContext, step
from relata.core.models import Role, User
from relata.core.selectors import default_team
from relata.entities.models import Contact, EntityKind, KindMeaning, Segment
from relata.entities.segments.services import segment_create
from relata.mailing import services
from relata.mailing.models import (
    EmailStatus,
    EmailTemplate,
    OutgoingEmail,
    Purpose,
    SendingAccount,
    SmtpSecurity,
    Suppression,
    SuppressionReason,
)

TEMPLATES = [
    (
        "Follow-up after a visit",
        "en",
        Purpose.SERVICE,
        "Following up on our meeting, {{ contact.first_name }}",
        "<p>Dear {{ contact.first_name }},</p><p>Thank you for your time. As agreed, I am "
        "sending you the information about our products for {{ entity.name }}.</p>"
        "<p>Kind regards,<br>{{ sender.name }}</p>",
    ),
    (
        "Follow-up after a visit",
        "es",
        Purpose.SERVICE,
        "Seguimiento de nuestra reunión, {{ contact.first_name }}",
        "<p>Estimado/a {{ contact.first_name }}:</p><p>Gracias por su tiempo. Como "
        "acordamos, le envío la información de nuestros productos para {{ entity.name }}.</p>"
        "<p>Un saludo,<br>{{ sender.name }}</p>",
    ),
    (
        "Spring newsletter",
        "en",
        Purpose.MARKETING,
        "What is new this spring",
        "<p>Hello {{ contact.first_name }},</p><p>Our new range is here: come and see it at "
        "our showroom.</p>",
    ),
    (
        "Spring newsletter",
        "es",
        Purpose.MARKETING,
        "Novedades de primavera",
        "<p>Hola {{ contact.first_name }}:</p><p>Ya tenemos la nueva gama: venga a verla a "
        "nuestra exposición.</p>",
    ),
]


@step(65, "email templates and messages")
def email(ctx: DemoContext) -> None:
    templates = {}
    for name, language, purpose, subject, body in TEMPLATES:
        template, _created = EmailTemplate.objects.get_or_create(
            name=name,
            language=language,
            defaults={"purpose": purpose, "subject": subject, "body_html": body},
        )
        templates[(name, language)] = template
    follow_up = templates[("Follow-up after a visit", "en")]
    contacts = list(
        Contact.objects.filter(entity__owner__isnull=False, emails__isnull=False)
        .select_related("entity", "entity__owner")
        .distinct()
        .order_by("pk")[:200]
    )
    sent = 0
    for contact in ctx.rng.sample(contacts, min(12, len(contacts))):
        owner = contact.entity.owner
        assert owner is not None  # only owned entities are picked
        result = services.email_send(user=owner, contacts=[contact], template=follow_up)
        sent += len(result.emails)
    # As if the worker had sent them already: nothing is left for it, nothing goes out.
    OutgoingEmail.objects.filter(status=EmailStatus.QUEUED).update(
        status=EmailStatus.SENT, sent_at=F("created_at"), attempts=1
    )
    Suppression.objects.get_or_create(
        address="bounced@example.com",
        defaults={"reason": SuppressionReason.BOUNCED, "source": "demo"},
    )
    SendingAccount.objects.get_or_create(
        name="Sales team (example)",
        defaults={
            "host": "smtp.example.com",
            "security": SmtpSecurity.STARTTLS,
            "username": "ventas@example.com",
            "from_email": "ventas@example.com",
            "own_address_domain": "example.com",
            "is_active": False,  # never used: the demo sends nothing anywhere
        },
    )
    targets = _campaign_targets()
    ctx.notes.append(
        f"Email: {EmailTemplate.objects.count()} templates, {sent} messages sent"
        + (f"; campaign “{targets}” targets a segment (Send email to targets)" if targets else "")
    )


def _campaign_targets() -> str:
    """Give the first active campaign a team segment of customers to email (its targets)."""
    manager = User.objects.filter(role=Role.MANAGER, is_active=True).order_by("pk").first()
    kind = EntityKind.objects.filter(meaning=KindMeaning.CUSTOMER).order_by("order").first()
    campaign = Campaign.objects.filter(is_active=True).order_by("starts_on", "pk").first()
    if manager is None or kind is None or campaign is None:
        return ""
    segment = Segment.objects.filter(name="Customers", owner=manager).first()
    if segment is None:
        definition = {
            "op": "and",
            "conditions": [{"field": "kind", "operator": "eq", "value": kind.pk}],
        }
        segment = segment_create(
            user=manager, name="Customers", definition=definition, team=default_team(manager)
        )
    Campaign.objects.filter(pk=campaign.pk).update(target_segment=segment)
    return campaign.name
