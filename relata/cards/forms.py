"""Forms of card scanning: the upload, and the review of the proposed contact."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from relata.cards.selectors import EntityMatch
from relata.core.forms import StyledFormMixin, style_widgets
from relata.entities.forms import ContactForm
from relata.entities.forms.common import EMAIL_SLOTS, PHONE_SLOTS, model_field
from relata.entities.models import Address, Entity, EntityKind, KindMeaning

NEW_ENTITY = "new"


class CardUploadForm(StyledFormMixin, forms.Form):
    # Opens the back camera on a phone; a file picker elsewhere.
    image = forms.FileField(
        label=_("Photo of the card"),
        widget=forms.FileInput(attrs={"accept": "image/*", "capture": "environment"}),
        help_text=_("JPEG, PNG, WebP or HEIC, at most 10 MB."),
    )
    entity = forms.IntegerField(required=False, widget=forms.HiddenInput)


class CardReviewForm(ContactForm):
    """The contact form pre-filled from the card, plus where the contact goes."""

    entity = forms.ChoiceField(label=_("Entity"), widget=forms.RadioSelect)
    kind = forms.ModelChoiceField(
        label=_("Kind of the new entity"), queryset=EntityKind.objects.none(), required=False
    )
    legal_name = forms.CharField(label=_("Company name"), max_length=200, required=False)
    tax_id = forms.CharField(label=_("Tax id"), max_length=40, required=False)
    website = forms.CharField(
        label=_("Website"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "url"}),
    )
    street = model_field(Address, "street")
    postal_code = model_field(Address, "postal_code")
    city = model_field(Address, "city")

    ENTITY_FIELDS = ("kind", "legal_name", "tax_id", "website", "street", "postal_code", "city")

    def __init__(
        self,
        data: QueryDict | None = None,
        *,
        fields: dict[str, Any],
        matches: list[EntityMatch],
        chosen: Entity | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs["initial"] = {**self._initial(fields), **kwargs.get("initial", {})}
        super().__init__(data, **kwargs)
        # What a card does not say is added later on the contact page.
        for name in ("language", "birthday", "email_opt_in", "email_opt_in_source"):
            del self.fields[name]
        choices = []
        if chosen is not None:
            choices.append((str(chosen.pk), gettext("%(name)s (chosen)") % {"name": chosen}))
        for match in matches:
            if match.can_change and (chosen is None or match.entity.pk != chosen.pk):
                label = gettext("%(name)s — found by %(reason)s") % {
                    "name": match.entity.display_name,
                    "reason": match.reason,
                }
                choices.append((str(match.entity.pk), label))
        choices.append((NEW_ENTITY, gettext("A new entity")))
        entity_field = self.fields["entity"]
        assert isinstance(entity_field, forms.ChoiceField)
        entity_field.choices = choices
        self.initial.setdefault("entity", choices[0][0])
        kinds = EntityKind.objects.filter(is_active=True)
        kind_field = self.fields["kind"]
        assert isinstance(kind_field, forms.ModelChoiceField)
        kind_field.queryset = kinds
        self.initial.setdefault(
            "kind", kinds.filter(meaning=KindMeaning.PROSPECT).first() or kinds.first()
        )
        style_widgets(self)

    @staticmethod
    def _initial(fields: dict[str, Any]) -> dict[str, Any]:
        parts = fields.get("address_parts") or {}
        initial: dict[str, Any] = {
            "first_name": fields.get("given_name", ""),
            "last_name": fields.get("family_name", ""),
            "job_title": fields.get("job_title", ""),
            "legal_name": fields.get("company", ""),
            "tax_id": fields.get("tax_id", ""),
            "website": fields.get("website", ""),
            "street": parts.get("street", ""),
            "postal_code": parts.get("postal_code", ""),
            "city": parts.get("city", ""),
        }
        for index, email in enumerate((fields.get("emails") or [])[:EMAIL_SLOTS]):
            initial[f"email_{index}"] = email
        labels = {"mobile": gettext("mobile"), "landline": gettext("office"), "fax": "fax"}
        for index, phone in enumerate((fields.get("phones") or [])[:PHONE_SLOTS]):
            initial[f"phone_{index}"] = phone["number"]
            initial[f"phone_{index}_label"] = labels.get(phone.get("type", ""), "")
        return initial

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("entity") == NEW_ENTITY:
            if not (cleaned.get("legal_name") or "").strip():
                self.add_error("legal_name", gettext("Enter the name of the new entity."))
            if cleaned.get("kind") is None:
                self.add_error("kind", gettext("Choose the kind of the new entity."))
        return cleaned

    def entity_pk(self) -> int | None:
        value = self.cleaned_data.get("entity")
        return None if value in (None, "", NEW_ENTITY) else int(value)

    def new_entity_data(self) -> dict[str, Any]:
        return {
            "kind": self.cleaned_data.get("kind"),
            "legal_name": self.cleaned_data.get("legal_name", ""),
            "tax_id": self.cleaned_data.get("tax_id", ""),
            "website": self.cleaned_data.get("website", ""),
        }

    def address_data(self) -> dict[str, Any] | None:
        parts = {name: self.cleaned_data.get(name) or "" for name in ("street", "postal_code")}
        parts["city"] = self.cleaned_data.get("city") or ""
        return parts if any(parts.values()) else None
