"""The administrator-editable classification lists of entities: kinds, sources, sectors
and zones. Reads for the settings pages and the writes (administrators only).

Values are never deleted, only deactivated: entities keep pointing at them, and forms
stop offering them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from relata.core import permissions
from relata.core.models import User
from relata.core.services import model_update
from relata.entities.models import ClassificationValue, EntityKind, Sector, Source, Zone

UPDATABLE_FIELDS = ("label_en", "label_es", "order", "is_active", "meaning")
ORDER_STEP = 10


@dataclass(frozen=True)
class ClassificationList:
    slug: str
    model: type[ClassificationValue]
    label: str | Promise
    description: str | Promise
    icon: str


LISTS: dict[str, ClassificationList] = {
    item.slug: item
    for item in (
        ClassificationList(
            "kinds",
            EntityKind,
            _("Entity kinds"),
            _("Customer, prospect, supplier…; each with the meaning Relata acts on."),
            "building",
        ),
        ClassificationList(
            "sources",
            Source,
            _("Sources"),
            _("Where an entity came from: website, trade fair, referral…"),
            "signpost-split",
        ),
        ClassificationList(
            "sectors", Sector, _("Sectors"), _("The line of business of an entity."), "diagram-2"
        ),
        ClassificationList(
            "zones", Zone, _("Zones"), _("Territories that split the work among teams."), "map"
        ),
    )
}


def classification_values(*, model: type[ClassificationValue]) -> QuerySet[Any]:
    """Return every value of a list, inactive ones included, in their order."""
    return model._default_manager.order_by("-is_active", "order", "label_en")


@transaction.atomic
def classification_create(
    *, user: User, model: type[ClassificationValue], data: dict[str, Any]
) -> ClassificationValue:
    """Add a value to a list; administrators only. Without an order it goes last."""
    permissions.ensure(permissions.can_configure(user))
    fields = ("code", "label_en", "label_es", "order", "meaning")
    values = {
        name: value.strip() if isinstance(value, str) else value
        for name, value in data.items()
        if name in fields and (name != "meaning" or model is EntityKind)
    }
    if values.get("order") in (None, 0):
        last = model._default_manager.aggregate(last=Max("order"))["last"]
        values["order"] = (last or 0) + ORDER_STEP
    value = model(**values)
    value.full_clean()
    value.save()
    return value


@transaction.atomic
def classification_update(
    *, user: User, value: ClassificationValue, data: dict[str, Any]
) -> ClassificationValue:
    """Change a value's labels, order, meaning or state; its code never changes."""
    permissions.ensure(permissions.can_configure(user))
    fields = tuple(f for f in UPDATABLE_FIELDS if hasattr(value, f))
    data = {k: v.strip() if isinstance(v, str) else v for k, v in data.items() if k in fields}
    model_update(instance=value, fields=fields, data=data)
    return value


def classification_deactivate(*, user: User, value: ClassificationValue) -> ClassificationValue:
    return classification_update(user=user, value=value, data={"is_active": False})
