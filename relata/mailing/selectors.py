"""Reads of outbound email, limited by the permission layer."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from relata.core import permissions
from relata.core.models import User
from relata.entities.models import Contact, Entity, Segment
from relata.mailing.models import EmailTemplate, OutgoingEmail


def email_queryset(*, user: User) -> QuerySet[OutgoingEmail]:
    """The messages ``user`` may see: those of the entities they may see."""
    return permissions.scope(user, OutgoingEmail.objects.all())


def email_get(*, user: User, pk: int) -> OutgoingEmail:
    """Return one visible message, or raise ``OutgoingEmail.DoesNotExist``."""
    return (
        email_queryset(user=user)
        .select_related("entity", "contact", "case", "action", "template", "sent_by", "campaign")
        .get(pk=pk)
    )


def email_list(
    *,
    user: User,
    status: str = "",
    entity: int | None = None,
    contact: int | None = None,
    case: int | None = None,
    batch: str = "",
    search: str = "",
    mine: bool = False,
) -> QuerySet[OutgoingEmail]:
    """The visible messages, newest first, filtered."""
    qs = email_queryset(user=user).select_related("entity", "contact", "sent_by")
    if status:
        qs = qs.filter(status=status)
    if entity:
        qs = qs.filter(entity_id=entity)
    if contact:
        qs = qs.filter(contact_id=contact)
    if case:
        qs = qs.filter(case_id=case)
    if batch:
        qs = qs.filter(batch=batch)
    if mine:
        qs = qs.filter(sent_by=user)
    if search:
        qs = qs.filter(Q(to_email__icontains=search) | Q(subject__icontains=search))
    return qs.order_by("-created_at", "-pk")


def template_list(*, active_only: bool = False, language: str = "") -> QuerySet[EmailTemplate]:
    """Templates are configuration: every user may read them, administrators change them."""
    qs = EmailTemplate.objects.all()
    if active_only:
        qs = qs.filter(is_active=True)
    if language:
        qs = qs.filter(language=language)
    return qs.order_by("name", "language")


def entity_contacts(*, user: User, entity: Entity) -> QuerySet[Contact]:
    """The active contacts of a visible entity, with their addresses."""
    return (
        permissions.scope(user, Contact.objects.filter(entity=entity, is_active=True))
        .prefetch_related("emails")
        .order_by("last_name", "first_name", "pk")
    )


def segment_contacts(*, user: User, segment: Segment) -> QuerySet[Contact]:
    """The active contacts of the entities of a segment that ``user`` may see (a segment
    selects entities; a bulk send goes to their contacts)."""
    from relata.entities.segments.selectors import segment_entities

    entities = segment_entities(user=user, segment=segment)
    return (
        Contact.objects.filter(entity__in=entities.values("pk"), is_active=True)
        .select_related("entity")
        .prefetch_related("emails")
        .order_by("entity_id", "pk")
    )
