"""Merge two entities: fold one (the *other*) into the *survivor* and keep an audit entry.

Every record that points at the other entity moves to the survivor. The entities app's own
records are merged with care (a contact keeps its history, a repeated email, phone or
address is not copied twice, one main of each remains); every other foreign key, many-to-many
link or generic relation to :class:`Entity` is found through Django's model metadata and
moved as it is, so the apps that later point at entities (actions, cases, sales documents…)
need no change here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.models import HistoricalChanges

from relata.core import events, permissions, timeline
from relata.core.history import set_history_user
from relata.core.models import User
from relata.entities.models import (
    Address,
    Contact,
    EmailAddress,
    Entity,
    EntityMerge,
    PhoneNumber,
)
from relata.entities.services import search_text_refresh

# Fields of the survivor that take the other's value when they are empty.
FILLED_FIELDS = ("trade_name", "tax_id", "website", "source", "sector", "zone", "notes")
# Handled one by one above the generic move.
_OWN_RELATIONS = (Contact, EmailAddress, PhoneNumber, Address, EntityMerge)
ADDRESS_KEY = ("kind", "street", "postal_code", "city", "province", "country")


def _is_history(model: type[models.Model]) -> bool:
    return issubclass(model, HistoricalChanges)


def _json(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def entity_snapshot(entity: Entity) -> dict[str, Any]:
    """Return what ``entity`` holds, as JSON, for the audit entry of a merge."""
    data: dict[str, Any] = {
        "id": entity.pk,
        "kind": entity.kind.code,
        "is_company": entity.is_company,
        "legal_name": entity.legal_name,
        "trade_name": entity.trade_name,
        "tax_id": entity.tax_id,
        "website": entity.website,
        "source": entity.source.code if entity.source else None,
        "sector": entity.sector.code if entity.sector else None,
        "zone": entity.zone.code if entity.zone else None,
        "owner": entity.owner_id,
        "owner_name": str(entity.owner) if entity.owner else None,
        "team": entity.team_id,
        "team_name": entity.team.name if entity.team else None,
        "is_active": entity.is_active,
        "notes": entity.notes,
        "custom": entity.custom,
        "created_at": entity.created_at,
        "tags": sorted(entity.tags.values_list("name", flat=True)),
        "emails": list(
            EmailAddress.objects.filter(entity=entity)
            .order_by("id")
            .values("email", "label", "is_main", "contact_id")
        ),
        "phones": list(
            PhoneNumber.objects.filter(entity=entity)
            .order_by("id")
            .values("number", "label", "is_main", "contact_id")
        ),
        "addresses": list(
            Address.objects.filter(entity=entity).order_by("id").values(*ADDRESS_KEY, "is_main")
        ),
        "contacts": [
            {"id": pk, "name": f"{first} {last}".strip()}
            for pk, first, last in Contact.objects.filter(entity=entity)
            .order_by("id")
            .values_list("pk", "first_name", "last_name")
        ],
    }
    return _json(data)


def _check(user: User, survivor: Entity, other: Entity) -> None:
    if survivor.pk == other.pk:
        raise ValidationError({"other": _("An entity cannot be merged into itself.")})
    for key, entity in (("survivor", survivor), ("other", other)):
        if not permissions.can_view(user, entity):
            # Answered as if it did not exist: its existence is not the user's to know.
            raise ValidationError({key: _("This entity does not exist or you cannot see it.")})
    for entity in (survivor, other):
        permissions.ensure(
            permissions.can_change(user, entity),
            _("You cannot change “%(name)s”, so you cannot merge it.")
            % {"name": entity.display_name},
        )


def _fill_blanks(survivor: Entity, other: Entity) -> list[str]:
    filled = []
    for name in FILLED_FIELDS:
        field = Entity._meta.get_field(name)
        attname = field.attname  # type: ignore[union-attr]
        if getattr(survivor, attname) in (None, "") and getattr(other, attname) not in (None, ""):
            setattr(survivor, attname, getattr(other, attname))
            filled.append(name)
    if "tax_id" in filled:
        # The tax id is unique: the other gives it up before the survivor takes it.
        Entity.objects.filter(pk=other.pk).update(tax_id="")
    custom = {**(other.custom or {}), **(survivor.custom or {})}
    if custom != survivor.custom:
        survivor.custom = custom
        filled.append("custom")
    return filled


def _move_contacts(user: User, survivor: Entity, other: Entity) -> None:
    reason = f"Moved from {other.display_name} (#{other.pk}) by a merge"
    for contact in Contact.objects.filter(entity=other).order_by("pk"):
        contact.entity = survivor
        set_history_user(contact, user)
        contact._change_reason = reason  # type: ignore[attr-defined]
        contact.save(update_fields=["entity", "updated_at"])
    EmailAddress.objects.filter(entity=other, contact__isnull=False).update(entity=survivor)
    PhoneNumber.objects.filter(entity=other, contact__isnull=False).update(entity=survivor)


def _move_points(
    model: type[EmailAddress] | type[PhoneNumber], key: str, survivor: Entity, other: Entity
) -> None:
    """Move the other's own emails or phones; drop repeats; keep one main."""
    own = model.objects.filter(contact__isnull=True)
    have = {str(v).lower() for v in own.filter(entity=survivor).values_list(key, flat=True)}
    has_main = own.filter(entity=survivor, is_main=True).exists()
    for point in own.filter(entity=other).order_by("-is_main", "id"):
        value = str(getattr(point, key)).lower()
        if value in have:
            point.delete()
            continue
        have.add(value)
        point.entity = survivor
        point.is_main = not has_main
        has_main = True
        point.save(update_fields=["entity", "is_main"])


def _address_key(values: Iterable[Any]) -> tuple[str, ...]:
    return tuple(" ".join(str(v or "").lower().split()) for v in values)


def _move_addresses(survivor: Entity, other: Entity) -> None:
    have = {_address_key(a) for a in survivor.addresses.values_list(*ADDRESS_KEY)}
    has_main = survivor.addresses.filter(is_main=True).exists()
    for address in other.addresses.order_by("-is_main", "id"):
        key = _address_key(getattr(address, f) for f in ADDRESS_KEY)
        if key in have:
            address.delete()
            continue
        have.add(key)
        address.entity = survivor
        address.is_main = not has_main
        has_main = True
        address.save(update_fields=["entity", "is_main"])


@contextmanager
def _guarded(label: Any) -> Iterator[None]:
    """Turn a constraint failure while moving ``label`` records into a clear error."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as error:
        raise ValidationError(
            _("The merge could not move the %(records)s: %(error)s")
            % {"records": label, "error": error}
        ) from error


def _move_through_rows(
    through: type[models.Model], entity_field: str, far_field: str, survivor: Entity, other: Entity
) -> None:
    """Move the other's rows of a many-to-many table; drop links the survivor already has."""
    rows = through._base_manager
    already = rows.filter(**{entity_field: survivor}).values(far_field)
    rows.filter(**{entity_field: other}).exclude(**{f"{far_field}__in": already}).update(
        **{entity_field: survivor}
    )
    rows.filter(**{entity_field: other}).delete()


def _move_many_to_many(survivor: Entity, other: Entity) -> None:
    # Links from the entity (its tags, and any many-to-many a later version adds).
    for m2m in Entity._meta.many_to_many:
        through: Any = m2m.remote_field.through
        with _guarded(m2m.verbose_name):
            _move_through_rows(
                through, m2m.m2m_field_name(), m2m.m2m_reverse_field_name(), survivor, other
            )
    # Links to the entity from other models (a campaign's entities…).
    for rel in Entity._meta.related_objects:
        model: Any = rel.related_model
        if not rel.many_to_many or _is_history(model):
            continue
        field: Any = rel.field
        through = field.remote_field.through
        with _guarded(model._meta.verbose_name_plural):
            _move_through_rows(
                through, field.m2m_reverse_field_name(), field.m2m_field_name(), survivor, other
            )


def _move_foreign_keys(survivor: Entity, other: Entity) -> None:
    """Point every other foreign key and one-to-one at the survivor."""
    for rel in Entity._meta.related_objects:
        model: Any = rel.related_model
        if rel.many_to_many or model in _OWN_RELATIONS or _is_history(model):
            continue
        name = rel.field.name
        rows = model._base_manager.filter(**{name: other})
        if rel.one_to_one and model._base_manager.filter(**{name: survivor}).exists():
            continue  # the survivor keeps its own; the other's goes with the other
        with _guarded(model._meta.verbose_name_plural):
            rows.update(**{name: survivor})


def _move_generic_relations(survivor: Entity, other: Entity) -> None:
    """Point every generic foreign key (content type + object id) at the survivor."""
    entity_type = ContentType.objects.get_for_model(Entity)
    for model in apps.get_models():
        if _is_history(model):
            continue
        for private in model._meta.private_fields:
            if not isinstance(private, GenericForeignKey):
                continue
            rows = model._base_manager.filter(
                **{private.ct_field: entity_type, private.fk_field: other.pk}
            )
            with _guarded(model._meta.verbose_name_plural):
                rows.update(**{private.fk_field: survivor.pk})


@transaction.atomic
def entity_merge(*, user: User, survivor: Entity, other: Entity) -> Entity:
    """Fold ``other`` into ``survivor``, delete ``other`` and return the survivor.

    The survivor keeps its values; its empty fields and missing custom values are filled
    from the other's; tags are joined; contacts, emails, phones, addresses and every record
    of other apps move to it. An :class:`EntityMerge` keeps the other's data.
    """
    _check(user, survivor, other)
    # Lock both rows (in id order, so two merges never wait on each other) and read them
    # fresh: the copies the caller holds may be stale.
    locked = Entity.objects.select_for_update(of=("self",)).filter(pk__in=[survivor.pk, other.pk])
    fresh = {
        e.pk: e for e in locked.order_by("pk").select_related("kind", "source", "owner", "team")
    }
    survivor, other = fresh[survivor.pk], fresh[other.pk]

    snapshot = entity_snapshot(other)
    other_label = f"{other.display_name} (#{other.pk})"
    _fill_blanks(survivor, other)
    _move_contacts(user, survivor, other)
    _move_points(EmailAddress, "email", survivor, other)
    _move_points(PhoneNumber, "number", survivor, other)
    _move_addresses(survivor, other)
    _move_many_to_many(survivor, other)
    _move_foreign_keys(survivor, other)
    _move_generic_relations(survivor, other)
    # Merges the other had absorbed before now belong to the survivor's history.
    EntityMerge.objects.filter(survivor=other).update(survivor=survivor)

    set_history_user(survivor, user)
    survivor._change_reason = f"Merged {other_label}"  # type: ignore[attr-defined]
    survivor.save()
    EntityMerge.objects.create(
        survivor=survivor,
        merged_id=other.pk,
        merged_name=other.display_name[:200],
        snapshot=snapshot,
        merged_by=user,
    )
    set_history_user(other, user)
    other._change_reason = (  # type: ignore[attr-defined]
        f"Merged into {survivor.display_name} (#{survivor.pk})"
    )
    try:
        other.delete()
    except ProtectedError as error:
        # A one-to-one record both entities had, kept by the survivor, that may not go.
        raise ValidationError(
            _("The merge could not delete “%(name)s”: %(records)s still point at it.")
            % {
                "name": other.display_name,
                "records": ", ".join(
                    sorted({str(obj._meta.verbose_name_plural) for obj in error.protected_objects})
                ),
            }
        ) from error
    search_text_refresh(survivor)
    # The survivor may have taken names, tax id and addresses from the merged entity.
    events.publish(
        events.ENTITY_CHANGED,
        survivor,
        user=user,
        changed=("legal_name", "trade_name", "tax_id", "kind", "addresses"),
    )
    return survivor


def entity_merges(*, entity: Entity, limit: int = 50) -> list[EntityMerge]:
    """Return the merges folded into ``entity``, newest first."""
    return list(entity.merges.select_related("merged_by").order_by("-merged_at", "-pk")[:limit])


@timeline.register
def merge_events(
    obj: models.Model, limit: int, user: User | None = None
) -> list[timeline.TimelineEvent]:
    """Show each merge on the survivor's timeline."""
    if not isinstance(obj, Entity) or obj.pk is None:
        return []
    title = gettext_lazy("Merged “%(name)s” (#%(id)d) into this entity")
    return [
        timeline.TimelineEvent(
            when=merge.merged_at,
            who=merge.merged_by,
            kind="merged",
            title=str(title) % {"name": merge.merged_name, "id": merge.merged_id},
            icon="union",
        )
        for merge in entity_merges(entity=obj, limit=limit)
    ]
