"""Forms of the control panel's quick actions: reschedule, quick-add an action or an
opportunity. Completing an action and reassigning reuse the forms of the action pages.

They only shape input for the services, which decide.
"""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relata.actions.forms import TypeSelect, datetime_field, type_choices
from relata.actions.models import Action, ActionType
from relata.cases.models import Case
from relata.cases.selectors import case_queryset
from relata.core import permissions
from relata.core.forms import DateInput, StyledFormMixin
from relata.core.models import User
from relata.entities.forms.common import EntityFinderMixin
from relata.entities.models import Entity

SHIFTS = {"day": datetime.timedelta(days=1), "week": datetime.timedelta(days=7)}


class RescheduleForm(StyledFormMixin, forms.Form):
    """Move an action: by a day, by a week, or to a chosen start (the duration stays)."""

    shift = forms.ChoiceField(
        choices=[("", ""), ("day", _("+1 day")), ("week", _("Next week"))],
        required=False,
        widget=forms.HiddenInput,
    )
    start = datetime_field(_("New start"), required=False)

    def __init__(self, data: QueryDict | None = None, *, action: Action) -> None:
        super().__init__(data, initial={"start": timezone.localtime(action.start)})
        self.action = action
        self.fields["start"].widget.attrs.update({"class": "form-control", "autofocus": True})

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("shift") and not cleaned.get("start") and "start" not in self.errors:
            self.add_error("start", _("Choose the new start."))
        return cleaned

    def new_start(self) -> datetime.datetime:
        """Return the chosen start: a shift keeps the time of day (local wall clock)."""
        shift = self.cleaned_data.get("shift")
        if shift:
            local = timezone.localtime(self.action.start).replace(tzinfo=None)
            return timezone.make_aware(local + SHIFTS[shift])
        start: datetime.datetime = self.cleaned_data["start"]
        return start


class QuickEntityMixin(EntityFinderMixin):
    """The entity finder of a quick form: a search box filling a select of matches."""

    fields: dict[str, forms.Field]
    user: User

    def setup_entity(self, data: QueryDict | None, initial: dict[str, Any]) -> None:
        self.chosen_entity = self._chosen_entity(data, initial)
        field = self.fields["entity"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = permissions.scope(self.user, Entity.objects.all())
        field.widget.choices = self.entity_choices([self.chosen_entity])
        self.fields["entity_search"].widget.attrs.update(
            {"placeholder": _("Name, tax id, email or phone"), "autocomplete": "off"}
        )


def _entity_fields() -> tuple[forms.ModelChoiceField, forms.CharField]:
    return (
        forms.ModelChoiceField(label=_("Entity"), queryset=Entity.objects.none()),
        forms.CharField(
            label=_("Find the entity"),
            required=False,
            widget=forms.TextInput(attrs={"type": "search"}),
        ),
    )


class QuickActionForm(QuickEntityMixin, StyledFormMixin, forms.Form):
    """Schedule an action in a few keystrokes: type, subject, entity, start, duration."""

    type = forms.ModelChoiceField(
        label=_("Type"), queryset=ActionType.objects.none(), widget=TypeSelect
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    entity, entity_search = _entity_fields()
    start = datetime_field(_("Start"))
    case = forms.ModelChoiceField(
        queryset=Case.objects.none(), required=False, widget=forms.HiddenInput
    )
    duration = forms.IntegerField(
        label=_("Duration (minutes)"),
        min_value=1,
        max_value=7 * 24 * 60,
        required=False,
        help_text=_("Empty: the type's default duration."),
    )

    def __init__(
        self, data: QueryDict | None = None, *, user: User, initial: dict[str, Any] | None = None
    ) -> None:
        self.user = user
        self.linked_case: Case | None = None
        raw_case = (data.get("case") if data is not None else (initial or {}).get("case")) or ""
        if str(raw_case).isdigit():
            self.linked_case = case_queryset(user=user).filter(pk=int(raw_case)).first()
            if self.linked_case is not None and not (initial or {}).get("entity"):
                initial = {**(initial or {}), "entity": self.linked_case.entity_id}
        now = timezone.localtime()
        start = (now + datetime.timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
        initial = {"start": start, **(initial or {})}
        super().__init__(data, initial=initial)
        case_field = self.fields["case"]
        assert isinstance(case_field, forms.ModelChoiceField)
        case_field.queryset = case_queryset(user=user)
        types = list(type_choices())
        type_field = self.fields["type"]
        assert isinstance(type_field, forms.ModelChoiceField)
        type_field.queryset = type_choices()
        widget = type_field.widget
        assert isinstance(widget, TypeSelect)
        widget.type_info = {str(t.pk): (t.default_duration, t.is_meeting) for t in types}
        type_field.choices = [("", "---------"), *((t.pk, t.name) for t in types)]
        widget.attrs["autofocus"] = True
        self.setup_entity(data, initial)
        self.fields["start"].widget.attrs["class"] = "form-control"

    def action_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        end = None
        if data.get("duration"):
            end = data["start"] + datetime.timedelta(minutes=data["duration"])
        return {
            "type": data["type"],
            "subject": data["subject"],
            "entity": data["entity"],
            "start": data["start"],
            "end": end,
            "case": data.get("case"),
        }


class QuickOpportunityForm(QuickEntityMixin, StyledFormMixin, forms.Form):
    """Open an opportunity: entity, subject, amount and expected close date."""

    subject = forms.CharField(label=_("Subject"), max_length=200)
    entity, entity_search = _entity_fields()
    amount = forms.DecimalField(
        label=_("Amount"),
        max_digits=14,
        decimal_places=2,
        min_value=decimal.Decimal("0"),
        required=False,
    )
    expected_close_date = forms.DateField(
        label=_("Expected close date"), required=False, widget=DateInput()
    )

    def __init__(
        self, data: QueryDict | None = None, *, user: User, initial: dict[str, Any] | None = None
    ) -> None:
        self.user = user
        super().__init__(data, initial=initial or {})
        self.fields["subject"].widget.attrs["autofocus"] = True
        self.setup_entity(data, initial or {})
        self.fields["expected_close_date"].widget.attrs["class"] = "form-control"

    def case_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        result: dict[str, Any] = {
            "entity": data["entity"],
            "subject": data["subject"],
            "expected_close_date": data.get("expected_close_date"),
        }
        if data.get("amount") is not None:
            result["amount"] = data["amount"]
        return result
