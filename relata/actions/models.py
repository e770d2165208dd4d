"""Commercial actions [acciones comerciales], their types and the agenda's calendar data.

An action is something a user (or any member of a team) does for an entity: a call, a
visit, a meeting… It has a start and usually an end, so it appears on the agenda, in the
user's iCalendar feed and, for meetings, in the attendees' own calendars through iTIP
invitations. ``uid`` and ``sequence`` are the action's identity and version there.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from relata.core.localized import COLOUR_VALIDATOR, localized
from relata.core.models import OwnedModel, User
from relata.entities.models import Contact, Entity

ICON_VALIDATOR = RegexValidator(
    r"^[a-z0-9-]{1,50}$", _("Enter a Bootstrap Icons name, for example telephone.")
)


class ActionType(models.Model):
    """An administrator-defined kind of action [tipo de acción]."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_es = models.CharField(_("name (Spanish)"), max_length=100, blank=True)
    icon = models.CharField(
        _("icon"), max_length=50, default="calendar-event", validators=[ICON_VALIDATOR]
    )
    colour = models.CharField(
        _("colour"), max_length=7, default="#0d6efd", validators=[COLOUR_VALIDATOR]
    )
    default_duration = models.PositiveIntegerField(_("default duration (minutes)"), default=30)
    is_meeting = models.BooleanField(
        _("is a meeting"),
        default=False,
        help_text=_("Meetings have attendees and a place, and send calendar invitations."),
    )
    needs_outcome = models.BooleanField(_("needs an outcome when done"), default=False)
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "name_en"]
        verbose_name = _("action type")
        verbose_name_plural = _("action types")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self.name_en, self.name_es)


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")


class Action(OwnedModel):
    """A commercial action for an entity, assigned to a user (``owner``) or to a team.

    Visibility and who may change it follow :mod:`relata.core.permissions` on
    ``owner``/``team``: an action assigned only to a team can be taken by any member.
    """

    entity = models.ForeignKey(
        Entity, verbose_name=_("entity"), on_delete=models.CASCADE, related_name="actions"
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions",
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions",
    )
    # The campaign the action was done for (an email to a campaign's targets; the
    # campaigns' generated actions later), so that campaigns can count their work.
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions",
    )
    type = models.ForeignKey(
        ActionType, verbose_name=_("type"), on_delete=models.PROTECT, related_name="actions"
    )
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    start = models.DateTimeField(_("start"), db_index=True)
    end = models.DateTimeField(_("end"))
    all_day = models.BooleanField(_("all day"), default=False)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    location = models.CharField(_("location"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ActionStatus.choices, default=ActionStatus.PLANNED
    )
    outcome = models.CharField(_("outcome"), max_length=200, blank=True)
    result_notes = models.TextField(_("notes on the result"), blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    follows = models.ForeignKey(
        "self",
        verbose_name=_("follows"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
    )
    attendee_users = models.ManyToManyField(
        User, verbose_name=_("attending users"), related_name="attended_actions", blank=True
    )
    attendee_contacts = models.ManyToManyField(
        Contact,
        verbose_name=_("attending contacts"),
        related_name="attended_actions",
        blank=True,
    )
    # The identity and version of the action in other calendars (RFC 5545 UID/SEQUENCE).
    uid = models.UUIDField(_("calendar UID"), default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(_("calendar sequence"), default=0, editable=False)
    created_by = models.ForeignKey(
        User,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(
        excluded_fields=["updated_at", "sequence"],
        m2m_fields=[attendee_users, attendee_contacts],
    )

    # Attending users see the meeting (on their agenda too); they do not change it.
    VIEWERS_FIELD: ClassVar[str] = "attendee_users"
    ICAL_FIELDS: ClassVar[tuple[str, ...]] = (
        "subject",
        "description",
        "start",
        "end",
        "all_day",
        "location",
        "status",
    )

    class Meta:
        ordering = ["start", "pk"]
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        indexes = [
            models.Index(fields=["owner", "start"], name="action_owner_start"),
            models.Index(fields=["team", "start"], name="action_team_start"),
            models.Index(fields=["entity", "start"], name="action_entity_start"),
            models.Index(fields=["status", "start"], name="action_status_start"),
            # Planned actions are a few percent of the table: the control panel's lists and
            # counters, and a case's next action, read them on these small indexes. The
            # panel's counters read every column they test from the first two alone
            # (index-only scans); a team's panel reads its members' on the first and the
            # team's other actions on the second (see relata.dashboard.panel.PanelScope).
            models.Index(
                fields=["owner", "start", "due_date", "end", "team"],
                name="action_planned_owner_panel",
                condition=models.Q(status="planned"),
            ),
            models.Index(
                fields=["team", "start", "owner", "due_date", "end"],
                name="action_planned_team_panel",
                condition=models.Q(status="planned"),
            ),
            models.Index(
                fields=["case", "start"],
                name="action_planned_case_start",
                condition=models.Q(status="planned"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")), name="action_end_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        return reverse("actions:detail", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status != ActionStatus.PLANNED


class CalendarFeed(models.Model):
    """A user's secret iCalendar feed; only a digest of its token is stored."""

    user = models.OneToOneField(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.user)


class Invitation(models.Model):
    """Who was sent an iTIP invitation for an action, and at which sequence.

    A recipient no longer invited (removed attendee, cancelled action) is sent
    METHOD:CANCEL once; ``cancelled`` records that.
    """

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="invitations")
    email = models.CharField(max_length=320)
    sequence = models.PositiveIntegerField(default=0)
    cancelled = models.BooleanField(default=False)
    sent_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["action", "email"], name="invitation_once")]

    def __str__(self) -> str:
        return f"{self.action_id} → {self.email}"


class ReminderPreference(models.Model):
    """How a user wants to be reminded of their actions."""

    user = models.OneToOneField(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="reminder_preference"
    )
    minutes_before = models.PositiveIntegerField(
        _("minutes before"), null=True, blank=True, help_text=_("Empty: no reminders.")
    )
    by_email = models.BooleanField(_("by email"), default=True)
    in_app = models.BooleanField(_("in the application"), default=True)

    class Meta:
        verbose_name = _("reminder preference")
        verbose_name_plural = _("reminder preferences")

    def __str__(self) -> str:
        return str(self.user)


class Reminder(models.Model):
    """A reminder sent for one occurrence (start time) of an action to one user.

    The unique constraint makes a reminder go out once, even when the worker runs the
    periodic job twice or restarts midway: a second run finds the row and skips it.
    """

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="reminders")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["action", "user", "start"], name="reminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.action_id} → {self.user_id}"
