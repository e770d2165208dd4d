"""A business-card scan: the photo, what was read from it, and the contact it became."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class CardScan(models.Model):
    """One uploaded card picture and its recognition.

    A scan is private to the user who made it until it becomes a contact; from then on
    whoever may see the contact may see its card (see :mod:`relata.cards.selectors`).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be read")
        RUNNING = "running", _("Reading")
        DONE = "done", _("Read, to be checked")
        FAILED = "failed", _("Could not be read")
        SAVED = "saved", _("Saved as a contact")

    image = models.FileField(_("card picture"), upload_to="cards/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    # {"fields": {...}, "source": "ocr"|"qr", "text": "...", "qr": "...", "notes": {...}}
    result = models.JSONField(_("recognition result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("scanned by"),
        on_delete=models.CASCADE,
        related_name="card_scans",
    )
    contact = models.ForeignKey(
        "entities.Contact",
        verbose_name=_("contact"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="card_scans",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("card scan")
        verbose_name_plural = _("card scans")
        indexes = [
            models.Index(fields=["created_by", "-created_at"], name="cardscan_user_idx"),
        ]

    def __str__(self) -> str:
        return self.original_name or f"#{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("cards:detail", args=[self.pk])

    @property
    def fields(self) -> dict:
        return dict(self.result.get("fields", {}))

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED, self.Status.SAVED)
