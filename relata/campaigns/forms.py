"""Forms of the campaign pages; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from relata.campaigns.models import Campaign
from relata.campaigns.services import CAMPAIGN_FIELDS
from relata.core.forms import DateInput, StyledFormMixin
from relata.core.models import User
from relata.entities.models import Segment
from relata.entities.segments.selectors import segment_list


class CampaignForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Campaign
        fields = list(CAMPAIGN_FIELDS)
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "starts_on": DateInput(),
            "ends_on": DateInput(),
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = _(
            "Letters, digits, hyphens and underscores, for example spring-fair-2026."
        )
        segment = self.fields["target_segment"]
        assert isinstance(segment, forms.ModelChoiceField)
        # The segments the user may use, and the campaign's own even when another
        # manager chose one this user cannot see (so that saving keeps it).
        allowed = Q(pk__in=segment_list(user=user).values("pk"))
        if self.instance.target_segment_id is not None:
            allowed |= Q(pk=self.instance.target_segment_id)
        segment.queryset = Segment.objects.filter(allowed).order_by("name", "pk")
        segment.empty_label = _("No target segment")
        segment.help_text = _(
            "Its entities' contacts receive the campaign's emails (Send email to targets). "
            "Only the segments you may use are listed."
        )

    def _post_clean(self) -> None:
        # The service validates the model; the form only checks its inputs.
        pass
