"""Forms of the mailing pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from relata.campaigns.models import Campaign
from relata.campaigns.selectors import campaigns
from relata.core.forms import StyledFormMixin
from relata.mailing.models import EmailStatus, EmailTemplate

PAGE_SIZE = 50


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)] if data else []


class TemplateForm(StyledFormMixin, forms.ModelForm):
    new_attachments = MultipleFileField(
        label=_("Add attachments"),
        help_text=_("Sent with every message made from this template."),
    )

    class Meta:
        model = EmailTemplate
        fields = ["name", "language", "purpose", "subject", "body_html", "body_text", "is_active"]
        widgets = {
            "body_html": forms.Textarea(attrs={"rows": 14, "class": "font-monospace"}),
            "body_text": forms.Textarea(attrs={"rows": 8, "class": "font-monospace"}),
        }

    def validate_unique(self) -> None:
        """The service checks everything when it saves (sandbox included)."""


class ComposeForm(StyledFormMixin, forms.Form):
    template = forms.ModelChoiceField(
        label=_("Template"), queryset=EmailTemplate.objects.none(), required=False
    )
    subject = forms.CharField(label=_("Subject"), max_length=300)
    body_html = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 12, "class": "font-monospace"}),
        help_text=_("HTML; placeholders such as {{ contact.first_name }} are filled in."),
    )
    body_text = forms.CharField(
        label=_("Plain-text version"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "class": "font-monospace"}),
        help_text=_("Leave empty to make it from the message."),
    )
    is_marketing = forms.BooleanField(
        label=_("Marketing email"),
        required=False,
        help_text=_("Only to contacts who accept it, with an unsubscribe link."),
    )
    attachments = MultipleFileField(label=_("Attachments"))
    campaign = forms.ModelChoiceField(
        label=_("Campaign"),
        queryset=Campaign.objects.none(),
        required=False,
        empty_label=_("No campaign"),
        help_text=_("The emails are recorded as the campaign's."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        template_field = self.fields["template"]
        assert isinstance(template_field, forms.ModelChoiceField)
        template_field.queryset = EmailTemplate.objects.filter(is_active=True).order_by(
            "name", "language"
        )
        campaign_field = self.fields["campaign"]
        assert isinstance(campaign_field, forms.ModelChoiceField)
        # Only segment sends show it; a campaign's own page fixes the campaign instead.
        campaign_field.queryset = campaigns(active_only=True)


class OutboxFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *EmailStatus.choices]
    )
    mine = forms.BooleanField(label=_("Sent by me"), required=False)
