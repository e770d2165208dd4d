"""Helpers shared by the entity and contact forms: model-field reuse and the mapping of
service errors onto inputs."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet

EMAIL_SLOTS = 3
PHONE_SLOTS = 3
ADDRESS_SLOTS = 2
ADDRESS_FIELDS = ("kind", "street", "postal_code", "city", "province", "country")
PAGE_SIZES = (25, 50, 100)
# Service error keys that name a group of inputs: the errors go to the group's first input.
GROUP_ERROR_FIELDS = {
    "emails": "email_0",
    "phones": "phone_0",
    "addresses": "address_0_street",
    "tags": "tags",
    "tag": "tag",
}


def model_field(model: type[Model], name: str, **overrides: Any) -> forms.Field:
    """Return the form field of a model field, with the model's label and limits."""
    field = model._meta.get_field(name).formfield(**overrides)  # type: ignore[union-attr]
    assert field is not None, name
    return field


def choices_with_current(
    queryset: QuerySet[Any], current: Model | None, active_field: str = "is_active"
) -> QuerySet[Any]:
    """Return the active rows plus the record's current one, so editing keeps it."""
    q = Q(**{active_field: True})
    if current is not None:
        q |= Q(pk=current.pk)
    return queryset.filter(q)


def apply_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's ``ValidationError`` next to the inputs it is about.

    Services key their errors by field name, ``emails``/``phones``/``addresses`` for the
    lists and ``custom.<key>`` for custom fields (the form's ``cf_<key>`` input).
    """
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for key, messages in error.message_dict.items():
        if key.startswith("custom."):
            name = f"cf_{key.removeprefix('custom.')}"
        else:
            name = GROUP_ERROR_FIELDS.get(key, key)
        form.add_error(name if name in form.fields else None, messages)


class EntityFinderMixin:
    """The entity field of a form that finds its entity by search (actions, cases…).

    The select holds only the chosen entity (and a search's matches): there may be a
    hundred thousand. The form sets ``self.user`` before calling :meth:`_chosen_entity`;
    its template renders the options with ``entities/_entity_options.html``.
    """

    user: Any

    def _chosen_entity(self, data: Any, initial: dict[str, Any]) -> Any:
        """Return the entity named by the data (or else the initial values) if the user
        may see it."""
        from relata.core import permissions
        from relata.entities.models import Entity

        raw = data.get("entity") if data is not None else initial.get("entity")
        if isinstance(raw, Entity):
            return raw if permissions.can_view(self.user, raw) else None
        if raw in (None, "") or not str(raw).isdigit():
            return None
        return permissions.scope(self.user, Entity.objects.all()).filter(pk=int(raw)).first()

    @staticmethod
    def entity_choices(entities: list[Any]) -> list[tuple[Any, str]]:
        return [("", "---------")] + [(e.pk, e.display_name) for e in entities if e is not None]


class ContactChoiceField(forms.ModelChoiceField):
    """A choice of contacts shown by their full names."""

    def label_from_instance(self, obj: Any) -> str:
        return obj.full_name


def entity_contacts(entity: Any, current: list[Any] | None = None) -> QuerySet[Any]:
    """Return the contacts a record of ``entity`` (an action, a case) may name: its active
    ones, plus those the record already has."""
    from relata.entities.models import Contact

    if entity is None:
        return Contact.objects.none()
    q = Q(is_active=True)
    if current:
        q |= Q(pk__in=[c.pk for c in current if c is not None])
    return Contact.objects.filter(q, entity=entity).order_by("last_name", "first_name", "pk")
