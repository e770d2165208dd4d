"""Reads for entities and contacts; every one applies the permission layer.

List selectors return querysets whose related data comes in a fixed number of queries,
whatever the page size: the foreign keys by join, tags and the main email, phone and
address by one prefetch each.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from relata.core import permissions
from relata.core.models import Role, Team, User
from relata.customfields import selectors as field_selectors
from relata.customfields.models import FieldType
from relata.entities.models import Address, Contact, EmailAddress, Entity, PhoneNumber

ENTITY_SORTS = {
    "name": "legal_name",
    "-name": "-legal_name",
    "tax_id": "tax_id",
    "-tax_id": "-tax_id",
    "kind": "kind__order",
    "-kind": "-kind__order",
    "owner": "owner__username",
    "-owner": "-owner__username",
    "updated": "updated_at",
    "-updated": "-updated_at",
    "created": "created_at",
    "-created": "-created_at",
}
FILTER_FIELDS = ("kind", "source", "sector", "zone", "owner", "team", "tags")
CODE_FILTERS = {
    "kind": "kind__code",
    "source": "source__code",
    "sector": "sector__code",
    "zone": "zone__code",
    "tags": "tags__name",
}


def entity_queryset(*, user: User) -> QuerySet[Entity]:
    """Return every entity ``user`` may see, with what a list shows of each."""
    qs = permissions.scope(user, Entity.objects.all())
    return qs.select_related("kind", "owner", "team", "source", "sector", "zone").prefetch_related(
        "tags",
        Prefetch(
            "emails",
            queryset=EmailAddress.objects.filter(contact=None, is_main=True),
            to_attr="main_emails",
        ),
        Prefetch(
            "phones",
            queryset=PhoneNumber.objects.filter(contact=None, is_main=True),
            to_attr="main_phones",
        ),
        Prefetch(
            "addresses", queryset=Address.objects.filter(is_main=True), to_attr="main_addresses"
        ),
    )


def _search_q(search: str) -> Q:
    q = Q()
    for word in search.lower().split()[:6]:
        q &= Q(search_text__contains=word)
    return q


def custom_filter_q(*, target: str, params: dict[str, Any]) -> Q:
    """Return the filter for ``cf_<key>`` parameters of filterable custom fields."""
    q = Q()
    for definition in field_selectors.filter_fields(target=target):
        value = params.get(f"cf_{definition.key}")
        if value in (None, ""):
            continue
        lookup = f"custom__{definition.key}"
        if definition.field_type == FieldType.BOOLEAN:
            q &= Q(**{lookup: str(value).lower() in ("1", "true", "yes", "on", "sí", "si")})
        elif definition.field_type == FieldType.INTEGER:
            try:
                q &= Q(**{lookup: int(value)})
            except (TypeError, ValueError):
                continue
        elif definition.field_type == FieldType.MULTIPLE_CHOICE:
            q &= Q(**{f"{lookup}__icontains": f'"{value}"'})
        elif definition.field_type == FieldType.MONEY:
            continue  # ranges on amounts belong to the segment builder
        else:
            q &= Q(**{lookup: value})
    return q


def entity_list(
    *, user: User, search: str = "", filters: dict[str, Any] | None = None, sort: str = "name"
) -> QuerySet[Entity]:
    """Return the entities ``user`` may see matching ``search`` and ``filters``, sorted."""
    filters = filters or {}
    qs = entity_queryset(user=user)
    if search.strip():
        qs = qs.filter(_search_q(search))
    for name in FILTER_FIELDS:
        value = filters.get(name)
        if value in (None, "", []):
            continue
        value = str(getattr(value, "pk", value))
        if value.isdigit():
            qs = qs.filter(**{name: int(value)})
        elif name in CODE_FILTERS:  # the API accepts codes, and tags by name
            qs = qs.filter(**{CODE_FILTERS[name]: value})
        else:
            qs = qs.none()  # an owner or team that is not an id matches nothing
    if filters.get("is_active") in ("0", "1", True, False):
        qs = qs.filter(is_active=filters["is_active"] in ("1", True))
    qs = qs.filter(custom_filter_q(target="entity", params=filters))
    order = ENTITY_SORTS.get(sort, "legal_name")
    return qs.order_by(order, "id")


def entity_get(*, user: User, pk: int) -> Entity:
    """Return one entity ``user`` may see, or raise ``Entity.DoesNotExist``."""
    return entity_queryset(user=user).get(pk=pk)


def contact_queryset(*, user: User) -> QuerySet[Contact]:
    return (
        permissions.scope(user, Contact.objects.all())
        .select_related("entity")
        .prefetch_related(
            Prefetch(
                "emails",
                queryset=EmailAddress.objects.order_by("-is_main", "id"),
                to_attr="email_list",
            ),
            Prefetch(
                "phones",
                queryset=PhoneNumber.objects.order_by("-is_main", "id"),
                to_attr="phone_list",
            ),
        )
    )


def contact_list(
    *, user: User, entity: Entity | None = None, search: str = ""
) -> QuerySet[Contact]:
    qs = contact_queryset(user=user)
    if entity is not None:
        qs = qs.filter(entity=entity)
    for word in search.lower().split()[:4]:
        qs = qs.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(emails__email__icontains=word)
        ).distinct()
    return qs.order_by("last_name", "first_name", "id")


def entity_emails(entity: Entity) -> list[EmailAddress]:
    return list(EmailAddress.objects.filter(entity=entity, contact=None))


def entity_phones(entity: Entity) -> list[PhoneNumber]:
    return list(PhoneNumber.objects.filter(entity=entity, contact=None))


def entity_addresses(entity: Entity) -> list[Address]:
    return list(Address.objects.filter(entity=entity))


def contact_get(*, user: User, pk: int) -> Contact:
    """Return one contact ``user`` may see, or raise ``Contact.DoesNotExist``."""
    return contact_queryset(user=user).get(pk=pk)


# --- Who may be given an entity (the choices of owner and team inputs) ------------------


def can_assign_others(*, user: User) -> bool:
    """Return whether ``user`` may choose an entity's owner and team (managers, admins)."""
    return permissions.is_administrator(user) or (
        permissions.can_write(user) and user.role == Role.MANAGER
    )


def assignable_users(*, user: User, current: User | None = None) -> QuerySet[User]:
    """Return the users ``user`` may give entities to, following ``can_reassign``.

    Administrators: every active user; managers: themselves and the members of their
    teams; agents: themselves. ``current`` (an entity's owner) is kept in the choices.
    """
    qs = User.objects.filter(is_active=True)
    if not permissions.is_administrator(user):
        q = Q(pk=user.pk)
        if user.role == Role.MANAGER:
            q |= Q(pk__in=User.objects.filter(teams__in=permissions.team_ids(user)).values("pk"))
        qs = qs.filter(q)
    if current is not None:
        qs = qs | User.objects.filter(pk=current.pk)
    return qs.order_by("first_name", "last_name", "username")


def assignable_teams(*, user: User, current: Team | None = None) -> QuerySet[Team]:
    """Return the teams ``user`` may give entities to: all for administrators, else theirs."""
    qs = Team.objects.filter(is_active=True)
    if not permissions.is_administrator(user):
        qs = qs.filter(pk__in=permissions.team_ids(user))
    if current is not None:
        qs = qs | Team.objects.filter(pk=current.pk)
    return qs.order_by("name")
