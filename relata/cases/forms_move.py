"""Forms of the pipeline board, the move page and the open-cases report.

The filter forms only read the query string (bookmarkable; an invalid value is ignored,
never an error page); the move form shapes input for :func:`relata.cases.services.case_move`,
which decides.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relata.campaigns.models import Campaign
from relata.cases.models import Case, CaseStatus, CaseType
from relata.cases.selectors import case_statuses, case_types
from relata.core import permissions
from relata.core.forms import DateInput, StyledFormMixin
from relata.core.models import Team, User

OWNER_ME = "me"
OWNER_NONE = "none"


def visible_users(user: User) -> QuerySet[User]:
    """Return the users whose cases ``user`` may see: everyone for administrators, else
    themselves and the members of their teams."""
    qs = User.objects.filter(is_active=True)
    if not permissions.is_administrator(user):
        qs = qs.filter(pk__in=sorted({user.pk, *permissions.team_member_ids(user)}))
    return qs.order_by("first_name", "last_name", "username")


def visible_teams(user: User) -> QuerySet[Team]:
    qs = Team.objects.filter(is_active=True)
    if not permissions.is_administrator(user):
        qs = qs.filter(pk__in=sorted(permissions.team_ids(user)))
    return qs.order_by("name")


def _small(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        widget = field.widget
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs["class"] = f"{css} {css}-sm"


class _QueryForm(forms.Form):
    """A filter form bound to the query string whose invalid values are simply ignored."""

    def __init__(self, data: QueryDict | None, *, user: User) -> None:
        super().__init__(data if data is not None else QueryDict())
        self.user = user

    def value(self, name: str) -> Any:
        self.is_valid()
        return self.cleaned_data.get(name)

    def owner_filter(self) -> User | int | str | None:
        """Return the owner filter for the report selectors: a user id, ``"none"`` or None."""
        owner = self.value("owner")
        if owner == OWNER_ME:
            return self.user.pk
        if owner == OWNER_NONE:
            return OWNER_NONE
        return int(owner) if owner else None

    def _owner_choices(self) -> list[tuple[str, str]]:
        users = [(str(u.pk), str(u)) for u in visible_users(self.user).exclude(pk=self.user.pk)]
        return [
            ("", str(_("Anyone"))),
            (OWNER_ME, str(_("Me"))),
            (OWNER_NONE, str(_("Unassigned"))),
            *users,
        ]

    @property
    def active_filter_count(self) -> int:
        self.is_valid()
        return sum(1 for value in self.cleaned_data.values() if value not in (None, ""))


class BoardFilterForm(_QueryForm):
    """Whose cases the board shows and which expected close period."""

    PERIODS = (
        ("", _("Any date")),
        ("this_month", _("This month")),
        ("next_month", _("Next month")),
        ("this_quarter", _("This quarter")),
        ("next_quarter", _("Next quarter")),
        ("custom", _("Between dates")),
    )
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("Any team")
    )
    campaign = forms.ModelChoiceField(
        label=_("Campaign"),
        queryset=Campaign.objects.none(),
        required=False,
        empty_label=_("Any campaign"),
    )
    period = forms.ChoiceField(label=_("Expected close"), choices=PERIODS, required=False)
    close_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    close_to = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def __init__(self, data: QueryDict | None, *, user: User) -> None:
        super().__init__(data, user=user)
        self.fields["owner"].choices = self._owner_choices()  # type: ignore[attr-defined]
        self.fields["team"].queryset = visible_teams(user)  # type: ignore[attr-defined]
        self.fields["campaign"].queryset = Campaign.objects.filter(is_active=True).order_by(  # type: ignore[attr-defined]
            "name"
        )
        _small(self)

    def close_range(self) -> tuple[datetime.date | None, datetime.date | None]:
        """Return the expected close dates (inclusive) the period stands for."""
        period = self.value("period") or ""
        if period in ("", "custom"):
            return self.value("close_from"), self.value("close_to")
        return period_range(period, timezone.localdate())

    def board_filters(self) -> dict[str, Any]:
        """Return the keyword filters of :func:`relata.cases.reports.board`."""
        close_from, close_to = self.close_range()
        return {
            "owner": self.owner_filter(),
            "team": self.value("team"),
            "campaign": self.value("campaign"),
            "close_from": close_from,
            "close_to": close_to,
        }

    @property
    def active_filter_count(self) -> int:
        self.is_valid()
        names = ["owner", "team", "campaign", "period"]
        if (self.value("period") or "") in ("", "custom"):
            names += ["close_from", "close_to"]
        return sum(1 for name in names if self.cleaned_data.get(name) not in (None, ""))


def _quarter_start(day: datetime.date) -> datetime.date:
    return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    """Return the first of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def period_range(period: str, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Return the first and last day of a named period around ``today``."""
    one_day = datetime.timedelta(days=1)
    if period == "this_month":
        start = today.replace(day=1)
        return start, _add_months(start, 1) - one_day
    if period == "next_month":
        start = _add_months(today, 1)
        return start, _add_months(start, 1) - one_day
    start = _quarter_start(today)
    if period == "next_quarter":
        start = _add_months(start, 3)
    return start, _add_months(start, 3) - one_day


class OpenReportFilterForm(_QueryForm):
    """The filters of the open-cases report (R19): whose, which type, how old."""

    owner = forms.ChoiceField(label=_("Owner"), required=False)
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("Any team")
    )
    case_type = forms.ModelChoiceField(
        label=_("Case type"),
        queryset=CaseType.objects.none(),
        required=False,
        empty_label=_("Any type"),
    )
    min_age = forms.IntegerField(
        label=_("Older than (days)"), required=False, min_value=0, max_value=36500
    )
    max_age = forms.IntegerField(
        label=_("Newer than (days)"), required=False, min_value=0, max_value=36500
    )
    status = forms.ModelChoiceField(
        label=_("Status"),
        queryset=CaseStatus.objects.all(),
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(self, data: QueryDict | None, *, user: User) -> None:
        super().__init__(data, user=user)
        self.fields["owner"].choices = self._owner_choices()  # type: ignore[attr-defined]
        self.fields["team"].queryset = visible_teams(user)  # type: ignore[attr-defined]
        self.fields["case_type"].queryset = case_types()  # type: ignore[attr-defined]
        _small(self)
        for name in ("min_age", "max_age"):
            self.fields[name].widget.attrs["inputmode"] = "numeric"

    def report_filters(self) -> dict[str, Any]:
        """Return the keyword filters of :func:`relata.cases.reports.open_cases`."""
        return {
            "owner": self.owner_filter(),
            "team": self.value("team"),
            "case_type": self.value("case_type"),
            "min_age_days": self.value("min_age"),
            "max_age_days": self.value("max_age"),
        }


class CaseMoveForm(StyledFormMixin, forms.Form):
    """Move a case to another status, with what the new status asks for."""

    status = forms.ModelChoiceField(
        label=_("New status"),
        queryset=CaseStatus.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": _("Choose a status of the case's type.")},
    )
    amount = forms.DecimalField(
        label=_("Amount"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        help_text=_("Needed to mark an opportunity as won."),
    )
    lost_reason = forms.CharField(
        label=_("Lost reason"),
        required=False,
        max_length=200,
        help_text=_("Needed to mark the case as lost."),
    )
    resolution = forms.CharField(
        label=_("Resolution"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("How the case was solved, for the customer's history."),
    )

    def __init__(self, data: QueryDict | None = None, *, case: Case, **kwargs: Any) -> None:
        self.case = case
        self.targets = move_targets(case)
        initial = {
            "amount": case.amount if case.amount else None,
            "lost_reason": case.lost_reason,
            "resolution": case.resolution,
            **kwargs.pop("initial", {}),
        }
        super().__init__(data, initial=initial, **kwargs)
        status_field = self.fields["status"]
        # Any status of the type is accepted here so that the service says why a move is
        # refused (already there, not allowed next); the list offers only the targets.
        status_field.queryset = CaseStatus.objects.filter(  # type: ignore[attr-defined]
            case_type=case.case_type_id
        )
        status_field.widget.choices = [(s.pk, s.name) for s in self.targets]
        status_field.widget.attrs["data-meanings"] = ",".join(
            f"{s.pk}:{s.meaning}" for s in self.targets
        )
        if not case.case_type.is_opportunity:
            del self.fields["amount"]
        else:
            self.fields["amount"].label = _("Amount (%(currency)s)") % {"currency": case.currency}
            del self.fields["resolution"]

    def move_arguments(self) -> dict[str, Any]:
        """Return the keyword arguments of ``case_move`` from the cleaned data."""
        data = self.cleaned_data
        arguments: dict[str, Any] = {"status": data["status"]}
        if data.get("amount") is not None:
            arguments["amount"] = data["amount"]
        for name in ("lost_reason", "resolution"):
            value = (data.get(name) or "").strip()
            if value:
                arguments[name] = value
        return arguments


def move_targets(case: Case) -> list[CaseStatus]:
    """Return the statuses ``case`` may move to: its type's active ones, except the
    current one, limited to the current status's *allowed next* when it names some."""
    statuses = [s for s in case_statuses(case_type=case.case_type_id) if s.pk != case.status_id]
    allowed = set(case.status.allowed_next.values_list("pk", flat=True))
    if allowed:
        statuses = [s for s in statuses if s.pk in allowed]
    return statuses
