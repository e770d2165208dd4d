"""Forms of the action pages: the action itself, completing it (with the next one), the
list's filters and bulk reassignment, the agenda's choices and the action types.

They only shape input for :mod:`relata.actions.services`; the services decide.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relata.actions import services
from relata.actions.models import Action, ActionStatus, ActionType, Priority
from relata.cases import selectors as case_selectors
from relata.cases.models import Case
from relata.core import permissions
from relata.core.forms import DateInput, StyledFormMixin, UserChoiceField, user_label
from relata.core.models import Role, Team, User
from relata.core.selectors import colleagues
from relata.entities import selectors as entity_selectors
from relata.entities.forms.common import (
    ContactChoiceField,
    EntityFinderMixin,
    apply_service_errors,
    entity_contacts,
)
from relata.entities.models import Contact, Entity

__all__ = [
    "ActionFilterForm",
    "ActionForm",
    "ActionTypeForm",
    "AgendaForm",
    "BulkReassignForm",
    "CompleteForm",
    "ReassignForm",
    "apply_service_errors",
]

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
DATETIME_INPUTS = [DATETIME_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
PAGE_SIZE = 25


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=DATETIME_FORMAT)


def datetime_field(label: Any, **kwargs: Any) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label, widget=DateTimeLocalInput(), input_formats=DATETIME_INPUTS, **kwargs
    )


class TypeSelect(forms.Select):
    """A select of action types whose options tell the form's script each type's default
    duration and whether it is a meeting."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.type_info: dict[str, tuple[int, bool]] = {}

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        info = self.type_info.get(str(value))
        if info is not None:
            option["attrs"]["data-duration"] = str(info[0])
            option["attrs"]["data-meeting"] = "1" if info[1] else "0"
        return option


def type_choices(current: ActionType | None = None) -> QuerySet[ActionType]:
    q = Q(is_active=True)
    if current is not None:
        q |= Q(pk=current.pk)
    return ActionType.objects.filter(q).order_by("order", "name_en")


def _setup_type_field(field: forms.ModelChoiceField, current: ActionType | None) -> None:
    types = list(type_choices(current))
    field.queryset = type_choices(current)
    widget = field.widget
    assert isinstance(widget, TypeSelect)
    widget.type_info = {str(t.pk): (t.default_duration, t.is_meeting) for t in types}
    field.choices = [("", "---------"), *((t.pk, t.name) for t in types)]


class UserMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return user_label(obj)


class ContactMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.full_name


def entity_cases(user: User, entity: Entity | None, current: Case | None = None) -> QuerySet:
    """Return the cases an action of ``entity`` may belong to: its open ones the user sees,
    plus the one the action already has."""
    if entity is None:
        return Case.objects.none()
    q = Q(status__meaning="open")
    if current is not None:
        q |= Q(pk=current.pk)
    return case_selectors.case_queryset(user=user).filter(q, entity=entity).order_by("-opened_at")


class ActionForm(EntityFinderMixin, StyledFormMixin, forms.Form):
    """Create or change an action. The entity list shows only the chosen entity (and the
    results of a search): there may be a hundred thousand of them."""

    entity = forms.ModelChoiceField(label=_("Entity"), queryset=Entity.objects.none())
    entity_search = forms.CharField(
        label=_("Find the entity"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    contact = ContactChoiceField(
        label=_("Contact"), queryset=Contact.objects.none(), required=False
    )
    case = forms.ModelChoiceField(
        label=_("Case"),
        queryset=Case.objects.none(),
        required=False,
        empty_label=_("No case"),
        help_text=_("The entity's open cases."),
    )
    type = forms.ModelChoiceField(
        label=_("Type"), queryset=ActionType.objects.none(), widget=TypeSelect
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    start = datetime_field(_("Start"))
    end = datetime_field(
        _("End"), required=False, help_text=_("Empty: the type's default duration.")
    )
    all_day = forms.BooleanField(label=_("All day"), required=False)
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DateInput())
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL
    )
    location = forms.CharField(label=_("Location"), max_length=200, required=False)
    attendee_users = UserMultipleChoiceField(
        label=_("Attending users"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    attendee_contacts = ContactMultipleChoiceField(
        label=_("Attending contacts"),
        queryset=Contact.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
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

    DATA_FIELDS = services.ACTION_FIELDS

    def __init__(
        self,
        data: QueryDict | None = None,
        *,
        user: User,
        instance: Action | None = None,
        initial: dict[str, Any] | None = None,
    ) -> None:
        self.user = user
        self.instance = instance
        initial = dict(initial or {})
        if instance is not None:
            initial.update({name: getattr(instance, name) for name in self.DATA_FIELDS})
            initial["start"] = timezone.localtime(instance.start)
            initial["end"] = timezone.localtime(instance.end)
            initial["owner"] = instance.owner
            initial["team"] = instance.team
            initial["attendee_users"] = list(instance.attendee_users.all())
            initial["attendee_contacts"] = list(instance.attendee_contacts.all())
        super().__init__(data, initial=initial)
        self.chosen_entity = self._chosen_entity(data, initial)
        visible_entities = permissions.scope(user, Entity.objects.all())
        self.fields["entity"].queryset = visible_entities  # type: ignore[attr-defined]
        # Only the chosen entity is rendered; a search fills the list in.
        self.fields["entity"].widget.choices = self.entity_choices([self.chosen_entity])
        current_contacts = list(instance.attendee_contacts.all()) if instance else []
        contacts = entity_contacts(
            self.chosen_entity,
            [*current_contacts, *([instance.contact] if instance and instance.contact else [])],
        )
        self.fields["contact"].queryset = contacts  # type: ignore[attr-defined]
        self.fields["attendee_contacts"].queryset = contacts  # type: ignore[attr-defined]
        self.fields["case"].queryset = entity_cases(  # type: ignore[attr-defined]
            user, self.chosen_entity, instance.case if instance else None
        )
        current_type = instance.type if instance else None
        _setup_type_field(self.fields["type"], current_type)  # type: ignore[arg-type]
        self.fields["attendee_users"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            Q(is_active=True) | Q(pk__in=[u.pk for u in initial.get("attendee_users", [])])
        ).order_by("first_name", "last_name", "username")
        self.fields["owner"].queryset = entity_selectors.assignable_users(  # type: ignore[attr-defined]
            user=user, current=instance.owner if instance else None
        )
        self.fields["team"].queryset = entity_selectors.assignable_teams(  # type: ignore[attr-defined]
            user=user, current=instance.team if instance else None
        )
        self.fields["entity_search"].widget.attrs["placeholder"] = _("Type part of the name")
        for name in ("start", "end", "due_date"):
            self.fields[name].widget.attrs["class"] = "form-control"

    @property
    def is_meeting(self) -> bool:
        """Whether the chosen type is a meeting (its fields show from the start)."""
        value = self["type"].value()
        if isinstance(value, ActionType):
            return value.is_meeting
        widget = self.fields["type"].widget
        assert isinstance(widget, TypeSelect)
        info = widget.type_info.get(str(value))
        return bool(info and info[1])

    def action_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.DATA_FIELDS}

    def assignee_changed(self) -> bool:
        instance = self.instance
        assert instance is not None
        return (self.cleaned_data.get("owner"), self.cleaned_data.get("team")) != (
            instance.owner,
            instance.team,
        )

    def disable(self) -> None:
        for field in self.fields.values():
            field.disabled = True


class CompleteForm(StyledFormMixin, forms.Form):
    """Mark an action done; optionally plan the next one in the same step."""

    outcome = forms.CharField(label=_("Outcome"), max_length=200, required=False)
    result_notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    schedule_next = forms.BooleanField(label=_("Schedule the next action"), required=False)
    next_type = forms.ModelChoiceField(
        label=_("Type"), queryset=ActionType.objects.none(), required=False, widget=TypeSelect
    )
    next_subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    next_start = datetime_field(_("Start"), required=False)

    def __init__(self, data: QueryDict | None = None, *, action: Action) -> None:
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        start = timezone.localtime(action.start)
        super().__init__(
            data,
            initial={
                "next_type": action.type,
                "next_subject": action.subject,
                "next_start": datetime.datetime.combine(
                    max(tomorrow, start.date() + datetime.timedelta(days=1)), start.time()
                ),
            },
        )
        self.action = action
        _setup_type_field(self.fields["next_type"], None)  # type: ignore[arg-type]
        if action.type.needs_outcome:
            self.fields["outcome"].required = True
            self.fields["outcome"].help_text = _("Actions of this type need an outcome.")
        self.fields["next_start"].widget.attrs["class"] = "form-control"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("schedule_next"):
            for name in ("next_type", "next_subject", "next_start"):
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, _("This field is required."))
        return cleaned

    def next_action(self) -> dict[str, Any] | None:
        if not self.cleaned_data.get("schedule_next"):
            return None
        return {
            "type": self.cleaned_data["next_type"],
            "subject": self.cleaned_data["next_subject"],
            "start": self.cleaned_data["next_start"],
        }


class ActionFilterForm(StyledFormMixin, forms.Form):
    """The filters of the action list; the defaults show my planned actions."""

    SCOPES = (
        ("mine", _("Mine")),
        ("team", _("My teams'")),
        ("all", _("All I can see")),
    )
    q = forms.CharField(label=_("Search"), required=False)
    scope = forms.ChoiceField(label=_("Whose"), choices=SCOPES, required=False)
    type = forms.ModelChoiceField(
        label=_("Type"),
        queryset=ActionType.objects.none(),
        required=False,
        empty_label=_("Any type"),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status")), *ActionStatus.choices],
        required=False,
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())

    DEFAULTS = {"scope": "mine", "status": ActionStatus.PLANNED}

    def __init__(self, data: QueryDict | None = None) -> None:
        # Absent keys take the defaults (a first visit, a page link); a filter the user
        # cleared arrives empty and stays so.
        values: dict[str, Any] = dict(self.DEFAULTS)
        if data is not None:
            values.update({key: data.get(key) for key in data})
        super().__init__(values)
        self.fields["type"].queryset = ActionType.objects.order_by("order", "name_en")  # type: ignore[attr-defined]
        for field in self.fields.values():
            field.widget.attrs["class"] = (
                field.widget.attrs.get("class", "") + " form-control-sm"
                if not isinstance(field.widget, forms.Select)
                else "form-select form-select-sm"
            ).strip()

    def value(self, name: str) -> Any:
        """Return the cleaned filter ``name``; an invalid one (a mistyped date) is ignored."""
        self.is_valid()
        return self.cleaned_data.get(name)

    @property
    def active_filter_count(self) -> int:
        """Return how many filters of the folded panel differ from the defaults."""
        count = sum(1 for name in ("type", "date_from", "date_to") if self.value(name))
        return count + (self.value("status") != self.DEFAULTS["status"])

    @property
    def whose(self) -> str:
        return self.value("scope") or "mine"

    @property
    def is_default(self) -> bool:
        return (
            not self.active_filter_count
            and self.whose == self.DEFAULTS["scope"]
            and not (self.value("q") or "").strip()
        )


class BulkReassignForm(StyledFormMixin, forms.Form):
    owner = UserChoiceField(
        label=_("Assign to"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Nobody (team only)"),
    )
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("Same team")
    )

    def __init__(
        self, data: QueryDict | None = None, *, user: User, prefix_id: str = "bulk"
    ) -> None:
        super().__init__(data)
        self.fields["owner"].queryset = entity_selectors.assignable_users(user=user)  # type: ignore[attr-defined]
        self.fields["team"].queryset = entity_selectors.assignable_teams(user=user)  # type: ignore[attr-defined]
        for name, field in self.fields.items():
            field.widget.attrs["aria-label"] = str(field.label)
            field.widget.attrs["id"] = f"{prefix_id}-{name}"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("owner") and not cleaned.get("team"):
            raise ValidationError(_("Choose a user, a team or both."))
        return cleaned


class ReassignForm(BulkReassignForm):
    """Give one action to someone else (or to a team)."""

    def __init__(self, data: QueryDict | None = None, *, user: User, action: Action) -> None:
        super().__init__(data, user=user, prefix_id="reassign")
        self.fields["team"].empty_label = _("No team")  # type: ignore[attr-defined]
        if not data:
            self.initial = {"owner": action.owner, "team": action.team}


def can_bulk_reassign(user: User) -> bool:
    return permissions.is_administrator(user) or (
        permissions.can_write(user) and user.role == Role.MANAGER
    )


class AgendaForm(forms.Form):
    """Whose agenda to show and which types; the calendar reads the values."""

    owner = UserChoiceField(
        label=_("Whose agenda"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Mine"),
    )
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("No team")
    )
    types = forms.ModelMultipleChoiceField(
        label=_("Types"),
        queryset=ActionType.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, data: QueryDict | None = None, *, user: User) -> None:
        super().__init__(data)
        self.fields["owner"].queryset = colleagues(user).exclude(pk=user.pk)  # type: ignore[attr-defined]
        teams = Team.objects.filter(is_active=True)
        if not permissions.is_administrator(user):
            teams = teams.filter(pk__in=permissions.team_ids(user))
        self.fields["team"].queryset = teams.order_by("name")  # type: ignore[attr-defined]
        self.fields["types"].queryset = ActionType.objects.filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["owner"].widget.attrs.update({"class": "form-select form-select-sm"})
        self.fields["team"].widget.attrs.update({"class": "form-select form-select-sm"})


class ActionTypeForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = ActionType
        fields = list(services.TYPE_FIELDS)
        widgets = {"colour": forms.TextInput(attrs={"type": "color"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["colour"].widget.attrs["class"] = "form-control form-control-color"
        self.fields["icon"].help_text = _(
            "A Bootstrap Icons name, for example telephone, envelope, geo-alt, people."
        )
        if self.instance.pk:
            # Imports and the API refer to types by code: it stays once the type exists.
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _("The code cannot change once the type exists.")

    def _post_clean(self) -> None:
        # The service validates the model; the form only checks its inputs.
        pass
