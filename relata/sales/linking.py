"""Linking ERP masters (customers, suppliers) to CRM entities [vincular maestros].

Rules (documented for deployers in docs/sales-integration.md):

* Per master, an administrator decides whether a new ERP record creates a CRM entity
  (:class:`~relata.sales.models.MasterLinkSetting`; customers on, suppliers off by default).
* With it on, an unlinked master is linked to the entity with the same tax id (normalised
  as the entities app stores it) when that entity is not linked to another master of the
  same kind; otherwise a new entity is created through the entities services, with the
  name, tax id, addresses, email, phone and contacts of the payload. Entity has no external
  id field, so the ERP's id is kept on the master (``Customer.entity``).
* A linked prospect becomes a customer (its kind is switched), never duplicated.
* ERP-owned entity fields: ``legal_name`` (the master's name), ``tax_id`` and the five
  fields of the entity's main address (street, postal_code, city, province, country). At
  link time the ERP's non-empty values are written; later, each one is written only while
  the entity still holds the value the ERP last wrote (``erp_snapshot``): a field a CRM
  user changed since is left alone. Every other field (owner, team, kind after linking,
  trade name, website, classification, tags, notes, custom fields, other addresses,
  emails, phones, contacts) belongs to CRM users; contacts, email and phone are copied
  only when the entity is created or linked.
* An empty ERP value never blanks a CRM value.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from relata.core import permissions
from relata.core.models import Team, User
from relata.core.normalize import normalize_phone, normalize_tax_id
from relata.entities import services as entity_services
from relata.entities.models import Address, Entity, EntityKind, KindMeaning
from relata.sales.models import Customer, Master, MasterLinkSetting, Supplier

DEFAULT_CREATES_ENTITY = {Master.CUSTOMERS: True, Master.SUPPLIERS: False}
ADDRESS_FIELDS = ("street", "postal_code", "city", "province", "country")
KIND_LABELS = {
    KindMeaning.CUSTOMER: ("Customer", "Cliente"),
    KindMeaning.SUPPLIER: ("Supplier", "Proveedor"),
}


def link_setting(master: str) -> MasterLinkSetting:
    """Return the master's setting, or an unsaved one holding the default."""
    setting = MasterLinkSetting.objects.filter(master=master).first()
    if setting is None:
        setting = MasterLinkSetting(
            master=master, creates_entity=DEFAULT_CREATES_ENTITY[Master(master)]
        )
    return setting


@transaction.atomic
def link_setting_update(
    *,
    user: User,
    master: str,
    creates_entity: bool,
    default_owner: User | None = None,
    default_team: Team | None = None,
) -> MasterLinkSetting:
    """Change a master's linking setting; administrators only."""
    permissions.ensure(permissions.can_configure(user))
    setting, _created = MasterLinkSetting.objects.update_or_create(
        master=master,
        defaults={
            "creates_entity": creates_entity,
            "default_owner": default_owner,
            "default_team": default_team,
        },
    )
    return setting


def loose_tax_id(value: str) -> str:
    """Upper case, without spaces, dashes or dots: how masters are matched and stored."""
    return "".join(value.split()).upper().replace("-", "").replace(".", "")


def entity_tax_id(value: str) -> str:
    """The tax id as an entity stores it, or "" when it is not a valid one."""
    try:
        return normalize_tax_id(value) if value else ""
    except ValidationError:
        return ""


def entity_kind(meaning: str) -> EntityKind:
    """The first active entity kind with ``meaning`` (created when there is none)."""
    kind = (
        EntityKind.objects.filter(meaning=meaning, is_active=True).order_by("order", "id").first()
    )
    if kind is None:
        label_en, label_es = KIND_LABELS[KindMeaning(meaning)]
        kind, _created = EntityKind.objects.get_or_create(
            code=meaning, defaults={"label_en": label_en, "label_es": label_es, "meaning": meaning}
        )
    return kind


def erp_values(master: Customer | Supplier, addresses: list[dict[str, Any]]) -> dict[str, Any]:
    """The ERP-owned entity values of ``master``: legal name, tax id, main address."""
    main = next((a for a in addresses if a.get("kind", "billing") == "billing"), None)
    main = main or (addresses[0] if addresses else None)
    values: dict[str, Any] = {"legal_name": master.name, "tax_id": entity_tax_id(master.tax_id)}
    if main is not None:
        values["address"] = {f: (main.get(f) or "").strip() for f in ADDRESS_FIELDS}
        values["address"]["country"] = (values["address"]["country"] or "ES").upper()
    return values


def _address_dict(address: Address) -> dict[str, Any]:
    return {
        "kind": address.kind,
        "is_main": address.is_main,
        **{f: getattr(address, f) for f in ADDRESS_FIELDS},
    }


def contact_points(email: str, phone: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The payload's email and phone as the entities services take them (a bad phone is
    dropped)."""
    emails = [{"email": email, "is_main": True}] if email else []
    phones = []
    if phone:
        try:
            phones = [{"number": normalize_phone(phone), "is_main": True}]
        except ValidationError:
            phones = []  # the ERP's phone is shown on the master; a bad one is not copied
    return emails, phones


def _find_entity(master: Customer | Supplier, tax_id: str) -> Entity | None:
    if not tax_id:
        return None
    entity = Entity.objects.select_related("kind").filter(tax_id=tax_id).first()
    if entity is None:
        return None
    linked = Customer if isinstance(master, Customer) else Supplier
    if linked.objects.filter(entity=entity).exclude(pk=master.pk).exists():
        return None
    return entity


def master_link(
    *,
    actor: User,
    master: Customer | Supplier,
    addresses: list[dict[str, Any]],
    contacts: list[dict[str, Any]] | None = None,
    email: str = "",
    phone: str = "",
    setting: MasterLinkSetting | None = None,
    save: bool = True,
) -> Entity | None:
    """Create, link or update the master's CRM entity following the module's rules.

    ``setting`` saves a query per record when a batch passes its master's setting. With
    ``save=False`` the master's ``entity`` and ``erp_snapshot`` are set but not written: the
    caller writes every master it got an entity back for (see :mod:`relata.sales.bulk`).
    """
    kind_meaning = KindMeaning.CUSTOMER if isinstance(master, Customer) else KindMeaning.SUPPLIER
    values = erp_values(master, addresses)
    entity = master.entity
    if entity is not None:
        master.erp_snapshot = _update(actor, entity, values, master.erp_snapshot or {})
    else:
        if setting is None:
            master_kind = Master.CUSTOMERS if isinstance(master, Customer) else Master.SUPPLIERS
            setting = link_setting(master_kind)
        if not setting.creates_entity:
            return None
        entity = _find_entity(master, values["tax_id"])
        if entity is None and Entity.objects.exclude(tax_id="").filter(tax_id=values["tax_id"]):
            return None  # the entity is another ERP record's: this one stays unlinked
        emails, phones = contact_points(email, phone)
        if entity is None:
            entity = _create(actor, values, kind_meaning, setting, addresses, emails, phones)
        else:
            _link(actor, entity, values, kind_meaning, emails, phones)
        _contacts(actor, entity, contacts or [])
        master.entity = entity
        master.erp_snapshot = {k: v for k, v in values.items() if v}
    if save:
        type(master).objects.filter(pk=master.pk).update(
            entity=entity, erp_snapshot=master.erp_snapshot
        )
    return entity


def entity_addresses(
    values: dict[str, Any], addresses: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The addresses a new entity gets: the ERP's main one (billing) and its other
    delivery addresses."""
    result = []
    if "address" in values:
        result.append({**values["address"], "kind": "billing", "is_main": True})
    for item in addresses:
        address = {f: (item.get(f) or "").strip() for f in ADDRESS_FIELDS}
        if item.get("kind") == "delivery" and address != values.get("address"):
            result.append({**address, "kind": "delivery", "is_main": False})
    return result


def _create(
    actor: User,
    values: dict[str, Any],
    kind_meaning: str,
    setting: MasterLinkSetting,
    addresses: list[dict[str, Any]],
    emails: list[dict[str, Any]],
    phones: list[dict[str, Any]],
) -> Entity:
    return entity_services.entity_create(
        user=actor,
        data={
            "kind": entity_kind(kind_meaning),
            "is_company": True,
            "legal_name": values["legal_name"],
            "tax_id": values["tax_id"],
            "owner": setting.default_owner,
            "team": setting.default_team,
        },
        addresses=entity_addresses(values, addresses),
        emails=emails,
        phones=phones,
    )


def _link(
    actor: User,
    entity: Entity,
    values: dict[str, Any],
    kind_meaning: str,
    emails: list[dict[str, Any]],
    phones: list[dict[str, Any]],
) -> None:
    data: dict[str, Any] = {"legal_name": values["legal_name"]}
    if kind_meaning == KindMeaning.CUSTOMER and entity.kind.meaning == KindMeaning.PROSPECT:
        data["kind"] = entity_kind(KindMeaning.CUSTOMER)
    addresses = None
    if "address" in values:
        current = [_address_dict(a) for a in entity.addresses.all()]
        main = next((a for a in current if a["is_main"]), None)
        if main is None:
            current.insert(0, {**values["address"], "kind": "billing", "is_main": True})
        else:
            main.update({f: v for f, v in values["address"].items() if v})
        addresses = current
    has_email = entity.emails.filter(contact=None).exists()
    has_phone = entity.phones.filter(contact=None).exists()
    entity_services.entity_update(
        user=actor,
        entity=entity,
        data=data,
        addresses=addresses,
        emails=None if has_email or not emails else emails,
        phones=None if has_phone or not phones else phones,
    )


def _update(
    actor: User, entity: Entity, values: dict[str, Any], snapshot: dict[str, Any]
) -> dict[str, Any]:
    """Write the ERP's changed values the CRM has not changed since; return the snapshot."""
    snapshot = dict(snapshot)
    data: dict[str, Any] = {}
    for field in ("legal_name", "tax_id"):
        new, last = values.get(field) or "", snapshot.get(field, "")
        if new and new != last and getattr(entity, field) in (last, ""):
            data[field] = new
            snapshot[field] = new
    addresses = None
    if "address" in values:
        current = [_address_dict(a) for a in entity.addresses.all()]
        main = next((a for a in current if a["is_main"]), None)
        last_address = snapshot.get("address") or {}
        written = dict(last_address)
        changed = False
        if main is None and not last_address:
            current.insert(0, {**values["address"], "kind": "billing", "is_main": True})
            written, changed = dict(values["address"]), True
        elif main is not None:
            for field, new in values["address"].items():
                last = last_address.get(field, "")
                if new and new != last and main[field] in (last, ""):
                    main[field] = new
                    written[field] = new
                    changed = True
        if changed:
            addresses = current
            snapshot["address"] = written
    if data or addresses is not None:
        entity_services.entity_update(user=actor, entity=entity, data=data, addresses=addresses)
    return snapshot


def _contacts(actor: User, entity: Entity, contacts: list[dict[str, Any]]) -> None:
    """Create the payload's contacts the entity does not have yet (same email or name)."""
    if not contacts:
        return
    known_emails = {e.lower() for e in entity.emails.values_list("email", flat=True)}
    known_names = {
        f"{first} {last}".strip().lower()
        for first, last in entity.contacts.values_list("first_name", "last_name")
    }
    for item in contacts:
        email = (item.get("email") or "").strip()
        name = f"{item.get('first_name', '')} {item.get('last_name', '')}".strip().lower()
        if (email and email.lower() in known_emails) or name in known_names:
            continue
        emails, phones = contact_points(email, item.get("phone") or "")
        entity_services.contact_create(
            user=actor,
            entity=entity,
            data={
                "first_name": item.get("first_name") or "",
                "last_name": item.get("last_name") or "",
                "job_title": item.get("job_title") or "",
            },
            emails=emails,
            phones=phones,
        )
        known_names.add(name)
