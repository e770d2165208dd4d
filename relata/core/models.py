"""Users, teams, roles and the CRM general parameters."""

from __future__ import annotations

import datetime
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from relata.core.emailaddress import EmailAddressField


class Role(models.TextChoices):
    """What a user may do; what they may see follows from role and teams."""

    ADMINISTRATOR = "administrator", _("Administrator")
    MANAGER = "manager", _("Manager")
    AGENT = "agent", _("Agent")
    READ_ONLY = "read_only", _("Read-only")


class Team(models.Model):
    """A group of users whose records are visible to each other and to its managers."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("core:team_detail", args=[self.pk])


class RelataUserManager(UserManager["User"]):
    def create_superuser(
        self,
        username: str,
        email: str | None = None,
        password: str | None = None,
        **extra_fields: Any,
    ) -> User:
        """Create a superuser who is also an administrator in Relata's own terms."""
        extra_fields.setdefault("role", Role.ADMINISTRATOR)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person who logs in to Relata."""

    email = EmailAddressField(_("email address"), blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.AGENT)
    teams = models.ManyToManyField(
        Team, verbose_name=_("teams"), related_name="members", blank=True
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        blank=True,
        choices=[("en", "English"), ("es", "Español")],
        help_text=_("Empty follows the browser."),
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)

    objects: ClassVar[RelataUserManager] = RelataUserManager()
    # Role and team changes are audited; secrets and login times are not history.
    history = HistoricalRecords(excluded_fields=["password", "last_login"], m2m_fields=[teams])

    REQUIRED_FIELDS: ClassVar[list[str]] = []
    # The ids of the user's active teams, cached for one request by permissions.team_ids.
    _relata_team_ids: frozenset[int]
    _relata_member_ids: frozenset[int]

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_administrator(self) -> bool:
        return self.is_active and (self.role == Role.ADMINISTRATOR or self.is_superuser)

    @property
    def is_manager(self) -> bool:
        return self.is_active and self.role == Role.MANAGER

    @property
    def is_read_only(self) -> bool:
        return self.role == Role.READ_ONLY


class Weekday(models.IntegerChoices):
    MONDAY = 1, _("Monday")
    TUESDAY = 2, _("Tuesday")
    WEDNESDAY = 3, _("Wednesday")
    THURSDAY = 4, _("Thursday")
    FRIDAY = 5, _("Friday")
    SATURDAY = 6, _("Saturday")
    SUNDAY = 7, _("Sunday")


def _default_working_days() -> list[int]:
    return [1, 2, 3, 4, 5]


# The parameters an administrator edits, in the order forms and the API show them.
PARAMETER_FIELDS = (
    "finished_actions_editable",
    "default_currency",
    "default_country",
    "work_day_start",
    "work_day_end",
    "working_days",
    "open_case_status_codes",
    "forecast_committed_probability",
    "forecast_best_case_probability",
)


class CrmParameters(models.Model):
    """The CRM general parameters [parámetros generales]: one row for the installation.

    Read them with :func:`relata.core.selectors.parameters_get`, which caches the row.
    """

    finished_actions_editable = models.BooleanField(
        _("finished actions may be edited"),
        default=False,
        help_text=_("When off, an action marked as done can no longer be changed."),
    )
    default_currency = models.CharField(
        _("default currency"),
        max_length=3,
        default="EUR",
        help_text=_("ISO 4217 code used for new amounts, e.g. EUR."),
    )
    default_country = models.CharField(
        _("default country"),
        max_length=2,
        default="ES",
        help_text=_("ISO 3166 code used for new addresses and phone numbers, e.g. ES."),
    )
    work_day_start = models.TimeField(_("working day starts"), default=datetime.time(9, 0))
    work_day_end = models.TimeField(_("working day ends"), default=datetime.time(18, 0))
    working_days = models.JSONField(
        _("working days"),
        default=_default_working_days,
        help_text=_("ISO weekday numbers, Monday = 1."),
    )
    # Case statuses arrive with the cases app; until then the codes of the statuses that
    # count as open are kept here, and that app validates them against its rows.
    open_case_status_codes = models.JSONField(
        _("case statuses that count as open"),
        default=list,
        blank=True,
    )
    # The sales forecast's categories: an open opportunity whose probability reaches the
    # first threshold is *committed*, the second *best case*, below it *pipeline*.
    forecast_committed_probability = models.PositiveSmallIntegerField(
        _("committed from probability (%)"),
        default=70,
        validators=[MaxValueValidator(100)],
        help_text=_("Open opportunities at or above this probability count as committed."),
    )
    forecast_best_case_probability = models.PositiveSmallIntegerField(
        _("best case from probability (%)"),
        default=40,
        validators=[MaxValueValidator(100)],
        help_text=_(
            "Open opportunities at or above this probability, and below the committed one, "
            "count as best case; the rest as pipeline."
        ),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("CRM general parameters")
        verbose_name_plural = _("CRM general parameters")
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="crm_parameters_singleton")
        ]

    def __str__(self) -> str:
        return str(_("CRM general parameters"))

    def clean(self) -> None:
        if self.work_day_start and self.work_day_end and self.work_day_start >= self.work_day_end:
            raise ValidationError({"work_day_end": _("The working day must end after it starts.")})
        if (
            self.forecast_best_case_probability is not None
            and self.forecast_committed_probability is not None
            and self.forecast_best_case_probability > self.forecast_committed_probability
        ):
            raise ValidationError(
                {
                    "forecast_best_case_probability": _(
                        "The best-case threshold cannot be above the committed one."
                    )
                }
            )


class OwnedModel(models.Model):
    """Base for CRM records that belong to a user and/or a team.

    The permission layer (:mod:`relata.core.permissions`) decides visibility from these
    two fields; both are indexed because every list filters on them.
    """

    owner = models.ForeignKey(
        User,
        verbose_name=_("assigned to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        abstract = True


class Notification(models.Model):
    """An in-app notification for one user (reminders, assignments…)."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="notifications"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.title


class SavedView(models.Model):
    """A named set of list filters (the query string) a user saved for one list.

    ``view`` names the list (``cases``, ``entities``…); shared views are offered to every
    user of that list, each still seeing only the records they may see.
    """

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="saved_views"
    )
    view = models.CharField(_("list"), max_length=50)
    name = models.CharField(_("name"), max_length=100)
    query = models.CharField(_("filters"), max_length=2000, blank=True)
    is_shared = models.BooleanField(_("shared with everyone"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["view", "name", "pk"]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "view", "name"], name="saved_view_name_per_user"
            )
        ]

    def __str__(self) -> str:
        return self.name
