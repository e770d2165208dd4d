"""Record forms: entities and contacts, with repeated emails, phones and addresses.

They only shape input for the services: the repeated inputs become the lists of dicts that
``entity_create``/``entity_update`` and ``contact_create``/``contact_update`` take.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from relata.core.emailaddress import EmailAddressFormField
from relata.core.forms import StyledFormMixin, country_choices, style_widgets
from relata.core.models import Team, User
from relata.core.normalize import PHONE_MAX_LENGTH, normalize_phone
from relata.customfields.forms import CustomFieldsFormMixin
from relata.customfields.models import Target
from relata.entities import selectors
from relata.entities.forms.common import (
    ADDRESS_FIELDS,
    ADDRESS_SLOTS,
    EMAIL_SLOTS,
    PHONE_SLOTS,
    choices_with_current,
    model_field,
)
from relata.entities.models import (
    Address,
    Contact,
    EmailAddress,
    Entity,
    EntityKind,
    PhoneNumber,
    Sector,
    Source,
    Zone,
)

# --- Repeated emails, phones and addresses ------------------------------------------------


class ContactPointsMixin:
    """Add numbered inputs for emails and phones; the first of each is the main one.

    A record keeps every address it has: a form shows at least ``EMAIL_SLOTS`` inputs and
    one more than the record already holds.
    """

    fields: dict[str, forms.Field]
    cleaned_data: dict[str, Any]
    email_count: int
    phone_count: int
    if TYPE_CHECKING:

        def add_error(self, field: str | None, error: Any) -> None: ...

    def _add_point_fields(self, *, emails: list[EmailAddress], phones: list[PhoneNumber]) -> None:
        added: dict[str, forms.Field] = {}
        self.email_count = max(EMAIL_SLOTS, len(emails) + 1)
        self.phone_count = max(PHONE_SLOTS, len(phones) + 1)
        for index in range(self.email_count):
            email = emails[index] if index < len(emails) else None
            added[f"email_{index}"] = EmailAddressFormField(
                label=_("Main email") if index == 0 else _("Other email"),
                required=False,
                initial=email.email if email else None,
            )
            added[f"email_{index}_label"] = forms.CharField(
                label=_("Label"),
                max_length=50,
                required=False,
                initial=email.label if email else None,
                widget=forms.TextInput(attrs={"placeholder": _("billing")}),
            )
        for index in range(self.phone_count):
            phone = phones[index] if index < len(phones) else None
            added[f"phone_{index}"] = forms.CharField(
                label=_("Main phone") if index == 0 else _("Other phone"),
                max_length=PHONE_MAX_LENGTH,
                required=False,
                initial=phone.number if phone else None,
                widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            )
            added[f"phone_{index}_label"] = forms.CharField(
                label=_("Label"),
                max_length=50,
                required=False,
                initial=phone.label if phone else None,
                widget=forms.TextInput(attrs={"placeholder": _("mobile")}),
            )
        style_widgets(SimpleNamespace(fields=added))  # type: ignore[arg-type]
        self.fields.update(added)

    def _clean_phones(self) -> None:
        """Check each phone where it was typed; the service checks them again."""
        for index in range(self.phone_count):
            name = f"phone_{index}"
            value = (self.cleaned_data.get(name) or "").strip()
            if not value:
                continue
            try:
                self.cleaned_data[name] = normalize_phone(value)
            except ValidationError:
                self.add_error(
                    name, gettext("“%(value)s” is not a valid phone number.") % {"value": value}
                )

    def _points(self, prefix: str, count: int, value_key: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for index in range(count):
            value = self.cleaned_data.get(f"{prefix}_{index}")
            if value:
                label = self.cleaned_data.get(f"{prefix}_{index}_label") or ""
                items.append({value_key: value, "label": label, "is_main": not items})
        return items

    def emails_data(self) -> list[dict[str, Any]]:
        return self._points("email", self.email_count, "email")

    def phones_data(self) -> list[dict[str, Any]]:
        return self._points("phone", self.phone_count, "number")

    def email_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [
            (self[f"email_{i}"], self[f"email_{i}_label"])  # type: ignore[index]
            for i in range(self.email_count)
        ]

    def phone_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [
            (self[f"phone_{i}"], self[f"phone_{i}_label"])  # type: ignore[index]
            for i in range(self.phone_count)
        ]


def _custom_values(form: CustomFieldsFormMixin) -> dict[str, Any]:
    """Return the custom inputs by key, for the service to check and store.

    Only the active fields the form shows: values of deactivated fields stay on the
    record untouched (the service merges).
    """
    cleaned = form.cleaned_data  # type: ignore[attr-defined]
    return {name.removeprefix("cf_"): cleaned.get(name) for name in form.custom_field_names}


# --- Entities ----------------------------------------------------------------------------


class EntityForm(CustomFieldsFormMixin, ContactPointsMixin, StyledFormMixin, forms.Form):
    """Create or change an entity; owner and team only for those who may assign them."""

    custom_fields_target = Target.ENTITY

    kind = forms.ModelChoiceField(label=_("Kind"), queryset=EntityKind.objects.none())
    is_company = forms.BooleanField(
        label=_("It is a company (not a private person)"), required=False, initial=True
    )
    legal_name = model_field(Entity, "legal_name")
    trade_name = model_field(Entity, "trade_name")
    tax_id = forms.CharField(
        label=_("Tax id"),
        max_length=40,
        required=False,
        help_text=_("Spanish NIF, NIE or CIF, or an EU VAT number with its country prefix."),
    )
    website = forms.CharField(
        label=_("Website"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "url", "placeholder": "www.example.com"}),
    )
    source = forms.ModelChoiceField(
        label=_("Source"), queryset=Source.objects.none(), required=False
    )
    sector = forms.ModelChoiceField(
        label=_("Sector"), queryset=Sector.objects.none(), required=False
    )
    zone = forms.ModelChoiceField(label=_("Zone"), queryset=Zone.objects.none(), required=False)
    owner = forms.ModelChoiceField(
        label=_("Assigned agent"), queryset=User.objects.none(), required=False
    )
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)
    tags = forms.CharField(
        label=_("Tags"),
        max_length=500,
        required=False,
        help_text=_("Separate tags with commas, e.g. VIP, Newsletter."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    notes = model_field(Entity, "notes", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(
        self,
        data: QueryDict | None = None,
        *,
        user: User,
        instance: Entity | None = None,
        **kwargs: Any,
    ) -> None:
        self.instance = instance
        self.user = user
        if instance is not None:
            kwargs["initial"] = {
                **{
                    name: getattr(instance, name)
                    for name in (
                        "kind",
                        "is_company",
                        "legal_name",
                        "trade_name",
                        "tax_id",
                        "website",
                        "source",
                        "sector",
                        "zone",
                        "owner",
                        "team",
                        "is_active",
                        "notes",
                    )
                },
                "tags": ", ".join(tag.name for tag in instance.tags.all()),
                **kwargs.get("initial", {}),
            }
        super().__init__(data, **kwargs)
        self.fields["kind"].queryset = choices_with_current(  # type: ignore[attr-defined]
            EntityKind.objects.all(), instance.kind if instance else None
        )
        for name, model in (("source", Source), ("sector", Sector), ("zone", Zone)):
            self.fields[name].queryset = choices_with_current(  # type: ignore[attr-defined]
                model.objects.all(), getattr(instance, name) if instance else None
            )
        if instance is None:
            del self.fields["is_active"]  # a new entity is active
        self.can_assign = selectors.can_assign_others(user=user)
        if self.can_assign:
            self.fields["owner"].queryset = selectors.assignable_users(  # type: ignore[attr-defined]
                user=user, current=instance.owner if instance else None
            )
            self.fields["team"].queryset = selectors.assignable_teams(  # type: ignore[attr-defined]
                user=user, current=instance.team if instance else None
            )
            if instance is None:
                self.fields["owner"].initial = user
                self.fields["team"].help_text = _("Empty: the agent's team, when they have one.")
        else:
            # Agents' new entities are their own; handing work out is a manager's call.
            del self.fields["owner"]
            del self.fields["team"]
        self._add_point_fields(
            emails=selectors.entity_emails(instance) if instance else [],
            phones=selectors.entity_phones(instance) if instance else [],
        )
        self._add_address_fields(list(instance.addresses.all()) if instance else [])

    def _add_address_fields(self, addresses: list[Address]) -> None:
        added: dict[str, forms.Field] = {}
        self.address_count = max(ADDRESS_SLOTS, len(addresses))
        for index in range(self.address_count):
            address = addresses[index] if index < len(addresses) else None
            initial = {f: getattr(address, f) for f in ADDRESS_FIELDS} if address else {}
            prefix = f"address_{index}_"
            added[f"{prefix}kind"] = forms.ChoiceField(
                label=_("Address type"),
                choices=Address.Kind.choices,
                initial=initial.get("kind", Address.Kind.MAIN if index == 0 else "other"),
                required=False,
            )
            added[f"{prefix}street"] = model_field(Address, "street", initial=initial.get("street"))
            added[f"{prefix}postal_code"] = model_field(
                Address, "postal_code", initial=initial.get("postal_code")
            )
            added[f"{prefix}city"] = model_field(Address, "city", initial=initial.get("city"))
            added[f"{prefix}province"] = model_field(
                Address, "province", initial=initial.get("province")
            )
            added[f"{prefix}country"] = forms.ChoiceField(
                label=_("Country"),
                choices=country_choices,
                initial=initial.get("country") or _default_country(),
                required=False,
            )
        style_widgets(SimpleNamespace(fields=added))  # type: ignore[arg-type]
        self.fields.update(added)

    def address_groups(self) -> list[dict[str, Any]]:
        """Return each address's bound inputs, for the template."""
        return [
            {
                "number": index + 1,
                "fields": {f: self[f"address_{index}_{f}"] for f in ADDRESS_FIELDS},
            }
            for index in range(self.address_count)
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self._clean_phones()
        return cleaned

    def entity_data(self) -> dict[str, Any]:
        """Return the entity's own fields for the service; owner/team only when changed."""
        names = ["kind", "is_company", "legal_name", "trade_name", "tax_id", "website"]
        names += ["source", "sector", "zone", "is_active", "notes"]
        data = {name: self.cleaned_data.get(name) for name in names if name in self.fields}
        for name in ("owner", "team"):
            if name not in self.fields:
                continue
            value = self.cleaned_data.get(name)
            current = getattr(self.instance, name) if self.instance else None
            if self.instance is None and value is None:
                continue  # the service chooses the default
            if value != current:
                data[name] = value
        return data

    def addresses_data(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for index in range(self.address_count):
            item = {f: self.cleaned_data.get(f"address_{index}_{f}") or "" for f in ADDRESS_FIELDS}
            if any(item[f] for f in ("street", "postal_code", "city", "province")):
                item["is_main"] = not items
                items.append(item)
        return items

    def tags_data(self) -> list[str]:
        raw = self.cleaned_data.get("tags") or ""
        return [name.strip() for name in raw.split(",") if name.strip()]

    def custom_data(self) -> dict[str, Any]:
        return _custom_values(self)


def _default_country() -> str:
    from relata.core.selectors import parameters_get

    return parameters_get().default_country


# --- Contacts ----------------------------------------------------------------------------

CONTACT_FORM_FIELDS = (
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


class ContactForm(CustomFieldsFormMixin, ContactPointsMixin, StyledFormMixin, forms.Form):
    custom_fields_target = Target.CONTACT

    first_name = model_field(Contact, "first_name")
    last_name = model_field(Contact, "last_name")
    job_title = model_field(Contact, "job_title")
    department = model_field(Contact, "department")
    language = model_field(Contact, "language")
    birthday = model_field(
        Contact,
        "birthday",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    notes = model_field(Contact, "notes", widget=forms.Textarea(attrs={"rows": 3}))
    email_opt_in = forms.BooleanField(label=_("Accepts marketing email"), required=False)
    email_opt_in_source = model_field(
        Contact,
        "email_opt_in_source",
        help_text=_("Where the consent was given, e.g. web form or trade fair."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(
        self, data: QueryDict | None = None, *, instance: Contact | None = None, **kwargs: Any
    ) -> None:
        self.instance = instance
        if instance is not None:
            kwargs["initial"] = {
                **{name: getattr(instance, name) for name in CONTACT_FORM_FIELDS},
                **kwargs.get("initial", {}),
            }
        super().__init__(data, **kwargs)
        if instance is None:
            del self.fields["is_active"]  # a new contact is active
        self._add_point_fields(
            emails=list(EmailAddress.objects.filter(contact=instance)) if instance else [],
            phones=list(PhoneNumber.objects.filter(contact=instance)) if instance else [],
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self._clean_phones()
        return cleaned

    def contact_data(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data.get(name) for name in CONTACT_FORM_FIELDS if name in self.fields
        }

    def custom_data(self) -> dict[str, Any]:
        return _custom_values(self)


class EntityPickForm(forms.Form):
    """The entity a contact moves to (the choices are the entities the user may change)."""

    entity = forms.IntegerField(min_value=1)
