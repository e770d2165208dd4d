"""Linking a batch of ERP masters to CRM entities with a fixed number of queries.

:func:`relata.sales.linking.master_link` handles one master with the entities services:
about twenty queries for a new customer (savepoint, tax id check, foreign key checks,
entity, history, addresses, emails, phones, search text, then the same again for each
contact). :func:`link_batch` gives every master of a batch the same result, in the same
order, but creates the new entities of the batch together: the tax ids of the whole batch
are looked up in one query, and the entities, their history rows, addresses, emails,
phones and contacts (with their history) are written with ``bulk_create``; the masters
are left to the caller, which writes them with the rest of the batch.

What a new entity gets is exactly what ``entity_create`` and ``contact_create`` would give
it (same cleaning — the entities services' own cleaners are reused —, same owner and
team, same custom-field defaults, same history rows by the same user, same search text,
the same ``entity.created`` event), which ``test_bulk_linking.py`` compares field by
field. Checks that ``entity_create`` makes with a query per record are made once per
batch: the write permission, the owner/team, the custom-field definitions, the kind, and
the tax ids' uniqueness (one query for the batch, plus the batch's own tax ids).

Masters that are already linked, or whose tax id matches an existing entity (a prospect
that becomes a customer), still go through ``master_link`` one by one, in their place in
the batch: the entities created so far are written first, so that each master sees what
the previous ones did, as in the one-by-one path.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from relata.core import events, permissions
from relata.core.history import set_history_user
from relata.core.models import Role, Team, User
from relata.core.normalize import normalize_tax_id
from relata.core.selectors import default_team
from relata.customfields.services import values_clean
from relata.entities import services as entity_services
from relata.entities.models import (
    Address,
    Contact,
    EmailAddress,
    Entity,
    KindMeaning,
    PhoneNumber,
)
from relata.sales import linking
from relata.sales.models import Customer, MasterLinkSetting, Supplier

# The cleaners of the entities services, so that a bulk-created entity holds the same
# normalised values as one created by ``entity_create``/``contact_create``.
_clean_emails = entity_services._clean_emails
_clean_phones = entity_services._clean_phones
_clean_addresses = entity_services._clean_addresses
_clean_contact_data = entity_services._clean_contact_data

Master = Customer | Supplier
ErrorHandler = Callable[[int, ValidationError], None]


@dataclasses.dataclass
class LinkRequest:
    """One saved master and the parts of its payload that linking uses."""

    master: Master
    addresses: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    contacts: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    email: str = ""
    phone: str = ""


@dataclasses.dataclass
class _NewContact:
    contact: Contact
    emails: list[dict[str, Any]]
    phones: list[dict[str, Any]]


@dataclasses.dataclass
class _NewEntity:
    request: LinkRequest
    entity: Entity
    snapshot: dict[str, Any]
    addresses: list[dict[str, Any]]
    emails: list[dict[str, Any]]
    phones: list[dict[str, Any]]
    contacts: list[_NewContact]


class _Context:
    """What ``entity_create`` works out per record but is the same for the whole batch."""

    def __init__(self, actor: User, setting: MasterLinkSetting, kind_meaning: str) -> None:
        self.actor = actor
        self.kind = linking.entity_kind(kind_meaning)
        owner: User | None = setting.default_owner
        team: Team | None = setting.default_team
        if owner is None and actor.role in (Role.AGENT, Role.MANAGER):
            owner = actor
        if team is None and owner is not None:
            team = default_team(owner)
        self.owner, self.team = owner, team
        self.entity_custom, self.entity_custom_errors = self._custom("entity")
        self.contact_custom, self.contact_custom_errors = self._custom("contact")
        self.may_give = self.may_change = False
        permissions.ensure(permissions.can_write(actor))

    @staticmethod
    def _custom(target: str) -> tuple[dict[str, Any], dict[str, list[str]]]:
        try:
            return values_clean(target=target, data={}), {}
        except ValidationError as error:
            return {}, {f"custom.{k}": v for k, v in error.message_dict.items()}

    def check_owner(self, entity: Entity) -> None:
        """``entity_create``'s check of the owner it gives the entity: every new entity of
        the batch has the same owner and team, so once is enough."""
        if not self.may_give and self.owner is not None and self.owner != self.actor:
            permissions.ensure(
                permissions.can_reassign(self.actor, entity, self.owner),
                _("You cannot give this entity to that user."),
            )
        self.may_give = True

    def check_contacts(self, entity: Entity) -> None:
        """``contact_create``'s check, once for the batch as well."""
        if not self.may_change:
            permissions.ensure(permissions.can_change(self.actor, entity))
        self.may_change = True


def link_batch(
    *,
    actor: User,
    requests: Sequence[LinkRequest],
    setting: MasterLinkSetting,
    on_error: ErrorHandler,
) -> list[Master]:
    """Create, link or update the entities of ``requests`` (masters of one kind, new or
    saved) as :func:`~relata.sales.linking.master_link` would one after the other.

    The masters themselves are not written: their ``entity`` and ``erp_snapshot`` are set,
    and those whose ``master_link`` would have written them are returned, for the caller
    to save. A master whose entity cannot be written is reported to ``on_error`` with its
    position in ``requests`` and the ``ValidationError`` (field → messages) and is left as
    it was; the others are linked. Call inside a transaction.
    """
    if not requests:
        return []
    model = type(requests[0].master)
    kind_meaning = KindMeaning.CUSTOMER if model is Customer else KindMeaning.SUPPLIER
    values = [linking.erp_values(r.master, r.addresses) for r in requests]
    _attach_entities([r.master for r in requests if r.master.entity_id is not None])
    taxes = {
        v["tax_id"]
        for r, v in zip(requests, values, strict=True)
        if r.master.entity_id is None and v["tax_id"]
    }
    existing: dict[str, Entity] = {}
    linked_to: dict[int, int] = {}
    if setting.creates_entity and taxes:
        existing = {
            e.tax_id: e
            for e in Entity.objects.select_related("kind").filter(tax_id__in=sorted(taxes))
        }
        linked_to = dict(
            model._default_manager.filter(entity__in=list(existing.values())).values_list(
                "entity_id", "pk"
            )
        )
    context: _Context | None = None
    claimed: set[str] = set()  # tax ids of entities that masters of this batch took
    pending: list[_NewEntity] = []
    written: list[Master] = []

    def one_by_one(position: int, request: LinkRequest) -> None:
        master = request.master
        before = master.entity.tax_id if master.entity is not None else ""
        _flush(actor, pending, written)
        try:
            with transaction.atomic():
                entity = linking.master_link(
                    actor=actor,
                    master=master,
                    addresses=request.addresses,
                    contacts=request.contacts,
                    email=request.email,
                    phone=request.phone,
                    setting=setting,
                    save=False,
                )
        except ValidationError as error:
            on_error(position, error)
            return
        if entity is None:
            return
        written.append(master)
        if before and before != entity.tax_id and existing.get(before) == entity:
            del existing[before]  # the ERP changed its tax id: the old one is free again
        if entity.tax_id:
            claimed.add(entity.tax_id)

    for position, (request, erp) in enumerate(zip(requests, values, strict=True)):
        master, tax_id = request.master, erp["tax_id"]
        if master.entity_id is not None:
            one_by_one(position, request)
            continue
        if not setting.creates_entity or (tax_id and tax_id in claimed):
            continue  # not linked, as master_link leaves it
        if tax_id and tax_id in existing:
            if linked_to.get(existing[tax_id].pk, master.pk) == master.pk:
                one_by_one(position, request)
            continue
        if context is None:
            context = _Context(actor, setting, kind_meaning)
        try:
            pending.append(_plan(context, request, erp))
        except ValidationError as error:
            on_error(position, error)
            continue
        if tax_id:
            claimed.add(tax_id)
    _flush(actor, pending, written)
    return written


def _attach_entities(masters: list[Master]) -> None:
    """Load the linked entities of ``masters`` (with kind and addresses) in two queries."""
    if not masters:
        return
    entities = Entity.objects.select_related("kind").prefetch_related("addresses")
    found = entities.in_bulk([m.entity_id for m in masters])
    for master in masters:
        master.entity = found[master.entity_id]


def _plan(context: _Context, request: LinkRequest, erp: dict[str, Any]) -> _NewEntity:
    """Build (unsaved) the entity and contacts ``entity_create`` and ``contact_create``
    would write for ``request``; raise their ``ValidationError`` if they would refuse."""
    errors = entity_services.FieldErrors()
    legal_name = erp["legal_name"].strip()
    if not legal_name:
        errors.add("legal_name", _("Enter the legal name."))
    tax_id = erp["tax_id"]
    if tax_id:
        try:
            tax_id = normalize_tax_id(tax_id)
        except ValidationError as error:
            errors.add("tax_id", error)
    raw_emails, raw_phones = linking.contact_points(request.email, request.phone)
    emails = _clean_emails(raw_emails, errors)
    phones = _clean_phones(raw_phones, errors)
    addresses = _clean_addresses(linking.entity_addresses(erp, request.addresses))
    for field, messages in context.entity_custom_errors.items():
        errors.add(field, ValidationError(messages))
    errors.raise_if_any()
    entity = Entity(
        kind=context.kind,
        is_company=True,
        legal_name=legal_name,
        tax_id=tax_id,
        owner=context.owner,
        team=context.team,
        custom=copy.deepcopy(context.entity_custom),
    )
    context.check_owner(entity)
    set_history_user(entity, context.actor)
    # Kind, owner and team were checked for the batch, the tax id's uniqueness by
    # link_batch: the per-record queries of full_clean are left out.
    entity.full_clean(
        exclude=["search_text", "kind", "owner", "team"],
        validate_unique=False,
        validate_constraints=False,
    )
    contacts = _plan_contacts(context, entity, request.contacts, emails)
    planned = _NewEntity(
        request, entity, {k: v for k, v in erp.items() if v}, addresses, emails, phones, contacts
    )
    entity.search_text = _search_text(
        planned, [f"{c.contact.first_name} {c.contact.last_name}" for c in contacts]
    )
    return planned


def _plan_contacts(
    context: _Context,
    entity: Entity,
    items: list[dict[str, Any]],
    entity_emails: list[dict[str, Any]],
) -> list[_NewContact]:
    """The contacts ``linking._contacts`` creates for a new entity (those whose email or
    name the entity does not have yet), each as ``contact_create`` builds it."""
    known_emails = {e["email"].lower() for e in entity_emails}
    known_names: set[str] = set()
    planned = []
    for item in items:
        email = (item.get("email") or "").strip()
        name = f"{item.get('first_name', '')} {item.get('last_name', '')}".strip().lower()
        if (email and email.lower() in known_emails) or name in known_names:
            continue
        context.check_contacts(entity)
        raw_emails, raw_phones = linking.contact_points(email, item.get("phone") or "")
        errors = entity_services.FieldErrors()
        data = _clean_contact_data(
            {
                "first_name": item.get("first_name") or "",
                "last_name": item.get("last_name") or "",
                "job_title": item.get("job_title") or "",
            },
            errors,
        )
        emails = _clean_emails(raw_emails, errors)
        phones = _clean_phones(raw_phones, errors)
        for field, messages in context.contact_custom_errors.items():
            errors.add(field, ValidationError(messages))
        errors.raise_if_any()
        contact = Contact(
            entity=entity,
            custom=copy.deepcopy(context.contact_custom),
            **{k: v for k, v in data.items() if k in entity_services.CONTACT_FIELDS},
        )
        set_history_user(contact, context.actor)
        contact.full_clean(exclude=["entity"])  # the entity is not saved yet
        planned.append(_NewContact(contact, emails, phones))
        known_names.add(name)
    return planned


def _search_text(planned: _NewEntity, names: list[str]) -> str:
    """``search_text_refresh``'s text, from the values about to be written (in the order
    :func:`_flush` writes them). Emails and phones are ordered as the database returns
    them: main first, then by id. Contact ``names`` come in the database's order, which
    depends on its collation: with two or more, :func:`_sort_contact_names` asks it."""
    entity = planned.entity
    emails = [*planned.emails, *(e for c in planned.contacts for e in c.emails)]
    phones = [*planned.phones, *(p for c in planned.contacts for p in c.phones)]
    parts = [entity.legal_name, entity.trade_name, entity.tax_id]
    parts += [e["email"] for e in sorted(emails, key=lambda e: not e["is_main"])]
    parts += [p["number"] for p in sorted(phones, key=lambda p: not p["is_main"])]
    parts += names
    return " ".join(p for p in parts if p).lower()


def _sort_contact_names(planned: list[_NewEntity]) -> None:
    """Redo the search text of entities with several contacts, with their names in the
    database's order (its collation): one query, one update."""
    if not planned:
        return
    entities = {p.entity.pk: p for p in planned}
    names: dict[int, list[str]] = {pk: [] for pk in entities}
    rows = (
        Contact.objects.filter(entity__in=list(entities))
        .order_by("entity_id", "last_name", "first_name", "id")  # Contact's ordering
        .values_list("entity_id", "first_name", "last_name")
    )
    for entity_id, first, last in rows:
        names[entity_id].append(f"{first} {last}")
    for pk, p in entities.items():
        p.entity.search_text = _search_text(p, names[pk])
    Entity.objects.bulk_update([p.entity for p in planned], ["search_text"])


def _flush(actor: User, pending: list[_NewEntity], written: list[Master]) -> None:
    """Write the planned entities with everything that belongs to them; empty ``pending``."""
    if not pending:
        return
    now = timezone.now()
    entities = [p.entity for p in pending]
    Entity.objects.bulk_create(entities)
    Entity.history.bulk_history_create(
        entities, default_user=actor, default_change_reason=None, default_date=now
    )
    Address.objects.bulk_create(
        Address(entity=p.entity, **address) for p in pending for address in p.addresses
    )
    # Written in the order search text assumed: each entity's own, then its contacts'.
    EmailAddress.objects.bulk_create(
        EmailAddress(entity=p.entity, contact=None, **item) for p in pending for item in p.emails
    )
    PhoneNumber.objects.bulk_create(
        PhoneNumber(entity=p.entity, contact=None, **item) for p in pending for item in p.phones
    )
    for p in pending:
        events.publish(events.ENTITY_CREATED, p.entity, user=actor)
    new_contacts = [c for p in pending for c in p.contacts]
    if new_contacts:
        contacts = [c.contact for c in new_contacts]
        Contact.objects.bulk_create(contacts)  # entity_id comes from the saved entity
        Contact.history.bulk_history_create(
            contacts, default_user=actor, default_change_reason=None, default_date=now
        )
        EmailAddress.objects.bulk_create(
            EmailAddress(entity=c.contact.entity, contact=c.contact, **item)
            for c in new_contacts
            for item in c.emails
        )
        PhoneNumber.objects.bulk_create(
            PhoneNumber(entity=c.contact.entity, contact=c.contact, **item)
            for c in new_contacts
            for item in c.phones
        )
    _sort_contact_names([p for p in pending if len(p.contacts) > 1])
    for p in pending:
        master = p.request.master
        master.entity, master.erp_snapshot = p.entity, p.snapshot
        written.append(master)
    pending.clear()
