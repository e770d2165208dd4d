"""Forms of the reports: the conversion filters, the targets grid, the snapshot choice.

Filter forms read the query string: an invalid value falls back to its default, never an
error page. The targets grid shapes input for :func:`relata.dashboard.services.targets_set_grid`,
which decides.
"""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relata.cases.forms_move import visible_teams, visible_users
from relata.cases.models import CaseType
from relata.cases.selectors import case_types
from relata.core.forms import DateInput
from relata.core.models import Team, User
from relata.dashboard import analysis
from relata.dashboard.models import PipelineSnapshot

OWNER_ME = "me"


def _small(form: forms.BaseForm) -> None:
    for item in form.fields.values():
        widget = item.widget
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs["class"] = f"{css} {css}-sm"


class _QueryForm(forms.Form):
    """A form bound to the query string; invalid values are dropped, not reported."""

    def __init__(self, data: QueryDict | None, *, user: User) -> None:
        super().__init__(data if data is not None else QueryDict())
        self.user = user

    def value(self, name: str) -> Any:
        self.is_valid()
        return self.cleaned_data.get(name)


class OwnerChoiceField(forms.ChoiceField):
    """The owner filter: a listed choice, or any user id (a drill-down link may name an
    owner outside the viewer's teams whose cases the viewer sees through a team)."""

    def valid_value(self, value: Any) -> bool:
        return str(value).isdigit() or super().valid_value(value)


def opportunity_types() -> Any:
    return case_types().filter(is_opportunity=True)


class ConversionFilterForm(_QueryForm):
    """The filters of the conversion page: type, period, owner, team."""

    case_type = forms.ModelChoiceField(
        label=_("Case type"), queryset=CaseType.objects.none(), required=False, empty_label=None
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())
    owner = OwnerChoiceField(label=_("Owner"), required=False)
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("Any team")
    )

    def __init__(self, data: QueryDict | None, *, user: User) -> None:
        super().__init__(data, user=user)
        self.fields["case_type"].queryset = opportunity_types()  # type: ignore[attr-defined]
        self.fields["team"].queryset = visible_teams(user)  # type: ignore[attr-defined]
        people = [(str(u.pk), str(u)) for u in visible_users(user).exclude(pk=user.pk)]
        self.fields["owner"].choices = [  # type: ignore[attr-defined]
            ("", str(_("Anyone"))),
            (OWNER_ME, str(_("Me"))),
            (analysis.OWNER_NONE, str(_("Unassigned"))),
            *people,
        ]
        _small(self)

    def filters(self) -> analysis.Filters | None:
        """Return the report's filters; None when no opportunity type exists."""
        case_type = self.value("case_type") or opportunity_types().first()
        if case_type is None:
            return None
        period = analysis.default_period()
        start = self.value("date_from") or period.start
        end = self.value("date_to") or period.end
        if end < start:
            start, end = end, start
        owner = self.value("owner") or None
        if owner == OWNER_ME:
            owner = self.user.pk
        elif owner not in (None, analysis.OWNER_NONE):
            owner = int(owner)
        return analysis.Filters(
            case_type=case_type,
            period=analysis.Period(start, end),
            owner=owner,
            team=self.value("team"),
        )


def year_choices(today: datetime.date | None = None) -> list[tuple[int, int]]:
    year = (today or timezone.localdate()).year
    return [(y, y) for y in range(year - 3, year + 3)]


class TargetsFilterForm(_QueryForm):
    """Which year and team the targets grid shows."""

    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False)
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("Every team")
    )

    def __init__(self, data: QueryDict | None, *, user: User) -> None:
        super().__init__(data, user=user)
        self.fields["year"].choices = year_choices()  # type: ignore[attr-defined]
        self.fields["team"].queryset = visible_teams(user)  # type: ignore[attr-defined]
        _small(self)

    def chosen_year(self) -> int:
        return self.value("year") or timezone.localdate().year


def cell_name(agent_id: int, month: int) -> str:
    return f"t-{agent_id}-{month}"


class TargetGridForm(forms.Form):
    """One amount field per agent and month; empty means "no target"."""

    def __init__(self, data: QueryDict | None, *, agents: list[User], initial: Any) -> None:
        super().__init__(data, initial=initial)
        self.agents = agents
        for agent in agents:
            for month in range(1, 13):
                self.fields[cell_name(agent.pk, month)] = forms.DecimalField(
                    required=False,
                    min_value=decimal.Decimal(0),
                    max_digits=14,
                    decimal_places=2,
                    error_messages={
                        "invalid": _("Enter a number."),
                        "min_value": _("A target cannot be negative."),
                        "max_decimal_places": _("Use at most 2 decimal places."),
                        "max_digits": _("That amount is too large."),
                        "max_whole_digits": _("That amount is too large."),
                    },
                )

    def grid(self) -> dict[User, dict[int, decimal.Decimal | None]]:
        """Return the cleaned amounts per agent and month (call after ``is_valid``)."""
        return {
            agent: {
                month: self.cleaned_data.get(cell_name(agent.pk, month)) for month in range(1, 13)
            }
            for agent in self.agents
        }


class SnapshotChoiceForm(_QueryForm):
    """The two snapshot dates compared; defaults: the two latest."""

    before = forms.TypedChoiceField(label=_("From"), required=False, coerce=str)
    after = forms.TypedChoiceField(label=_("To"), required=False, coerce=str)

    def __init__(
        self, data: QueryDict | None, *, user: User, snapshots: list[PipelineSnapshot]
    ) -> None:
        super().__init__(data, user=user)
        choices = [(s.taken_on.isoformat(), s.taken_on.isoformat()) for s in snapshots]
        self.snapshots = {s.taken_on.isoformat(): s for s in snapshots}
        self.fields["before"].choices = choices  # type: ignore[attr-defined]
        self.fields["after"].choices = choices  # type: ignore[attr-defined]
        _small(self)

    def chosen(self) -> tuple[PipelineSnapshot | None, PipelineSnapshot | None]:
        """Return (before, after); a missing choice falls back to the two latest."""
        ordered = list(self.snapshots.values())  # latest first
        before = self.snapshots.get(self.value("before") or "")
        after = self.snapshots.get(self.value("after") or "")
        if after is None:
            after = ordered[0] if ordered else None
        if before is None:
            earlier = [s for s in ordered if after is not None and s.taken_on < after.taken_on]
            before = earlier[0] if earlier else None
        if before is not None and after is not None and before.taken_on > after.taken_on:
            before, after = after, before
        return before, after
