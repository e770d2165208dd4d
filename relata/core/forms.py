"""Forms for users, teams, parameters; and the Bootstrap styling every form shares."""

from __future__ import annotations

from typing import Any

from babel import Locale
from babel.numbers import list_currencies
from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.forms.renderers import TemplatesSetting
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from relata.core.models import PARAMETER_FIELDS, CrmParameters, Role, Team, User, Weekday


class RelataFormRenderer(TemplatesSetting):
    """Render every form and field with Bootstrap markup."""

    form_template_name = "forms/bootstrap.html"
    field_template_name = "forms/bootstrap_field.html"


def style_widgets(form: forms.BaseForm) -> None:
    """Give each widget the Bootstrap class for its kind, and mark invalid fields."""
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
            css = ""
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            css = "form-select"
        else:
            css = "form-control"
        # Read the errors only once validation has run: touching ``form.errors`` here
        # would validate the form before subclasses finish adding their fields.
        errors = getattr(form, "_errors", None)
        if errors is not None and name in errors:
            css += " is-invalid"
        if css:
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class DateInput(forms.DateInput):
    """A browser date picker that reads and writes ISO dates."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def user_label(user: User) -> str:
    return user.get_full_name() or user.username


class UserChoiceField(forms.ModelChoiceField):
    """A choice of users shown by their full names."""

    def label_from_instance(self, obj: Any) -> str:
        return user_label(obj)


class StyledFormMixin:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)  # type: ignore[arg-type]

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        style_widgets(self)  # type: ignore[arg-type]


def currency_choices() -> list[tuple[str, str]]:
    locale = Locale.parse(get_language() or "en", sep="-")
    return sorted(
        ((code, f"{code} — {locale.currencies.get(code, code)}") for code in list_currencies()),
        key=lambda c: c[0],
    )


def country_choices() -> list[tuple[str, str]]:
    locale = Locale.parse(get_language() or "en", sep="-")
    return sorted(
        (
            (code, name)
            for code, name in locale.territories.items()
            if len(code) == 2 and code.isalpha() and code not in {"ZZ", "EU", "EZ", "UN", "QO"}
        ),
        key=lambda c: c[1],
    )


def validate_open_case_status_codes(codes: list[str]) -> None:
    """Refuse status codes that no case status has, naming them.

    The cases app is looked up at run time: core does not import the apps built on it.
    """
    if not codes:
        return
    status_model = apps.get_model("cases", "CaseStatus")
    known = set(status_model.objects.filter(code__in=codes).values_list("code", flat=True))
    unknown = [code for code in dict.fromkeys(codes) if code not in known]
    if unknown:
        raise ValidationError(
            gettext("Unknown status codes: %(codes)s.") % {"codes": ", ".join(unknown)},
            code="unknown_status_codes",
        )


class ParametersForm(StyledFormMixin, forms.ModelForm):
    default_currency = forms.ChoiceField(label=_("Default currency"), choices=currency_choices)
    default_country = forms.ChoiceField(label=_("Default country"), choices=country_choices)
    working_days = forms.TypedMultipleChoiceField(
        label=_("Working days"),
        choices=Weekday.choices,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    open_case_status_codes = forms.CharField(
        label=_("Case statuses that count as open"),
        required=False,
        help_text=_("Status codes separated by commas; the case types will list them."),
    )

    class Meta:
        model = CrmParameters
        fields = list(PARAMETER_FIELDS)
        widgets = {
            "work_day_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "work_day_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance and not self.is_bound:
            self.initial["open_case_status_codes"] = ", ".join(
                self.instance.open_case_status_codes or []
            )

    def clean_open_case_status_codes(self) -> list[str]:
        raw = self.cleaned_data.get("open_case_status_codes") or ""
        codes = [code.strip() for code in raw.split(",") if code.strip()]
        validate_open_case_status_codes(codes)
        return codes


class TeamForm(StyledFormMixin, forms.ModelForm):
    members = forms.ModelMultipleChoiceField(
        label=_("Members"),
        queryset=User.objects.filter(is_active=True),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    class Meta:
        model = Team
        fields = ["name", "description", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class UserForm(StyledFormMixin, forms.ModelForm):
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams"),
        queryset=Team.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = User
        fields = [
            "username",
            "first_name",
            "last_name",
            "email",
            "phone",
            "role",
            "is_active",
            "language",
        ]


class UserCreateForm(UserForm):
    password = forms.CharField(
        label=_("Password"),
        required=False,
        widget=forms.PasswordInput,
        help_text=_("Leave empty to let the user choose one with “Forgotten your password?”."),
    )

    def clean_password(self) -> str:
        from django.contrib.auth.password_validation import validate_password

        password = self.cleaned_data.get("password") or ""
        if password:
            validate_password(password)
        return password


class ProfileForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "phone", "language"]


ROLE_CHOICES = Role.choices


def apply_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ``ValidationError`` on ``form``: each field's messages on that
    field (on the form itself when it has no such field), a plain message on the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)
