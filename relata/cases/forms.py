"""Forms of the case pages: the list's filters, the case with its product lines, the
reassignment and the document upload.

They only shape input for :mod:`relata.cases.services`; the services decide (ranges of
quantities and discounts included), and their errors come back next to the inputs.
"""

from __future__ import annotations

import decimal
from functools import cached_property
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from relata.campaigns.models import Campaign
from relata.cases import selectors
from relata.cases.forms_lines import BaseLineFormSet, LineForm, LineFormSet
from relata.cases.models import Case, CasePriority, CaseStatus, CaseType
from relata.core import permissions
from relata.core.forms import DateInput, StyledFormMixin, UserChoiceField, currency_choices
from relata.core.models import Team, User
from relata.core.selectors import colleagues, parameters_get
from relata.customfields.forms import CustomFieldsFormMixin
from relata.customfields.models import Target
from relata.entities import selectors as entity_selectors
from relata.entities.forms.common import (
    ContactChoiceField,
    EntityFinderMixin,
    apply_service_errors,
    choices_with_current,
    entity_contacts,
)
from relata.entities.models import Contact, Entity, KindMeaning, Source

__all__ = [
    "BaseLineFormSet",
    "CaseFilterForm",
    "CaseForm",
    "DocumentForm",
    "LineForm",
    "LineFormSet",
    "ReassignForm",
    "apply_service_errors",
]

PAGE_SIZE = 25
PRESCRIBER_OPTIONS = 200


class EntityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.display_name


class TypeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.name


# --- List filters -------------------------------------------------------------------------


class CaseFilterForm(StyledFormMixin, forms.Form):
    """The filters of the case list. Absent ``open`` shows open cases only, unless a
    status is chosen (the board links to a column, which may be "won")."""

    OPEN_CHOICES = (("1", _("Open")), ("0", _("All")))

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    case_type = TypeChoiceField(
        label=_("Type"), queryset=CaseType.objects.none(), required=False, empty_label=_("Any type")
    )
    status = forms.ModelChoiceField(
        label=_("Status"), queryset=CaseStatus.objects.none(), required=False
    )
    owner = forms.ChoiceField(label=_("Assigned to"), required=False)
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("Any team")
    )
    campaign = forms.ModelChoiceField(
        label=_("Campaign"),
        queryset=Campaign.objects.none(),
        required=False,
        empty_label=_("Any campaign"),
    )
    entity = forms.IntegerField(required=False, widget=forms.HiddenInput)
    open = forms.ChoiceField(label=_("Which"), choices=OPEN_CHOICES, required=False)

    def __init__(self, data: QueryDict, *, user: User) -> None:
        super().__init__(data)
        self.user = user
        self.fields["case_type"].queryset = selectors.case_types(active_only=False)  # type: ignore[attr-defined]
        chosen_type = self._raw_id("case_type")
        statuses = CaseStatus.objects.select_related("case_type").order_by(
            "case_type__order", "case_type__name_en", "order", "pk"
        )
        if chosen_type is not None:
            statuses = statuses.filter(case_type_id=chosen_type)
        self.fields["status"].queryset = statuses  # type: ignore[attr-defined]
        self.fields["status"].choices = self._status_choices(list(statuses), chosen_type is None)  # type: ignore[attr-defined]
        people = [
            (str(person.pk), person.get_full_name() or person.username)
            for person in colleagues(user)
            if person.pk != user.pk
        ]
        self.fields["owner"].choices = [  # type: ignore[attr-defined]
            ("", _("Anyone")),
            ("me", _("Me")),
            ("none", _("Nobody (team only)")),
            *people,
        ]
        teams = Team.objects.filter(is_active=True)
        if not permissions.is_administrator(user):
            teams = teams.filter(pk__in=sorted(permissions.team_ids(user)))
        self.fields["team"].queryset = teams.order_by("name")  # type: ignore[attr-defined]
        self.fields["campaign"].queryset = Campaign.objects.order_by("-is_active", "name")  # type: ignore[attr-defined]
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select form-select-sm"
            elif name == "q":
                field.widget.attrs["class"] = "form-control"

    def _raw_id(self, name: str) -> int | None:
        raw = str(self.data.get(name) or "")
        return int(raw) if raw.isdigit() else None

    @staticmethod
    def _status_choices(statuses: list[CaseStatus], grouped: bool) -> list[Any]:
        if not grouped:
            return [("", _("Any status")), *((s.pk, s.name) for s in statuses)]
        groups: dict[str, list[tuple[int, str]]] = {}
        for status in statuses:
            groups.setdefault(status.case_type.name, []).append((status.pk, status.name))
        return [("", _("Any status")), *groups.items()]

    def value(self, name: str) -> Any:
        """Return the cleaned filter ``name``; an invalid one is ignored."""
        self.is_valid()
        return self.cleaned_data.get(name)

    @property
    def open_only(self) -> bool:
        raw = self.data.get("open")
        if raw in ("0", "1"):
            return raw == "1"
        return self.value("status") is None

    @cached_property
    def chosen_entity(self) -> Entity | None:
        pk = self.value("entity")
        if not pk:
            return None
        return entity_selectors.entity_queryset(user=self.user).filter(pk=pk).first()

    def owner_filter(self) -> tuple[str, int | None]:
        """Return ``("", None)``, ``("none", None)`` or ``("user", id)``."""
        owner = self.value("owner") or ""
        if owner == "me":
            return "user", self.user.pk
        if owner == "none":
            return "none", None
        if owner.isdigit():
            return "user", int(owner)
        return "", None

    @property
    def active_filter_count(self) -> int:
        names = ("case_type", "status", "owner", "team", "campaign", "entity")
        return sum(1 for name in names if self.value(name))

    @property
    def is_default(self) -> bool:
        return not self.active_filter_count and not (self.value("q") or "").strip()


# --- The case -----------------------------------------------------------------------------


def prescriber_choices(user: User, current: Entity | None) -> QuerySet[Entity]:
    """Return the visible entities that prescribe or partner (and the case's current one)."""
    visible = permissions.scope(user, Entity.objects.all())
    q = Q(kind__meaning__in=[KindMeaning.PRESCRIBER, KindMeaning.PARTNER], is_active=True)
    if current is not None:
        q |= Q(pk=current.pk)
    return visible.filter(q).order_by("legal_name", "pk")


class CaseForm(EntityFinderMixin, CustomFieldsFormMixin, StyledFormMixin, forms.Form):
    """Create or change a case. The type decides the fields: opportunities have amounts,
    probability and product lines; after-sales cases a resolution. The type's custom
    fields come from the custom-field engine (scope = the type's code)."""

    custom_fields_target = Target.CASE

    case_type = TypeChoiceField(label=_("Type"), queryset=CaseType.objects.none())
    entity = EntityChoiceField(label=_("Entity"), queryset=Entity.objects.none())
    entity_search = forms.CharField(
        label=_("Find the entity"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    contact = ContactChoiceField(
        label=_("Contact"), queryset=Contact.objects.none(), required=False
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=CasePriority.choices, initial=CasePriority.NORMAL
    )
    source = forms.ModelChoiceField(
        label=_("Source"), queryset=Source.objects.none(), required=False
    )
    prescriber = EntityChoiceField(
        label=_("Prescriber"),
        queryset=Entity.objects.none(),
        required=False,
        help_text=_("The entity that recommended us, if any."),
    )
    campaign = forms.ModelChoiceField(
        label=_("Campaign"), queryset=Campaign.objects.none(), required=False
    )
    amount = forms.DecimalField(
        label=_("Amount"),
        max_digits=14,
        decimal_places=2,
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=currency_choices, required=False)
    probability = forms.IntegerField(
        label=_("Probability (%)"),
        required=False,
        widget=forms.NumberInput(attrs={"min": "0", "max": "100", "step": "1"}),
    )
    expected_close_date = forms.DateField(
        label=_("Expected close date"), required=False, widget=DateInput()
    )
    resolution = forms.CharField(
        label=_("Resolution"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    owner = UserChoiceField(
        label=_("Assigned to"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Nobody: any member of the team"),
    )
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("No team")
    )

    COMMON_FIELDS = (
        "entity",
        "contact",
        "subject",
        "description",
        "priority",
        "source",
        "prescriber",
        "campaign",
    )
    OPPORTUNITY_FIELDS = ("amount", "currency", "probability", "expected_close_date")
    AFTER_SALES_FIELDS = ("expected_close_date", "resolution")

    def __init__(
        self,
        data: QueryDict | None = None,
        *,
        user: User,
        instance: Case | None = None,
        initial: dict[str, Any] | None = None,
    ) -> None:
        self.user = user
        self.instance = instance
        given = dict(initial or {})
        initial = {}
        if instance is not None:
            initial = {
                name: getattr(instance, name)
                for name in (*self.COMMON_FIELDS, *self.OPPORTUNITY_FIELDS, "resolution")
            }
        # What the caller gives (a reload with the typed values) wins over the stored.
        initial.update(given)
        if instance is not None:
            initial["case_type"] = instance.case_type
        self.chosen_type = self._chosen_type(data, initial)
        super().__init__(
            data,
            initial=initial,
            custom_fields_scope=self.chosen_type.code if self.chosen_type else "",
        )
        self.chosen_entity = self._chosen_entity(data, initial)
        types = selectors.case_types(active_only=True)
        if instance is not None:
            # The type of an existing case stays: its numbers, statuses and fields hang on it.
            types = CaseType.objects.filter(pk=instance.case_type_id)
            self.fields["case_type"].disabled = True
        self.fields["case_type"].queryset = types  # type: ignore[attr-defined]
        self.fields["entity"].queryset = permissions.scope(user, Entity.objects.all())  # type: ignore[attr-defined]
        self.fields["entity"].widget.choices = self.entity_choices([self.chosen_entity])
        self.fields["contact"].queryset = entity_contacts(  # type: ignore[attr-defined]
            self.chosen_entity, [instance.contact] if instance else None
        )
        current = lambda name: getattr(instance, name) if instance else None  # noqa: E731
        self.fields["source"].queryset = choices_with_current(  # type: ignore[attr-defined]
            Source.objects.all(), current("source")
        )
        self.fields["campaign"].queryset = choices_with_current(  # type: ignore[attr-defined]
            Campaign.objects.order_by("name"), current("campaign")
        )
        self.fields["prescriber"].queryset = prescriber_choices(user, current("prescriber"))  # type: ignore[attr-defined]
        self.fields["prescriber"].widget.choices = [
            ("", "---------"),
            *(
                (e.pk, e.display_name)
                for e in self.fields["prescriber"].queryset[:PRESCRIBER_OPTIONS]  # type: ignore[attr-defined]
            ),
        ]
        if instance is None:
            self.fields["owner"].queryset = entity_selectors.assignable_users(user=user)  # type: ignore[attr-defined]
            self.fields["team"].queryset = entity_selectors.assignable_teams(user=user)  # type: ignore[attr-defined]
        else:
            # Giving the case to someone else is the "Reassign" page's job.
            del self.fields["owner"]
            del self.fields["team"]
        self._drop_type_fields()
        self.fields["entity_search"].widget.attrs["placeholder"] = _("Name, tax id, email or phone")
        if "expected_close_date" in self.fields:
            self.fields["expected_close_date"].widget.attrs["class"] = "form-control"
        if "currency" in self.fields and instance is None:
            self.fields["currency"].initial = parameters_get().default_currency
        if instance is not None or (self.chosen_type and self.chosen_entity):
            self.fields["subject"].widget.attrs["autofocus"] = True
        if self.chosen_type is not None and "probability" in self.fields:
            self.fields["probability"].help_text = _("Empty: the status's default probability.")

    def _chosen_type(self, data: QueryDict | None, initial: dict[str, Any]) -> CaseType | None:
        if self.instance is not None:
            return self.instance.case_type
        raw = data.get("case_type") if data is not None else initial.get("case_type")
        if isinstance(raw, CaseType):
            return raw
        raw = str(raw or "").strip()
        if not raw:
            return None
        types = selectors.case_types(active_only=True)
        found = types.filter(pk=int(raw)).first() if raw.isdigit() else None
        return found or types.filter(code=raw).first()

    def _drop_type_fields(self) -> None:
        if self.chosen_type is None or self.chosen_type.is_opportunity:
            keep = set(self.OPPORTUNITY_FIELDS)
        else:
            keep = set(self.AFTER_SALES_FIELDS)
        if self.instance is None:
            keep.discard("resolution")  # a new case has nothing resolved yet
        for name in {*self.OPPORTUNITY_FIELDS, *self.AFTER_SALES_FIELDS} - keep:
            del self.fields[name]

    @property
    def is_opportunity(self) -> bool:
        return bool(self.chosen_type and self.chosen_type.is_opportunity)

    def case_data(self) -> dict[str, Any]:
        """Return the values for ``case_create``/``case_update``."""
        cleaned = self.cleaned_data
        names = [*self.COMMON_FIELDS, *self.OPPORTUNITY_FIELDS, *self.AFTER_SALES_FIELDS]
        data = {name: cleaned.get(name) for name in names if name in self.fields}
        for name in ("description", "resolution"):
            if name in data and data[name] is None:
                data[name] = ""
        if "amount" in data and data["amount"] is None:
            data["amount"] = decimal.Decimal("0.00")
        if "currency" in data and not data["currency"]:
            del data["currency"]
        if self.instance is None:
            data["case_type"] = self.chosen_type
        return data

    def custom_data(self) -> dict[str, Any]:
        cleaned = self.cleaned_data
        return {name.removeprefix("cf_"): cleaned.get(name) for name in self.custom_field_names}


class ReassignForm(StyledFormMixin, forms.Form):
    """Give a case to a user and/or a team (the choices follow the permission rules)."""

    owner = UserChoiceField(
        label=_("Assign to"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Nobody (team only)"),
    )
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("The user's team"),
    )

    def __init__(self, data: QueryDict | None = None, *, user: User, case: Case) -> None:
        super().__init__(data, initial={"owner": case.owner, "team": case.team})
        self.fields["owner"].queryset = entity_selectors.assignable_users(  # type: ignore[attr-defined]
            user=user, current=case.owner
        )
        self.fields["team"].queryset = entity_selectors.assignable_teams(  # type: ignore[attr-defined]
            user=user, current=case.team
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("owner") and not cleaned.get("team"):
            raise ValidationError(_("Choose a user, a team or both."))
        return cleaned


class DocumentForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, images, office documents or text, up to 20 MB."),
        widget=forms.ClearableFileInput(attrs={"class": "form-control"}),
    )
