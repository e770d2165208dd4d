"""The product catalogue: families and products that opportunities are quoted in.

The catalogue is shared with the ERP's sales side: ``external_id`` is the ERP's key, so the
integration can upsert the same rows that CRM users pick on an opportunity's lines.
Products are switched off, never deleted, because old case lines keep pointing at them.
"""

from __future__ import annotations

import decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from relata.core.localized import localized


class ProductFamily(models.Model):
    """A family of products [familia], used to group lines, sales and the forecast."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_es = models.CharField(_("name (Spanish)"), max_length=100, blank=True)
    external_id = models.CharField(
        _("external id"), max_length=100, unique=True, null=True, blank=True
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "name_en"]
        verbose_name = _("product family")
        verbose_name_plural = _("product families")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self.name_en, self.name_es)


class Product(models.Model):
    """A product or service of the catalogue, with its list price."""

    code = models.CharField(_("code"), max_length=50, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_es = models.CharField(_("name (Spanish)"), max_length=200, blank=True)
    family = models.ForeignKey(
        ProductFamily,
        verbose_name=_("family"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="products",
    )
    description = models.TextField(_("description"), blank=True)
    unit_price = models.DecimalField(
        _("unit price"),
        max_digits=14,
        decimal_places=2,
        default=decimal.Decimal("0.00"),
        validators=[MinValueValidator(decimal.Decimal("0"))],
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    external_id = models.CharField(
        _("external id"), max_length=100, unique=True, null=True, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        ordering = ["name_en", "pk"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(unit_price__gte=0), name="product_price_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    @property
    def name(self) -> str:
        return localized(self.name_en, self.name_es)
