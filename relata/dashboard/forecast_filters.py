"""The forecast's filters, read from the query string by the page, the drill-down, the
downloads and the API alike (one form, so that they all accept and refuse the same values).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relata.campaigns.models import Campaign
from relata.cases.models import CaseType
from relata.core import permissions
from relata.core.forms import DateInput, StyledFormMixin
from relata.core.models import Team, User
from relata.core.selectors import colleagues
from relata.dashboard.forecast import GROUP_BYS, ForecastFilters
from relata.dashboard.forecast_categories import (
    MAX_PERIODS,
    PERIOD_BYS,
    category_range,
    count_periods,
    period_presets,
)
from relata.entities.models import Source, Zone
from relata.products.models import ProductFamily

# The query parameters that make up the filters (kept in every link of the page).
FILTER_NAMES = (
    "case_type",
    "campaign",
    "family",
    "source",
    "zone",
    "owner",
    "team",
    "preset",
    "close_from",
    "close_to",
    "period_by",
)


class ListedChoiceIterator(forms.models.ModelChoiceIterator):
    """Reads the choices with one plain query rather than through ``iterator()``, which on
    PostgreSQL opens a server-side cursor: three round trips per list, six lists a page."""

    def __iter__(self) -> Iterator[Any]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class ListedChoiceField(forms.ModelChoiceField):
    iterator = ListedChoiceIterator


class NamedChoiceField(ListedChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(getattr(obj, "name", None) or obj)


def visible_teams(user: User) -> QuerySet[Team]:
    teams = Team.objects.filter(is_active=True)
    if not permissions.is_administrator(user):
        teams = teams.filter(pk__in=sorted(permissions.team_ids(user)))
    return teams.order_by("name")


class ForecastFilterForm(StyledFormMixin, forms.Form):
    """The forecast's filters, its grouping and the periods of its categories."""

    GROUP_BY_CHOICES = (
        ("status", _("Status")),
        ("agent", _("Agent")),
        ("team", _("Team")),
        ("month", _("Close month")),
        ("quarter", _("Close quarter")),
    )
    PERIOD_BY_CHOICES = (("quarter", _("Quarters")), ("month", _("Months")))
    PERIOD_CHOICES = (
        ("", _("Custom dates")),
        ("this_month", _("This month")),
        ("this_quarter", _("This quarter")),
        ("next_quarter", _("Next quarter")),
        ("this_year", _("This year")),
    )

    group_by = forms.ChoiceField(label=_("Group by"), choices=GROUP_BY_CHOICES, required=False)
    period_by = forms.ChoiceField(
        label=_("Categories per"), choices=PERIOD_BY_CHOICES, required=False
    )
    # Not "period": the drill-down's category cells name their period with that.
    preset = forms.ChoiceField(label=_("Period"), choices=PERIOD_CHOICES, required=False)
    close_from = forms.DateField(label=_("Expected close from"), required=False, widget=DateInput())
    close_to = forms.DateField(label=_("Expected close to"), required=False, widget=DateInput())
    case_type = NamedChoiceField(
        label=_("Type"), queryset=CaseType.objects.none(), required=False, empty_label=_("Any type")
    )
    campaign = NamedChoiceField(
        label=_("Campaign"),
        queryset=Campaign.objects.none(),
        required=False,
        empty_label=_("Any campaign"),
    )
    family = NamedChoiceField(
        label=_("Product family"),
        queryset=ProductFamily.objects.none(),
        required=False,
        empty_label=_("Any family"),
    )
    source = ListedChoiceField(
        label=_("Source"), queryset=Source.objects.none(), required=False, empty_label=_("Any")
    )
    zone = ListedChoiceField(
        label=_("Zone"), queryset=Zone.objects.none(), required=False, empty_label=_("Any")
    )
    owner = forms.ChoiceField(label=_("Agent"), required=False)
    team = NamedChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("Any team")
    )

    def __init__(self, data: QueryDict | dict[str, Any], *, user: User) -> None:
        super().__init__(data)
        self.user = user
        self._owner_list: list[tuple[str, str]] | None = None
        fields: Any = self.fields
        fields["case_type"].queryset = CaseType.objects.filter(is_opportunity=True).order_by(
            "order", "pk"
        )
        fields["campaign"].queryset = Campaign.objects.order_by("-is_active", "name")
        fields["family"].queryset = ProductFamily.objects.order_by("order", "name_en")
        fields["source"].queryset = Source.objects.order_by("order", "label_en")
        fields["zone"].queryset = Zone.objects.order_by("order", "label_en")
        fields["team"].queryset = visible_teams(user)
        fields["owner"].choices = self._owner_choices

    def _owner_choices(self) -> list[tuple[str, str]]:
        # A callable: the users are read only when the form is shown or "owner" is given,
        # and once (the widget and the validation both ask).
        if self._owner_list is None:
            people = [
                (str(person.pk), person.get_full_name() or person.username)
                for person in colleagues(self.user)
                if person.pk != self.user.pk
            ]
            self._owner_list = [("", str(_("Anyone"))), ("me", str(_("Me"))), *people]
        return self._owner_list

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        preset = data.get("preset")
        if preset:
            data["close_from"], data["close_to"] = period_presets(timezone.localdate())[preset]
        low, high = data.get("close_from"), data.get("close_to")
        if low and high and high < low:
            self.add_error("close_to", _("The end of the range cannot be before its start."))
            return data
        filters = self.filters()
        start, end = category_range(filters)
        period_by = data.get("period_by") or "quarter"
        if end >= start and count_periods(start, end, period_by) > MAX_PERIODS:
            self.add_error(
                "close_to",
                _("Choose a range of at most %(count)d months or quarters.")
                % {"count": MAX_PERIODS},
            )
        return data

    def filters(self) -> ForecastFilters:
        """Return the chosen filters (the valid ones; call after ``is_valid()``)."""
        data = getattr(self, "cleaned_data", {})
        owner = data.get("owner") or ""
        owner_id = self.user.pk if owner == "me" else int(owner) if owner.isdigit() else None

        def pk(name: str) -> int | None:
            value = data.get(name)
            return value.pk if value is not None else None

        return ForecastFilters(
            case_type=pk("case_type"),
            campaign=pk("campaign"),
            family=pk("family"),
            source=pk("source"),
            zone=pk("zone"),
            owner=owner_id,
            team=pk("team"),
            close_from=data.get("close_from"),
            close_to=data.get("close_to"),
        )

    @property
    def chosen_group_by(self) -> str:
        value = getattr(self, "cleaned_data", {}).get("group_by")
        return value if value in GROUP_BYS else "status"

    @property
    def chosen_period_by(self) -> str:
        value = getattr(self, "cleaned_data", {}).get("period_by")
        return value if value in PERIOD_BYS else "quarter"

    @property
    def is_filtered(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        names = [n for n in FILTER_NAMES if n != "period_by"]
        return any(data.get(name) for name in names)

    def kept(self) -> list[tuple[str, str]]:
        """Return the filter parameters of the request, to carry in links and downloads."""
        return [(n, str(self.data[n])) for n in (*FILTER_NAMES, "group_by") if self.data.get(n)]


def errors_dict(form: forms.Form) -> dict[str, list[str]]:
    """Return the form's errors as ``{field: [messages]}`` (the API's ``errors``)."""
    return {name: [str(m) for m in messages] for name, messages in form.errors.items()}
