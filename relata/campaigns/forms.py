"""Forms of the campaign pages; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from relata.campaigns.models import Campaign
from relata.campaigns.services import CAMPAIGN_FIELDS
from relata.core.forms import DateInput, StyledFormMixin


class CampaignForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Campaign
        fields = list(CAMPAIGN_FIELDS)
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "starts_on": DateInput(),
            "ends_on": DateInput(),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = _(
            "Letters, digits, hyphens and underscores, for example spring-fair-2026."
        )

    def _post_clean(self) -> None:
        # The service validates the model; the form only checks its inputs.
        pass
