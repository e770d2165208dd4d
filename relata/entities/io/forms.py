"""Forms of the import pages: upload, column mapping, vCard upload."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from relata.core import permissions
from relata.core.forms import StyledFormMixin, style_widgets
from relata.core.models import User
from relata.core.normalize import normalize_tax_id
from relata.entities.io.fields import (
    CONTACT,
    CUSTOM_PREFIX,
    ENTITY,
    TargetField,
    mapping_errors,
)
from relata.entities.io.uploads import MAX_ROWS, MAX_UPLOAD_BYTES
from relata.entities.models import Entity, EntityKind

TARGET_CHOICES = [(ENTITY, _("Entities")), (CONTACT, _("Contacts"))]
LIMITS = {"megabytes": MAX_UPLOAD_BYTES // (1024 * 1024), "rows": MAX_ROWS}


class UploadForm(StyledFormMixin, forms.Form):
    target = forms.ChoiceField(
        label=_("Import"), choices=TARGET_CHOICES, widget=forms.RadioSelect, initial=ENTITY
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "A CSV or Excel (.xlsx) file whose first row holds the column names; "
            "at most %(megabytes)d MB and %(rows)d rows."
        )
        % LIMITS,
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".csv,.txt,.xlsx,text/csv,application/vnd.openxmlformats-"
                "officedocument.spreadsheetml.sheet"
            }
        ),
    )


class MappingForm(StyledFormMixin, forms.Form):
    """One choice per column of the file: the field it feeds, or nothing."""

    def __init__(
        self,
        *args: Any,
        target: str,
        headers: list[str],
        fields: list[TargetField],
        mapping: list[str],
        default_kind: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.target = target
        self.headers = headers
        built_in = [(f.key, str(f.label)) for f in fields if not f.key.startswith(CUSTOM_PREFIX)]
        custom = [(f.key, str(f.label)) for f in fields if f.key.startswith(CUSTOM_PREFIX)]
        choices: list[Any] = [("", _("— Ignore this column —")), (_("Fields"), built_in)]
        if custom:
            choices.append((_("Custom fields"), custom))
        for index, header in enumerate(headers):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=header,
                choices=choices,
                required=False,
                initial=mapping[index] if index < len(mapping) else "",
            )
        if target == ENTITY:
            self.fields["default_kind"] = forms.ModelChoiceField(
                label=_("Kind for rows without one"),
                queryset=EntityKind.objects.filter(is_active=True),
                required=False,
                initial=default_kind,
                empty_label=_("— None: the file must give it —"),
            )
        style_widgets(self)

    def column_fields(self) -> list[forms.BoundField]:
        return [self[f"column_{index}"] for index in range(len(self.headers))]

    def mapping(self) -> list[str]:
        return [self.cleaned_data.get(f"column_{i}") or "" for i in range(len(self.headers))]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        errors = mapping_errors(
            target=self.target,
            mapping=self.mapping(),
            headers=self.headers,
            has_default_kind=bool(cleaned.get("default_kind")),
        )
        if errors:
            raise ValidationError(errors)
        return cleaned


def find_entity(user: User, text: str) -> list[Entity]:
    """Return the entities ``user`` may see whose tax id, or else exact legal or trade
    name, is ``text`` (at most two: more than one is ambiguous)."""
    visible = permissions.scope(user, Entity.objects.all())
    try:
        tax_id = normalize_tax_id(text)
    except ValidationError:
        tax_id = ""
    if tax_id:
        found = list(visible.filter(tax_id=tax_id)[:2])
        if found:
            return found
    return list(visible.filter(legal_name__iexact=text)[:2]) or list(
        visible.filter(trade_name__iexact=text)[:2]
    )


class VCardUploadForm(StyledFormMixin, forms.Form):
    file = forms.FileField(
        label=_("vCard file"),
        help_text=_(
            "A .vcf file with one or more cards (vCard 2.1, 3.0 or 4.0); at most %(megabytes)d MB."
        )
        % LIMITS,
        widget=forms.ClearableFileInput(attrs={"accept": ".vcf,.vcard,text/vcard,text/x-vcard"}),
    )
    entity = forms.CharField(
        label=_("Entity"),
        required=False,
        max_length=200,
        help_text=_(
            "Tax id or exact legal name of the entity the contacts join. Leave it empty to "
            "match each card's organisation (ORG) to an entity of that name."
        ),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_entity(self) -> Entity | None:
        text = (self.cleaned_data.get("entity") or "").strip()
        if not text:
            return None
        found = find_entity(self.user, text)
        if not found:
            raise ValidationError(
                _("There is no entity “%(value)s” that you can see.") % {"value": text}
            )
        if len(found) > 1:
            raise ValidationError(
                _("Several entities are called “%(value)s”: give its tax id.") % {"value": text}
            )
        if not permissions.can_change(self.user, found[0]):
            raise ValidationError(
                _("You cannot add contacts to “%(name)s”.") % {"name": found[0].display_name}
            )
        return found[0]
