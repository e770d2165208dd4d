"""Entities [Entidades], their contacts [Contactos], addresses, emails and phones.

An entity is every third party the company relates to: customer, prospect, supplier,
prescriber, partner… Its classification lists (kind, source, sector, zone) are rows an
administrator edits. Emails and phones live in two tables shared by entities and contacts,
so that search and duplicate detection look in one place.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from relata.core.emailaddress import EmailAddressField
from relata.core.localized import localized
from relata.core.models import OwnedModel
from relata.customfields.models import CustomFieldsModel, Target


class ClassificationValue(models.Model):
    """An administrator-editable value of a classification list (kind, source, sector…)."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    label_en = models.CharField(_("label (English)"), max_length=100)
    label_es = models.CharField(_("label (Spanish)"), max_length=100, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True
        ordering = ["order", "label_en"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return localized(self.label_en, self.label_es)


class KindMeaning(models.TextChoices):
    """What a kind means to the product (lead conversion, forecasts); labels stay editable."""

    CUSTOMER = "customer", _("Customer")
    PROSPECT = "prospect", _("Prospect / lead")
    SUPPLIER = "supplier", _("Supplier")
    PRESCRIBER = "prescriber", _("Prescriber")
    PARTNER = "partner", _("Partner")
    OTHER = "other", _("Other")


class EntityKind(ClassificationValue):
    meaning = models.CharField(
        _("meaning"), max_length=20, choices=KindMeaning.choices, default=KindMeaning.OTHER
    )

    class Meta(ClassificationValue.Meta):
        verbose_name = _("entity kind")
        verbose_name_plural = _("entity kinds")


class Source(ClassificationValue):
    class Meta(ClassificationValue.Meta):
        verbose_name = _("source")
        verbose_name_plural = _("sources")


class Sector(ClassificationValue):
    class Meta(ClassificationValue.Meta):
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")


class Zone(ClassificationValue):
    class Meta(ClassificationValue.Meta):
        verbose_name = _("zone")
        verbose_name_plural = _("zones")


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class Entity(OwnedModel, CustomFieldsModel):
    """A third party: a company or a person the company relates to."""

    custom_fields_target: ClassVar[str] = Target.ENTITY

    kind = models.ForeignKey(EntityKind, verbose_name=_("kind"), on_delete=models.PROTECT)
    is_company = models.BooleanField(_("company"), default=True)
    legal_name = models.CharField(_("legal name"), max_length=200)
    trade_name = models.CharField(_("trade name"), max_length=200, blank=True)
    # Normalised (compact, upper case, with the EU country prefix for VAT numbers).
    tax_id = models.CharField(_("tax id"), max_length=20, blank=True)
    website = models.URLField(_("website"), max_length=300, blank=True)
    source = models.ForeignKey(
        Source, verbose_name=_("source"), on_delete=models.PROTECT, null=True, blank=True
    )
    sector = models.ForeignKey(
        Sector, verbose_name=_("sector"), on_delete=models.PROTECT, null=True, blank=True
    )
    zone = models.ForeignKey(
        Zone, verbose_name=_("zone"), on_delete=models.PROTECT, null=True, blank=True
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="entities")
    is_active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True)
    # Lower-case names, tax id, emails, phones and contact names, kept by the services:
    # one column to search instead of five joins.
    search_text = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["search_text", "updated_at"])

    class Meta:
        ordering = ["legal_name", "id"]
        verbose_name = _("entity")
        verbose_name_plural = _("entities")
        constraints = [
            models.UniqueConstraint(
                fields=["tax_id"], condition=~models.Q(tax_id=""), name="entity_tax_id_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["legal_name", "id"], name="entity_name_idx"),
            models.Index(fields=["owner", "legal_name"], name="entity_owner_idx"),
            models.Index(fields=["team", "legal_name"], name="entity_team_idx"),
            models.Index(fields=["kind", "legal_name"], name="entity_kind_idx"),
            models.Index(fields=["-updated_at"], name="entity_updated_idx"),
        ]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("entities:detail", args=[self.pk])

    @property
    def display_name(self) -> str:
        return self.trade_name or self.legal_name


class Address(models.Model):
    class Kind(models.TextChoices):
        MAIN = "main", _("Main")
        BILLING = "billing", _("Billing")
        DELIVERY = "delivery", _("Delivery")
        OTHER = "other", _("Other")

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="addresses")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.MAIN)
    street = models.CharField(_("street"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    province = models.CharField(_("province"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="ES")
    is_main = models.BooleanField(_("main address"), default=False)

    class Meta:
        ordering = ["-is_main", "id"]
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        constraints = [
            models.UniqueConstraint(
                fields=["entity"],
                condition=models.Q(is_main=True),
                name="one_main_address_per_entity",
            ),
        ]

    def __str__(self) -> str:
        parts = [self.street, f"{self.postal_code} {self.city}".strip(), self.province]
        return ", ".join(p for p in parts if p)


class Contact(CustomFieldsModel):
    """A person at an entity, through whom the relation is personalised."""

    custom_fields_target: ClassVar[str] = Target.CONTACT
    # Visibility follows the entity's owner and team (see relata.core.permissions).
    PERMISSION_PARENT: ClassVar[str] = "entity"

    entity = models.ForeignKey(
        Entity, verbose_name=_("entity"), on_delete=models.CASCADE, related_name="contacts"
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    job_title = models.CharField(_("job title"), max_length=100, blank=True)
    department = models.CharField(_("department"), max_length=100, blank=True)
    language = models.CharField(
        _("preferred language"),
        max_length=8,
        blank=True,
        choices=[
            ("es", "Español"),
            ("en", "English"),
            ("ca", "Català"),
            ("eu", "Euskara"),
            ("gl", "Galego"),
            ("pt", "Português"),
            ("fr", "Français"),
            ("de", "Deutsch"),
        ],
    )
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    email_opt_in = models.BooleanField(_("accepts marketing email"), default=False)
    email_opt_in_at = models.DateTimeField(_("opt-in date"), null=True, blank=True)
    email_opt_in_source = models.CharField(_("opt-in source"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [models.Index(fields=["entity", "last_name"], name="contact_entity_idx")]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("entities:contact_detail", args=[self.pk])

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class ContactPoint(models.Model):
    """Base of an email address or phone number of an entity or of one of its contacts."""

    # Both set for a contact's (the entity is then the contact's entity), so that the
    # entity's ``emails``/``phones`` hold every address of the relation; ``contact`` empty
    # for the entity's own.
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE)
    # Indexed only where set (see the subclasses): an index on a column that is mostly
    # NULL lures the planner away from the entity index in list prefetches.
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, null=True, blank=True, db_index=False
    )
    label = models.CharField(_("label"), max_length=50, blank=True)
    is_main = models.BooleanField(_("main"), default=False)

    class Meta:
        abstract = True
        ordering = ["-is_main", "id"]


class EmailAddress(ContactPoint):
    email = EmailAddressField(_("email"))

    class Meta(ContactPoint.Meta):
        verbose_name = _("email address")
        verbose_name_plural = _("email addresses")
        default_related_name = "emails"
        indexes = [
            models.Index(Lower("email"), name="email_lower_idx"),
            models.Index(
                fields=["contact"],
                condition=models.Q(contact__isnull=False),
                name="email_contact_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.email


class PhoneNumber(ContactPoint):
    number = models.CharField(_("phone"), max_length=32, help_text=_("E.164, e.g. +34912345678"))

    class Meta(ContactPoint.Meta):
        verbose_name = _("phone number")
        verbose_name_plural = _("phone numbers")
        default_related_name = "phones"
        indexes = [
            models.Index(fields=["number"], name="phone_number_idx"),
            models.Index(
                fields=["contact"],
                condition=models.Q(contact__isnull=False),
                name="phone_contact_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class EntityMerge(models.Model):
    """The audit entry of a merge: which entity was folded into which, by whom, and what
    it held, so that the merge can be understood (and undone by hand) later."""

    survivor = models.ForeignKey(
        Entity, verbose_name=_("kept entity"), on_delete=models.CASCADE, related_name="merges"
    )
    merged_id = models.PositiveBigIntegerField(_("id of the merged entity"))
    merged_name = models.CharField(_("name of the merged entity"), max_length=200)
    snapshot = models.JSONField(_("merged entity's data"), default=dict)
    merged_by = models.ForeignKey(
        "core.User",
        verbose_name=_("merged by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    merged_at = models.DateTimeField(_("merged at"), auto_now_add=True)

    class Meta:
        ordering = ["-merged_at"]
        verbose_name = _("entity merge")
        verbose_name_plural = _("entity merges")

    def __str__(self) -> str:
        return f"{self.merged_name} → {self.survivor}"


class Segment(OwnedModel):
    """A saved, dynamic selection of entities [segmento]: re-evaluated every time it is used.

    ``definition`` is the condition tree of the segment builder (see
    :mod:`relata.entities.segments`); the owner sees the segment, and so does its team when
    one is set (sharing).
    """

    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    definition = models.JSONField(_("conditions"), default=dict)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("entities:entities_segments:detail", args=[self.pk])
