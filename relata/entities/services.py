"""Writes for entities and contacts: the only code that changes them.

Each service checks the permission layer, validates and normalises its input (tax id,
phones, emails, website, custom fields), writes in one transaction and keeps the entity's
``search_text`` current.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from relata.core import events, permissions
from relata.core.emailaddress import normalize_email_address, validate_email_address
from relata.core.history import set_history_user
from relata.core.models import Role, Team, User
from relata.core.normalize import normalize_phone, normalize_tax_id, normalize_url
from relata.core.selectors import default_team
from relata.core.services import model_update
from relata.customfields.services import values_clean, values_merge
from relata.entities.models import (
    Address,
    Contact,
    EmailAddress,
    Entity,
    EntityKind,
    KindMeaning,
    PhoneNumber,
    Tag,
)

ENTITY_FIELDS = (
    "kind",
    "is_company",
    "legal_name",
    "trade_name",
    "tax_id",
    "website",
    "source",
    "sector",
    "zone",
    "is_active",
    "notes",
)
CONTACT_FIELDS = (
    "first_name",
    "last_name",
    "job_title",
    "department",
    "language",
    "birthday",
    "notes",
    "email_opt_in",
    "email_opt_in_source",
    "is_active",
)
ADDRESS_FIELDS = ("kind", "is_main", "street", "postal_code", "city", "province", "country")
WEBSITE_MAX_LENGTH = 300


class FieldErrors:
    """Collect field errors and raise them together, so a form shows every problem."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, error: ValidationError | str) -> None:
        messages = error.messages if isinstance(error, ValidationError) else [error]
        self.errors.setdefault(field, []).extend(messages)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def _clean_entity_data(
    data: dict[str, Any], errors: FieldErrors, *, user: User, exclude_pk: int | None = None
) -> dict[str, Any]:
    data = dict(data)
    for name in ("legal_name", "trade_name", "notes"):
        if isinstance(data.get(name), str):
            data[name] = data[name].strip()
    if "legal_name" in data and not data["legal_name"]:
        errors.add("legal_name", _("Enter the legal name."))
    if data.get("tax_id"):
        try:
            data["tax_id"] = normalize_tax_id(data["tax_id"])
        except ValidationError as error:
            errors.add("tax_id", error)
        else:
            # The partial unique index only serves lookups that exclude empty tax ids.
            same = Entity.objects.exclude(tax_id="").filter(tax_id=data["tax_id"])
            clash = (same.exclude(pk=exclude_pk) if exclude_pk else same).first()
            if clash is not None and permissions.can_view(user, clash):
                errors.add(
                    "tax_id",
                    _("%(name)s already has the tax id %(tax_id)s.")
                    % {"name": clash.display_name, "tax_id": data["tax_id"]},
                )
            elif clash is not None:
                # Say that it exists, not whose it is: the permission layer hides the rest.
                errors.add(
                    "tax_id",
                    _("Another entity, which you cannot see, already has the tax id %(tax_id)s.")
                    % {"tax_id": data["tax_id"]},
                )
    elif "tax_id" in data:
        data["tax_id"] = ""
    if data.get("website"):
        try:
            data["website"] = normalize_url(data["website"], max_length=WEBSITE_MAX_LENGTH)
        except ValidationError as error:
            errors.add("website", error)
    elif "website" in data:
        data["website"] = ""
    return data


def _clean_emails(
    items: Iterable[dict[str, Any]], errors: FieldErrors, field: str = "emails"
) -> list[dict[str, Any]]:
    cleaned = []
    for item in items:
        raw = (item.get("email") or "").strip()
        if not raw:
            continue
        address = normalize_email_address(raw)
        try:
            validate_email_address(address)
        except ValidationError as error:
            errors.add(field, error)
            continue
        cleaned.append(
            {
                "email": address,
                "label": (item.get("label") or "")[:50],
                "is_main": bool(item.get("is_main")),
            }
        )
    return _one_main(cleaned)


def _clean_phones(
    items: Iterable[dict[str, Any]], errors: FieldErrors, field: str = "phones"
) -> list[dict[str, Any]]:
    cleaned = []
    for item in items:
        raw = (item.get("number") or "").strip()
        if not raw:
            continue
        try:
            number = normalize_phone(raw)
        except ValidationError:
            errors.add(field, _("“%(value)s” is not a valid phone number.") % {"value": raw})
            continue
        cleaned.append(
            {
                "number": number,
                "label": (item.get("label") or "")[:50],
                "is_main": bool(item.get("is_main")),
            }
        )
    return _one_main(cleaned)


def _one_main(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Keep exactly one main item: the first marked so, or else the first."""
    main_index = next((i for i, item in enumerate(items) if item["is_main"]), 0)
    for index, item in enumerate(items):
        item["is_main"] = index == main_index
    return items


def _clean_addresses(items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    fields = ("kind", "street", "postal_code", "city", "province", "country")
    cleaned = []
    for item in items:
        address = {f: (item.get(f) or "").strip() for f in fields}
        if not any(address[f] for f in ("street", "postal_code", "city", "province")):
            continue
        address["kind"] = address["kind"] or Address.Kind.MAIN
        address["country"] = (address["country"] or "ES").upper()[:2]
        address["is_main"] = bool(item.get("is_main"))
        cleaned.append(address)
    return _one_main(cleaned)


def _custom_values(
    *,
    target: str,
    custom: dict[str, Any] | None,
    errors: FieldErrors,
    current: dict[str, Any] | None = None,
    partial: bool = False,
) -> dict[str, Any] | None:
    """Clean custom-field values, merged into ``current`` on update; errors go to ``errors``
    under ``custom.<key>``. Return None when there was nothing to clean or it failed."""
    if custom is None and partial:
        return None
    try:
        cleaned = values_clean(target=target, data=custom or {}, partial=partial)
    except ValidationError as error:
        for key, messages in error.message_dict.items():
            errors.add(f"custom.{key}", ValidationError(messages))
        return None
    return values_merge(current=current, cleaned=cleaned) if partial else cleaned


def search_text_refresh(entity: Entity) -> None:
    """Recompute the one lower-case column the list searches."""
    parts = [entity.legal_name, entity.trade_name, entity.tax_id]
    parts += EmailAddress.objects.filter(entity=entity).values_list("email", flat=True)
    parts += PhoneNumber.objects.filter(entity=entity).values_list("number", flat=True)
    for first, last in Contact.objects.filter(entity=entity).values_list("first_name", "last_name"):
        parts.append(f"{first} {last}")
    text = " ".join(p for p in parts if p).lower()
    Entity.objects.filter(pk=entity.pk).update(search_text=text)
    entity.search_text = text


def _replace_points(
    *,
    entity: Entity,
    contact: Contact | None,
    emails: list[dict[str, Any]] | None,
    phones: list[dict[str, Any]] | None,
) -> None:
    if emails is not None:
        EmailAddress.objects.filter(entity=entity, contact=contact).delete()
        EmailAddress.objects.bulk_create(
            EmailAddress(entity=entity, contact=contact, **item) for item in emails
        )
    if phones is not None:
        PhoneNumber.objects.filter(entity=entity, contact=contact).delete()
        PhoneNumber.objects.bulk_create(
            PhoneNumber(entity=entity, contact=contact, **item) for item in phones
        )


def _tags(names: Iterable[str]) -> list[Tag]:
    tags = []
    for name in {n.strip()[:50] for n in names if n and n.strip()}:
        tag, _created = Tag.objects.get_or_create(name=name)
        tags.append(tag)
    return tags


@transaction.atomic
def entity_create(
    *,
    user: User,
    data: dict[str, Any],
    emails: Sequence[dict[str, Any]] = (),
    phones: Sequence[dict[str, Any]] = (),
    addresses: Sequence[dict[str, Any]] = (),
    tags: Sequence[str] = (),
    custom: dict[str, Any] | None = None,
) -> Entity:
    """Create an entity; an agent's new entity is theirs unless they name another owner."""
    permissions.ensure(permissions.can_write(user))
    errors = FieldErrors()
    data = _clean_entity_data(data, errors, user=user)
    clean_emails = _clean_emails(emails, errors)
    clean_phones = _clean_phones(phones, errors)
    clean_addresses = _clean_addresses(addresses)
    custom_values = _custom_values(target="entity", custom=custom, errors=errors) or {}
    errors.raise_if_any()

    owner = data.pop("owner", None)
    team = data.pop("team", None)
    if owner is None and user.role in (Role.AGENT, Role.MANAGER):
        owner = user
    if team is None and owner is not None:
        team = default_team(owner)
    entity = Entity(
        **{k: v for k, v in data.items() if k in ENTITY_FIELDS},
        owner=owner,
        team=team,
        custom=custom_values,
    )
    if owner is not None and owner != user:
        permissions.ensure(
            permissions.can_reassign(user, entity, owner),
            _("You cannot give this entity to that user."),
        )
    set_history_user(entity, user)
    entity.full_clean(exclude=["search_text"])
    entity.save()
    Address.objects.bulk_create(Address(entity=entity, **a) for a in clean_addresses)
    _replace_points(entity=entity, contact=None, emails=clean_emails, phones=clean_phones)
    if tags:
        entity.tags.set(_tags(tags))
    search_text_refresh(entity)
    events.publish(events.ENTITY_CREATED, entity, user=user)
    return entity


@transaction.atomic
def entity_update(
    *,
    user: User,
    entity: Entity,
    data: dict[str, Any],
    emails: Sequence[dict[str, Any]] | None = None,
    phones: Sequence[dict[str, Any]] | None = None,
    addresses: Sequence[dict[str, Any]] | None = None,
    tags: Sequence[str] | None = None,
    custom: dict[str, Any] | None = None,
) -> Entity:
    """Change an entity; fields absent from ``data`` (and None lists) stay as they are."""
    permissions.ensure(permissions.can_change(user, entity))
    errors = FieldErrors()
    data = _clean_entity_data(data, errors, user=user, exclude_pk=entity.pk)
    clean_emails = _clean_emails(emails, errors) if emails is not None else None
    clean_phones = _clean_phones(phones, errors) if phones is not None else None
    merged = _custom_values(
        target="entity", custom=custom, errors=errors, current=entity.custom, partial=True
    )
    if merged is not None:
        data["custom"] = merged
    errors.raise_if_any()
    if "owner" in data or "team" in data:
        entity_assign(
            user=user,
            entities=[entity],
            owner=data.pop("owner", entity.owner),
            team=data.pop("team", entity.team),
        )
    set_history_user(entity, user)
    changed = model_update(instance=entity, fields=(*ENTITY_FIELDS, "custom"), data=data)
    if addresses is not None and _addresses_replace(entity, _clean_addresses(addresses)):
        changed.append("addresses")
    _replace_points(entity=entity, contact=None, emails=clean_emails, phones=clean_phones)
    if tags is not None:
        entity.tags.set(_tags(tags))
    search_text_refresh(entity)
    if changed:
        events.publish(events.ENTITY_CHANGED, entity, user=user, changed=changed)
    return entity


def _addresses_replace(entity: Entity, addresses: list[dict[str, Any]]) -> bool:
    """Replace the entity's addresses with ``addresses`` unless they are the same ones;
    return whether they changed."""

    def key(item: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(item[f] for f in ADDRESS_FIELDS)

    current = entity.addresses.values(*ADDRESS_FIELDS)
    if sorted(map(key, current)) == sorted(map(key, addresses)):
        return False
    entity.addresses.all().delete()
    Address.objects.bulk_create(Address(entity=entity, **a) for a in addresses)
    return True


@transaction.atomic
def entity_assign(
    *, user: User, entities: Iterable[Entity], owner: User | None, team: Team | None
) -> int:
    """Give entities to an owner and/or a team (bulk action); return how many changed."""
    changed = 0
    for entity in entities:
        permissions.ensure(
            permissions.can_reassign(user, entity, owner),
            _("You cannot give “%(name)s” to that user.") % {"name": entity.display_name},
        )
        if (entity.owner_id, entity.team_id) != (
            getattr(owner, "pk", None),
            getattr(team, "pk", None),
        ):
            entity.owner, entity.team = owner, team
            set_history_user(entity, user)
            entity.save(update_fields=["owner", "team", "updated_at"])
            changed += 1
    return changed


@transaction.atomic
def entity_add_tag(*, user: User, entities: Iterable[Entity], name: str) -> int:
    tag = _tags([name])
    if not tag:
        raise ValidationError({"tag": _("Enter a tag.")})
    count = 0
    for entity in entities:
        permissions.ensure(permissions.can_change(user, entity))
        entity.tags.add(tag[0])
        count += 1
    return count


@transaction.atomic
def entity_delete(*, user: User, entity: Entity) -> None:
    """Delete an entity with its contacts, addresses, emails and phones."""
    permissions.ensure(permissions.can_change(user, entity))
    set_history_user(entity, user)
    entity.delete()


@transaction.atomic
def entity_convert_lead(*, user: User, entity: Entity) -> Entity:
    """Turn a prospect into a customer in one step; the history stays with the entity."""
    permissions.ensure(permissions.can_change(user, entity))
    if entity.kind.meaning != KindMeaning.PROSPECT:
        raise ValidationError({"kind": _("Only a prospect can be converted into a customer.")})
    customer = EntityKind.objects.filter(meaning=KindMeaning.CUSTOMER, is_active=True).first()
    if customer is None:
        raise ValidationError({"kind": _("There is no active customer kind to convert into.")})
    entity.kind = customer
    set_history_user(entity, user)
    entity.save(update_fields=["kind", "updated_at"])
    events.publish(events.ENTITY_CHANGED, entity, user=user, changed=["kind"])
    return entity


# --- Contacts --------------------------------------------------------------------------


def _clean_contact_data(data: dict[str, Any], errors: FieldErrors) -> dict[str, Any]:
    data = dict(data)
    for name in ("first_name", "last_name", "job_title", "department", "notes"):
        if isinstance(data.get(name), str):
            data[name] = data[name].strip()
    if "first_name" in data and not data["first_name"]:
        errors.add("first_name", _("Enter the first name."))
    return data


@transaction.atomic
def contact_create(
    *,
    user: User,
    entity: Entity,
    data: dict[str, Any],
    emails: Sequence[dict[str, Any]] = (),
    phones: Sequence[dict[str, Any]] = (),
    custom: dict[str, Any] | None = None,
) -> Contact:
    permissions.ensure(permissions.can_change(user, entity))
    errors = FieldErrors()
    data = _clean_contact_data(data, errors)
    clean_emails = _clean_emails(emails, errors)
    clean_phones = _clean_phones(phones, errors)
    custom_values = _custom_values(target="contact", custom=custom, errors=errors) or {}
    errors.raise_if_any()
    contact = Contact(
        entity=entity,
        custom=custom_values,
        **{k: v for k, v in data.items() if k in CONTACT_FIELDS},
    )
    if contact.email_opt_in:
        contact.email_opt_in_at = timezone.now()
    set_history_user(contact, user)
    contact.full_clean()
    contact.save()
    _replace_points(entity=entity, contact=contact, emails=clean_emails, phones=clean_phones)
    search_text_refresh(entity)
    return contact


@transaction.atomic
def contact_update(
    *,
    user: User,
    contact: Contact,
    data: dict[str, Any],
    emails: Sequence[dict[str, Any]] | None = None,
    phones: Sequence[dict[str, Any]] | None = None,
    custom: dict[str, Any] | None = None,
) -> Contact:
    permissions.ensure(permissions.can_change(user, contact))
    errors = FieldErrors()
    data = _clean_contact_data(data, errors)
    clean_emails = _clean_emails(emails, errors) if emails is not None else None
    clean_phones = _clean_phones(phones, errors) if phones is not None else None
    merged = _custom_values(
        target="contact", custom=custom, errors=errors, current=contact.custom, partial=True
    )
    if merged is not None:
        data["custom"] = merged
    errors.raise_if_any()
    if data.get("email_opt_in") and not contact.email_opt_in:
        data["email_opt_in_at"] = timezone.now()
    elif "email_opt_in" in data and not data["email_opt_in"]:
        data["email_opt_in_at"] = None
    set_history_user(contact, user)
    model_update(instance=contact, fields=(*CONTACT_FIELDS, "email_opt_in_at", "custom"), data=data)
    _replace_points(
        entity=contact.entity, contact=contact, emails=clean_emails, phones=clean_phones
    )
    search_text_refresh(contact.entity)
    return contact


@transaction.atomic
def contact_move(*, user: User, contact: Contact, to_entity: Entity) -> Contact:
    """Move a contact to another entity; its history and addresses go with it."""
    permissions.ensure(permissions.can_change(user, contact))
    permissions.ensure(permissions.can_change(user, to_entity))
    old_entity = contact.entity
    if old_entity.pk == to_entity.pk:
        return contact
    contact.entity = to_entity
    set_history_user(contact, user)
    contact.save(update_fields=["entity", "updated_at"])
    EmailAddress.objects.filter(contact=contact).update(entity=to_entity)
    PhoneNumber.objects.filter(contact=contact).update(entity=to_entity)
    search_text_refresh(old_entity)
    search_text_refresh(to_entity)
    return contact


@transaction.atomic
def contact_delete(*, user: User, contact: Contact) -> None:
    permissions.ensure(permissions.can_change(user, contact))
    entity = contact.entity
    set_history_user(contact, user)
    contact.delete()
    search_text_refresh(entity)
