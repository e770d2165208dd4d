"""Cases [expedientes]: sales opportunities and after-sales cases, their types and statuses.

A case type is defined by an administrator: its number prefix, whether it is a sales
opportunity (amount, probability, forecast) and, for after-sales, a service level. Each type
has its own ordered statuses; a status's *meaning* (open, won, lost, closed) is what the
product reasons about, its code and names stay editable. Every status change is a row of
:class:`CaseStatusChange` with who, when, from, to and the time spent in the previous one.
"""

from __future__ import annotations

import decimal
from typing import ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from relata.campaigns.models import Campaign
from relata.core.localized import COLOUR_VALIDATOR, localized
from relata.core.models import OwnedModel, User
from relata.customfields.models import CustomFieldsModel, Target
from relata.entities.models import Contact, Entity, Source
from relata.products.models import Product

PREFIX_VALIDATOR = RegexValidator(
    r"^[A-Z0-9]{1,10}$", _("Enter 1 to 10 capital letters or digits, for example OPP.")
)
PROBABILITY_VALIDATORS = [MinValueValidator(0), MaxValueValidator(100)]


class CaseType(models.Model):
    """An administrator-defined kind of case [tipo de expediente]."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_es = models.CharField(_("name (Spanish)"), max_length=100, blank=True)
    number_prefix = models.CharField(
        _("number prefix"), max_length=10, unique=True, validators=[PREFIX_VALIDATOR]
    )
    is_opportunity = models.BooleanField(
        _("sales opportunity"),
        default=False,
        help_text=_("Opportunities have an amount and a probability and count in the forecast."),
    )
    service_level_hours = models.PositiveIntegerField(
        _("service level (hours)"),
        null=True,
        blank=True,
        help_text=_("After-sales cases are due this many hours after they are opened."),
    )
    stale_after_days = models.PositiveIntegerField(
        _("needs attention after (days in one status)"),
        null=True,
        blank=True,
        help_text=_(
            "An open case that stays longer than this in one status is flagged on the "
            "control panel. Empty: never."
        ),
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "name_en"]
        verbose_name = _("case type")
        verbose_name_plural = _("case types")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self.name_en, self.name_es)


class StatusMeaning(models.TextChoices):
    """What a status means to the product; the labels of statuses stay editable."""

    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    CLOSED = "closed", _("Closed")


class CaseStatus(models.Model):
    """One status of a case type, in the type's order."""

    case_type = models.ForeignKey(
        CaseType, verbose_name=_("case type"), on_delete=models.CASCADE, related_name="statuses"
    )
    code = models.SlugField(_("code"), max_length=50)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_es = models.CharField(_("name (Spanish)"), max_length=100, blank=True)
    colour = models.CharField(
        _("colour"), max_length=7, default="#6c757d", validators=[COLOUR_VALIDATOR]
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    default_probability = models.PositiveSmallIntegerField(
        _("default probability (%)"), default=0, validators=PROBABILITY_VALIDATORS
    )
    meaning = models.CharField(
        _("meaning"), max_length=10, choices=StatusMeaning.choices, default=StatusMeaning.OPEN
    )
    allowed_next = models.ManyToManyField(
        "self",
        verbose_name=_("statuses allowed next"),
        symmetrical=False,
        blank=True,
        related_name="+",
        help_text=_("Empty: a case may move to any status of its type."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords(m2m_fields=[allowed_next])

    class Meta:
        ordering = ["case_type", "order", "pk"]
        verbose_name = _("case status")
        verbose_name_plural = _("case statuses")
        constraints = [
            models.UniqueConstraint(fields=["case_type", "code"], name="case_status_code_per_type"),
            models.CheckConstraint(
                condition=models.Q(default_probability__lte=100),
                name="case_status_probability_max_100",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self.name_en, self.name_es)

    @property
    def is_open(self) -> bool:
        return self.meaning == StatusMeaning.OPEN


class CaseSequence(models.Model):
    """The last number given to a case of one type in one year.

    Services lock the row (``select_for_update``) to take the next number, so that two
    cases created at once never share one.
    """

    case_type = models.ForeignKey(CaseType, on_delete=models.CASCADE, related_name="sequences")
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case_type", "year"], name="case_sequence_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.case_type_id}/{self.year}: {self.last_value}"


class CasePriority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Case(OwnedModel, CustomFieldsModel):
    """A case of an entity: a sales opportunity, a lead, a complaint, an incident…

    Visibility and who may change it follow :mod:`relata.core.permissions` on
    ``owner``/``team``. The status changes only through ``services.case_move``.
    """

    custom_fields_target: ClassVar[str] = Target.CASE

    number = models.CharField(_("number"), max_length=30, unique=True, editable=False)
    case_type = models.ForeignKey(
        CaseType, verbose_name=_("case type"), on_delete=models.PROTECT, related_name="cases"
    )
    entity = models.ForeignKey(
        Entity, verbose_name=_("entity"), on_delete=models.CASCADE, related_name="cases"
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
    )
    status = models.ForeignKey(
        CaseStatus, verbose_name=_("status"), on_delete=models.PROTECT, related_name="cases"
    )
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    # When the case entered its current status (the last status change), kept here so the
    # control panel finds cases stuck in a status without reading the change history.
    status_since = models.DateTimeField(_("in this status since"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # The start of the earliest planned action linked to the case (None: nothing planned),
    # kept by relata.cases.services.case_next_action_refresh, which every action service
    # calls, so that the control panel finds opportunities without a next action on an
    # index instead of testing each open case for a planned action.
    next_action_at = models.DateTimeField(_("next action"), null=True, blank=True, editable=False)
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    source = models.ForeignKey(
        Source,
        verbose_name=_("source"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    prescriber = models.ForeignKey(
        Entity,
        verbose_name=_("prescriber"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="prescribed_cases",
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=CasePriority.choices, default=CasePriority.NORMAL
    )
    amount = models.DecimalField(
        _("amount"),
        max_digits=14,
        decimal_places=2,
        default=decimal.Decimal("0.00"),
        validators=[MinValueValidator(decimal.Decimal("0"))],
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    probability = models.PositiveSmallIntegerField(
        _("probability (%)"),
        null=True,
        blank=True,
        validators=PROBABILITY_VALIDATORS,
        help_text=_("Empty: the default probability of the status."),
    )
    lost_reason = models.CharField(_("lost reason"), max_length=200, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
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

    history = HistoricalRecords(excluded_fields=["updated_at", "next_action_at"])

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["case_type", "status"], name="case_type_status"),
            # The forecast reads open cases by close date and won ones by closing date from
            # these indexes alone (every column it needs is in them; INCLUDE would warn on
            # SQLite).
            models.Index(
                fields=[
                    "status",
                    "expected_close_date",
                    "owner",
                    "team",
                    "case_type",
                    "probability",
                    "amount",
                ],
                name="case_open_forecast",
            ),
            models.Index(
                fields=[
                    "status",
                    "closed_at",
                    "owner",
                    "team",
                    "case_type",
                    "probability",
                    "amount",
                ],
                name="case_won_forecast",
            ),
            models.Index(fields=["entity", "opened_at"], name="case_entity_opened"),
            # The open-cases report pages its rows oldest first.
            models.Index(fields=["opened_at", "id"], name="case_opened"),
            models.Index(fields=["status", "status_since"], name="case_status_since"),
            # The control panel's opportunities needing attention, oldest in their status
            # first: one person's are read in this order and the scan stops at the tenth.
            models.Index(fields=["owner", "status_since"], name="case_owner_status_since"),
            # And a team's that its members do not own (see PanelScope.list_parts).
            models.Index(fields=["team", "status_since"], name="case_team_status_since"),
            # The control panel's counters of one person's open cases (opportunities, those
            # needing attention, after-sales, overdue): every column they read, so that
            # PostgreSQL counts them from the index alone (index-only scan).
            models.Index(
                fields=[
                    "owner",
                    "status",
                    "next_action_at",
                    "expected_close_date",
                    "status_since",
                    "case_type",
                    "due_at",
                    "team",
                ],
                name="case_owner_panel",
            ),
            # The same for the cases assigned to a team (a team's panel counts those its
            # members do not own from here, and the case lists filter a team's by status).
            models.Index(
                fields=[
                    "team",
                    "status",
                    "owner",
                    "next_action_at",
                    "expected_close_date",
                    "status_since",
                    "case_type",
                    "due_at",
                ],
                name="case_team_panel",
            ),
            # The control panel's KPIs: one person's opportunities opened, won or lost in a
            # week, month or quarter (two index ranges instead of all their cases).
            models.Index(fields=["owner", "opened_at"], name="case_owner_opened"),
            models.Index(fields=["owner", "closed_at"], name="case_owner_closed"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(probability__isnull=True) | models.Q(probability__lte=100),
                name="case_probability_max_100",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="case_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("cases:detail", args=[self.pk])

    @property
    def custom_fields_scope(self) -> str:
        return self.case_type.code if self.case_type_id else ""

    @property
    def effective_probability(self) -> int:
        """Return the probability set on the case, or else its status's default."""
        if self.probability is not None:
            return self.probability
        return self.status.default_probability

    @property
    def is_open(self) -> bool:
        return self.status.is_open


class CaseStatusChange(models.Model):
    """One status change of a case: who, when, from, to and how long the case stayed."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.ForeignKey(
        CaseStatus,
        verbose_name=_("from status"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    to_status = models.ForeignKey(
        CaseStatus, verbose_name=_("to status"), on_delete=models.PROTECT, related_name="+"
    )
    changed_by = models.ForeignKey(
        User,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)
    seconds_in_previous = models.PositiveBigIntegerField(
        _("seconds in the previous status"), null=True, blank=True
    )

    class Meta:
        ordering = ["case", "changed_at", "pk"]
        verbose_name = _("case status change")
        verbose_name_plural = _("case status changes")
        indexes = [
            models.Index(fields=["case", "changed_at"], name="case_status_change_case"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_status_id} → {self.to_status_id}"


class CaseLine(models.Model):
    """A product line of an opportunity: quantity × unit price less the discount.

    ``amount`` is stored (computed by the services) so that sums by family and the forecast
    read one column. The case's amount is the sum of its lines when it has any.
    """

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="lines"
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="case_lines"
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=12,
        decimal_places=3,
        default=decimal.Decimal("1"),
        validators=[MinValueValidator(decimal.Decimal("0.001"))],
    )
    unit_price = models.DecimalField(
        _("unit price"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(decimal.Decimal("0"))],
    )
    discount = models.DecimalField(
        _("discount (%)"),
        max_digits=5,
        decimal_places=2,
        default=decimal.Decimal("0"),
        validators=[MinValueValidator(decimal.Decimal("0")), MaxValueValidator(100)],
    )
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, default=decimal.Decimal("0.00")
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["case", "order", "pk"]
        verbose_name = _("product line")
        verbose_name_plural = _("product lines")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="case_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(discount__gte=0) & models.Q(discount__lte=100),
                name="case_line_discount_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.quantity} × {self.product_id}"

    def compute_amount(self) -> decimal.Decimal:
        """Return quantity × unit price × (1 − discount/100), rounded to cents."""
        gross = self.quantity * self.unit_price
        net = gross * (decimal.Decimal(100) - self.discount) / decimal.Decimal(100)
        return net.quantize(decimal.Decimal("0.01"), rounding=decimal.ROUND_HALF_UP)


class CaseDocument(models.Model):
    """A file kept with a case (an offer, a photo of the fault, a signed order…).

    Uploads are checked by ``services.case_document_add`` (size, kind by content, not by
    name alone) before they are stored.
    """

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="documents"
    )
    file = models.FileField(_("file"), upload_to="cases/%Y/%m/")
    name = models.CharField(_("name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    uploaded_by = models.ForeignKey(
        User,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        ordering = ["case", "-uploaded_at", "-pk"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.name
