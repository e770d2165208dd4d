"""The mailbox rules: what a stored message links to and which records it creates.

Everything is written through the other apps' services (entity_create, contact_create,
case_create, action_create/action_complete) acting as the user who will own the records:
the owner of the matched entity or case, else the next member of the mailbox's team in
turn (round-robin), else the first active administrator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from relata.actions.services import action_complete, action_create
from relata.cases.models import Case
from relata.cases.services import case_create
from relata.core import permissions
from relata.core.models import Role, User
from relata.entities.models import Contact, EmailAddress, Entity, EntityKind, KindMeaning
from relata.entities.services import contact_create, entity_create
from relata.mailing import consent
from relata.mailing.inbound.matching import (
    SenderKind,
    SkipReason,
    domain_of,
    is_free_mail,
    match_sender,
    skip_reason,
    thread_of,
)
from relata.mailing.inbound.parsing import ParsedMessage
from relata.mailing.models import (
    EmailStatus,
    InboundMessage,
    InboundStatus,
    Mailbox,
    OutgoingEmail,
    SuppressionReason,
)
from relata.mailing.models.inbound import UnknownSenderAction

DESCRIPTION_MAX = 10_000


@dataclass(frozen=True)
class Target:
    """What a reply belongs to: a case and/or an entity (and maybe a contact)."""

    entity: Entity | None
    contact: Contact | None = None
    case: Case | None = None


# --- lookups --------------------------------------------------------------------------------


def contact_by_address(address: str) -> Contact | None:
    row = (
        EmailAddress.objects.annotate(lower=Lower("email"))
        .filter(lower=address.lower(), contact__isnull=False, contact__is_active=True)
        .select_related("contact__entity")
        .order_by("-is_main", "pk")
        .first()
    )
    return row.contact if row is not None else None


def entity_by_domain(domain: str) -> Entity | None:
    """An active entity with an address or website in `domain` (never a free-mail one)."""
    if not domain or is_free_mail(domain):
        return None
    row = (
        EmailAddress.objects.annotate(lower=Lower("email"))
        .filter(lower__endswith="@" + domain.lower(), entity__is_active=True)
        .select_related("entity")
        .order_by("pk")
        .first()
    )
    if row is not None:
        return row.entity
    return (
        Entity.objects.filter(is_active=True)
        .filter(
            Q(website__iexact=f"https://{domain}")
            | Q(website__iexact=f"http://{domain}")
            | Q(website__icontains=f"://{domain}/")
            | Q(website__icontains=f"://www.{domain}")
        )
        .order_by("pk")
        .first()
    )


def target_by_message_id(message_id: str, exclude_pk: int | None = None) -> Target | None:
    """A message we sent (OutgoingEmail) or received and linked (InboundMessage)."""
    sent = (
        OutgoingEmail.objects.filter(message_id=f"<{message_id}>")
        .select_related("entity", "contact", "case")
        .first()
    )
    if sent is not None:
        return Target(entity=sent.entity, contact=sent.contact, case=sent.case)
    received = (
        InboundMessage.objects.filter(message_id=message_id)
        .exclude(pk=exclude_pk or 0)
        .filter(Q(case__isnull=False) | Q(entity__isnull=False))
        .select_related("entity", "contact", "case")
        .order_by("pk")
        .first()
    )
    if received is not None:
        return Target(entity=received.entity, contact=received.contact, case=received.case)
    return None


def target_by_case_number(number: str) -> Target | None:
    case = Case.objects.filter(number=number).select_related("entity", "contact").first()
    if case is None:
        return None
    return Target(entity=case.entity, contact=case.contact, case=case)


# --- users ----------------------------------------------------------------------------------


def _can_act(user: User | None) -> bool:
    return user is not None and permissions.can_write(user)


def next_assignee(mailbox: Mailbox) -> User | None:
    """Round-robin among the active, writing members of the mailbox's team, by user id.

    The caller holds the mailbox row locked (select_for_update) for the turn to be exact.
    """
    if mailbox.assign_team_id is None:
        return None
    members = list(
        User.objects.filter(teams=mailbox.assign_team_id, is_active=True)
        .exclude(role=Role.READ_ONLY)
        .order_by("pk")
    )
    if not members:
        return None
    last = mailbox.last_assigned_user_id or 0
    chosen = next((u for u in members if u.pk > last), members[0])
    Mailbox.objects.filter(pk=mailbox.pk).update(last_assigned_user=chosen)
    mailbox.last_assigned_user = chosen
    return chosen


def fallback_user() -> User | None:
    return (
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(role=Role.ADMINISTRATOR))
        .order_by("pk")
        .first()
    )


def acting_user(mailbox: Mailbox, owner: User | None, record: Any) -> User | None:
    """The record's owner when they may write to it, else the next in turn, else an admin."""
    if _can_act(owner) and owner is not None and permissions.can_change(owner, record):
        return owner
    chosen = next_assignee(mailbox)
    if _can_act(chosen) and chosen is not None and permissions.can_change(chosen, record):
        return chosen
    return fallback_user()


# --- records --------------------------------------------------------------------------------


def _split_name(name: str, address: str) -> tuple[str, str]:
    name = " ".join(name.replace('"', "").split())
    if not name:
        return address.partition("@")[0][:100] or address[:100], ""
    first, _sep, last = name.partition(" ")
    return first[:100], last[:150]


def _lead_kind() -> EntityKind:
    kind = (
        EntityKind.objects.filter(meaning=KindMeaning.PROSPECT, is_active=True)
        .order_by("order", "pk")
        .first()
    )
    if kind is None:
        raise LookupError(_("No active entity kind means prospect / lead: create one."))
    return kind


def log_received(
    user: User, message: InboundMessage, entity: Entity, contact: Contact | None, case: Case | None
) -> Any:
    """A done "email" action on the timeline: Received: <subject>."""
    from relata.mailing.services import _email_action_type

    sender = (
        f"{message.from_name} <{message.from_address}>"
        if message.from_name
        else (message.from_address)
    )
    description = "\n".join([_("Received from %(sender)s") % {"sender": sender}, "", message.text])[
        :DESCRIPTION_MAX
    ]
    start = message.date or message.received_at or timezone.now()
    data: dict[str, Any] = {
        "entity": entity,
        "contact": contact,
        "case": case,
        "type": _email_action_type(),
        "subject": (_("Received: %(subject)s") % {"subject": message.subject})[:200],
        "description": description,
        "start": start,
        "end": start,
    }
    if user.role == Role.ADMINISTRATOR or user.is_superuser:
        owner = (case.owner if case is not None else None) or entity.owner
        if owner is not None:
            data["owner"] = owner
        team = (case.team if case is not None else None) or entity.team
        if team is not None:
            data["team"] = team
    action = action_create(user=user, data=data)
    done, _next = action_complete(user=user, action=action)
    return done


def open_case(
    user: User, mailbox: Mailbox, message: InboundMessage, case_type: Any, entity: Entity,
    contact: Contact | None,
) -> Case:  # fmt: skip
    data: dict[str, Any] = {
        "case_type": case_type,
        "entity": entity,
        "contact": contact,
        "subject": (
            message.subject or _("Email from %(sender)s") % {"sender": message.from_address}
        )[:200],
        "owner": user if user.role != Role.ADMINISTRATOR else entity.owner,
        "team": mailbox.assign_team or entity.team,
    }
    return case_create(user=user, data=data)


def create_lead(
    user: User, mailbox: Mailbox, message: InboundMessage, address: str
) -> tuple[Entity, Contact]:
    domain = domain_of(address)
    free = is_free_mail(domain)
    first, last = _split_name(message.from_name, address)
    person = f"{first} {last}".strip() or address
    name = person if free or not domain else domain
    data: dict[str, Any] = {
        "kind": _lead_kind(),
        "legal_name": name[:200],
        "is_company": not free,
        "owner": user,
        "team": mailbox.assign_team,
        "notes": _("Created from an email received in %(mailbox)s.") % {"mailbox": mailbox.name},
    }
    if not free and domain:
        data["website"] = f"https://{domain}"
    entity = entity_create(user=user, data=data)
    contact = contact_create(
        user=user,
        entity=entity,
        data={"first_name": first, "last_name": last},
        emails=[{"email": address, "is_main": True}],
    )
    return entity, contact


# --- the rules ------------------------------------------------------------------------------


def record_bounce(parsed: ParsedMessage) -> None:
    """A bounce of our mail: mark the outgoing message bounced and suppress the address."""
    candidates = [parsed.in_reply_to, *parsed.references]
    ids = [f"<{c}>" for c in candidates if c]
    for address in parsed.bounced_recipients:
        sent = OutgoingEmail.objects.filter(to_email__iexact=address).exclude(
            status=EmailStatus.BOUNCED
        )
        if ids:
            answered = sent.filter(message_id__in=ids)
            if answered.exists():
                sent = answered
        latest = sent.order_by("-pk").first()
        if latest is not None:
            OutgoingEmail.objects.filter(pk=latest.pk).update(status=EmailStatus.BOUNCED)
        consent.suppress(address, SuppressionReason.BOUNCED, _("bounce received"))


def apply(mailbox: Mailbox, message: InboundMessage, parsed: ParsedMessage) -> str:
    """Link the message and create what the mailbox's rules say; returns the status.

    Runs in the caller's transaction; raises on failure (the caller marks it failed).
    """
    reason = skip_reason(parsed)
    if reason is not None:
        if reason == SkipReason.BOUNCE:
            record_bounce(parsed)
        message.skip_reason = reason
        # Still show which case it concerns (no record is created from it).
        thread = thread_of(
            parsed, lambda m: target_by_message_id(m, message.pk), target_by_case_number
        )
        if thread is not None:
            _link(message, thread.target)
        return InboundStatus.SKIPPED

    thread = thread_of(parsed, lambda m: target_by_message_id(m, message.pk), target_by_case_number)
    sender = match_sender(parsed, contact_by_address, entity_by_domain)
    entity = thread.target.entity if thread is not None else None
    if thread is not None and entity is not None:
        target = thread.target
        contact = target.contact
        if sender.contact is not None and sender.contact.entity_id == entity.pk:
            contact = sender.contact
        _link(message, Target(entity=entity, contact=contact, case=target.case))
        owner = target.case.owner if target.case is not None else entity.owner
        user = acting_user(mailbox, owner, target.case or entity)
        if user is not None:
            message.action = log_received(user, message, entity, contact, target.case)
        return InboundStatus.PROCESSED

    if sender.kind in (SenderKind.CONTACT, SenderKind.ENTITY_DOMAIN):
        contact = sender.contact
        entity = contact.entity if contact is not None else sender.entity
        if entity is None:  # match_sender always gives one of the two
            return InboundStatus.PROCESSED
        _link(message, Target(entity=entity, contact=contact))
        user = acting_user(mailbox, entity.owner, entity)
        if user is None:
            return InboundStatus.PROCESSED
        case = None
        if mailbox.known_contact_case_type is not None:
            case = open_case(
                user, mailbox, message, mailbox.known_contact_case_type, entity, contact
            )
            message.case = case
            message.created_case = True
        if mailbox.log_known or case is not None:
            message.action = log_received(user, message, entity, contact, case)
        return InboundStatus.PROCESSED

    if mailbox.unknown_sender_action == UnknownSenderAction.LEAD and sender.address:
        user = next_assignee(mailbox) or fallback_user()
        if user is None:
            raise LookupError(_("Nobody can own the new lead: no active administrator."))
        entity, contact = create_lead(user, mailbox, message, sender.address)
        message.entity, message.contact = entity, contact
        message.created_entity = message.created_contact = True
        case = None
        if mailbox.unknown_case_type is not None:
            case = open_case(user, mailbox, message, mailbox.unknown_case_type, entity, contact)
            message.case = case
            message.created_case = True
        message.action = log_received(user, message, entity, contact, case)
    return InboundStatus.PROCESSED


def _link(message: InboundMessage, target: Target) -> None:
    message.entity = target.entity
    message.contact = target.contact
    message.case = target.case
