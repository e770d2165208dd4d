"""Marketing campaigns [campañas].

For now a campaign is what cases and the board are filtered by: a name, a code and its
dates, and optionally the segment it is aimed at (``target_segment``), whose contacts a
"send email to targets" writes to (see :mod:`relata.mailing.views.compose`; the queued
emails carry the campaign). Budgets, generated actions and ROI come with the campaigns issue
and extend this model rather than replace it.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Campaign(models.Model):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_on = models.DateField(_("starts"), null=True, blank=True)
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # PROTECT: a segment that a campaign is aimed at must not disappear and leave the
    # campaign without targets unnoticed (SET_NULL would do that with no history row);
    # deleting it means choosing another target (or none) on the campaign first.
    target_segment = models.ForeignKey(
        "entities.Segment",
        verbose_name=_("target segment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="campaigns",
        help_text=_("The entities the campaign is aimed at; their contacts receive its emails."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        ordering = ["-starts_on", "name"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The campaign cannot end before it starts.")})
