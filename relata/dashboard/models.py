"""Sales targets and the weekly pipeline snapshots behind the forecast.

The control panel and the forecast figures themselves are read from the actions and
cases tables (:mod:`relata.dashboard.panel`, :mod:`relata.dashboard.forecast`); only what
cannot be recomputed later is stored here: the targets managers set, and what the
pipeline looked like on a given day.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from relata.cases.models import Case, CaseStatus, CaseType, StatusMeaning
from relata.core.models import Team, User


class SalesTarget(models.Model):
    """The amount an agent should win in one calendar month [objetivo de ventas].

    A quarter's or a year's target is the sum of its months.
    """

    user = models.ForeignKey(
        User, verbose_name=_("agent"), on_delete=models.CASCADE, related_name="sales_targets"
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    month = models.PositiveSmallIntegerField(
        _("month"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    amount = models.DecimalField(
        _("target amount"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    set_by = models.ForeignKey(
        User,
        verbose_name=_("set by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["year", "month", "user_id"]
        verbose_name = _("sales target")
        verbose_name_plural = _("sales targets")
        constraints = [
            models.UniqueConstraint(fields=["user", "year", "month"], name="sales_target_once"),
            models.CheckConstraint(
                condition=models.Q(month__gte=1, month__lte=12), name="sales_target_month"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="sales_target_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.year}-{self.month:02d}: {self.amount}"


class PipelineSnapshot(models.Model):
    """The state of every open opportunity on one day (taken weekly by the worker).

    It also holds the opportunities closed since the previous snapshot, so that a
    comparison sees them won or lost rather than gone. Taking a snapshot again on the same
    day replaces that day's rows (``taken_at`` then says when).
    """

    taken_on = models.DateField(_("taken on"), unique=True)
    taken_at = models.DateTimeField(_("taken at"), default=timezone.now)
    taken_by = models.ForeignKey(
        User,
        verbose_name=_("taken by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    case_count = models.PositiveIntegerField(_("cases"), default=0)

    class Meta:
        ordering = ["-taken_on"]
        verbose_name = _("pipeline snapshot")
        verbose_name_plural = _("pipeline snapshots")

    def __str__(self) -> str:
        return str(self.taken_on)


class PipelineSnapshotRow(models.Model):
    """One opportunity as it stood when the snapshot was taken.

    The case's owner, team, status, amount, probability and expected close date are
    copied, because comparing two snapshots is about how they changed.
    """

    snapshot = models.ForeignKey(PipelineSnapshot, on_delete=models.CASCADE, related_name="rows")
    case = models.ForeignKey(
        Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    number = models.CharField(_("number"), max_length=30)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    case_type = models.ForeignKey(CaseType, on_delete=models.PROTECT, related_name="+")
    status = models.ForeignKey(CaseStatus, on_delete=models.PROTECT, related_name="+")
    meaning = models.CharField(_("meaning"), max_length=10, choices=StatusMeaning.choices)
    owner = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, default="EUR")
    probability = models.PositiveSmallIntegerField(default=0)
    expected_close_date = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("pipeline snapshot row")
        verbose_name_plural = _("pipeline snapshot rows")
        # Comparing two snapshots matches their rows by case number.
        indexes = [models.Index(fields=["snapshot", "number"], name="snapshot_row_number")]
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "case"], name="snapshot_case_once")
        ]

    def __str__(self) -> str:
        return f"{self.snapshot_id}: {self.number}"
