"""Forms of Settings → Case types: a type and one of its statuses.

They only shape input for :mod:`relata.cases.services_settings`; the services decide.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from relata.cases.models import Case, CaseStatus, CaseType
from relata.cases.services_settings import STATUS_FIELDS, TYPE_FIELDS
from relata.core.forms import StyledFormMixin


class CaseTypeForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = CaseType
        fields = list(TYPE_FIELDS)
        widgets = {
            "number_prefix": forms.TextInput(
                attrs={"autocapitalize": "characters", "spellcheck": "false"}
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = _(
            "Letters, digits, hyphens and underscores; the API and the custom fields use it."
        )
        self.fields["number_prefix"].help_text = _(
            "1 to 10 capital letters or digits: OPP gives numbers such as OPP-2026-00042."
        )
        self.fields["order"].required = False
        if self.instance.pk and Case.objects.filter(case_type=self.instance).exists():
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _(
                "The code cannot change once the type has cases: their custom fields are "
                "kept under it."
            )

    def clean_number_prefix(self) -> str:
        return (self.cleaned_data.get("number_prefix") or "").strip().upper()

    def _post_clean(self) -> None:
        # The service validates the model; the form only checks its inputs.
        pass


class StatusChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        label = obj.name
        return label if obj.is_active else _("%(name)s (inactive)") % {"name": label}


class CaseStatusForm(StyledFormMixin, forms.ModelForm):
    allowed_next = StatusChoiceField(
        label=_("Statuses allowed next"),
        queryset=CaseStatus.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: a case may move to any status of its type."),
    )

    class Meta:
        model = CaseStatus
        fields = list(STATUS_FIELDS)
        widgets = {"colour": forms.TextInput(attrs={"type": "color"})}

    def __init__(self, *args: Any, case_type: CaseType, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        siblings = CaseStatus.objects.filter(case_type=case_type).order_by("order", "pk")
        if self.instance.pk:
            siblings = siblings.exclude(pk=self.instance.pk)
            self.initial["allowed_next"] = list(
                self.instance.allowed_next.values_list("pk", flat=True)
            )
        allowed = self.fields["allowed_next"]
        assert isinstance(allowed, forms.ModelMultipleChoiceField)
        allowed.queryset = siblings
        self.fields["colour"].widget.attrs["class"] = "form-control form-control-color"
        self.fields["meaning"].help_text = _(
            "Open: the case is in progress. Won and lost end an opportunity; closed ends "
            "any other case."
        )
        self.fields["default_probability"].widget.attrs.update({"min": 0, "max": 100})
        self.fields["default_probability"].help_text = (
            _("An opportunity's close probability in this status, unless the case sets its own.")
            if case_type.is_opportunity
            else _("Used by sales opportunities only.")
        )

    def _post_clean(self) -> None:
        pass
