"""Forms of the sales settings page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from relata.core.forms import StyledFormMixin, UserChoiceField
from relata.core.models import Role, Team, User
from relata.sales.models import WebhookEvent


class LinkSettingForm(StyledFormMixin, forms.Form):
    creates_entity = forms.BooleanField(
        label=_("Creating a record creates a CRM entity"), required=False
    )
    default_owner = UserChoiceField(
        label=_("Owner of the entities created"),
        queryset=User.objects.filter(is_active=True).order_by("first_name", "username"),
        required=False,
    )
    default_team = forms.ModelChoiceField(
        label=_("Team of the entities created"),
        queryset=Team.objects.filter(is_active=True).order_by("name"),
        required=False,
    )


class TokenForm(StyledFormMixin, forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What the token is for, e.g. the ERP's name.")
    )
    acts_as = UserChoiceField(
        label=_("Acts as"),
        queryset=User.objects.filter(is_active=True, role=Role.ADMINISTRATOR).order_by("username"),
        required=False,
        help_text=_("The administrator its changes are recorded as (default: you)."),
    )


class WebhookForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )
