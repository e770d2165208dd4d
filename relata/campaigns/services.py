"""Writes for campaigns.

Who may write: administrators and managers. Campaigns are marketing work that a sales or
marketing manager runs without being an administrator of the CRM; agents and read-only
users only choose an existing campaign on a case. :func:`can_manage` is the rule, used by
the pages too. A newly chosen target segment must be one the user may use (a target that
another manager chose stays when the campaign is saved).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from relata.campaigns.models import Campaign
from relata.core import permissions
from relata.core.history import set_history_user
from relata.core.models import Role, User
from relata.entities.segments.selectors import segment_list

CAMPAIGN_FIELDS = (
    "code",
    "name",
    "description",
    "starts_on",
    "ends_on",
    "is_active",
    "target_segment",
)


def can_manage(user: User) -> bool:
    """Return whether ``user`` may create and change campaigns (administrators, managers)."""
    return permissions.can_configure(user) or (
        permissions.can_write(user) and user.role == Role.MANAGER
    )


def _save(user: User, campaign: Campaign, data: dict[str, Any]) -> Campaign:
    permissions.ensure(can_manage(user))
    previous_segment_id = campaign.target_segment_id
    for name, value in data.items():
        if name in CAMPAIGN_FIELDS:
            setattr(campaign, name, value.strip() if isinstance(value, str) else value)
    errors: dict[str, str] = {}
    if not campaign.name:
        errors["name"] = _("Enter the campaign's name.")
    if (
        campaign.code
        and Campaign.objects.exclude(pk=campaign.pk).filter(code=campaign.code).exists()
    ):
        errors["code"] = _("Another campaign already has the code “%(code)s”.") % {
            "code": campaign.code
        }
    if campaign.starts_on and campaign.ends_on and campaign.ends_on < campaign.starts_on:
        errors["ends_on"] = _("The campaign cannot end before it starts.")
    segment_id = campaign.target_segment_id
    if (
        segment_id is not None
        and segment_id != previous_segment_id
        and not segment_list(user=user).filter(pk=segment_id).exists()
    ):
        # Keeping a target someone else chose is fine; choosing one needs seeing it.
        errors["target_segment"] = _("Choose one of the segments you may use.")
    if errors:
        raise ValidationError(errors)
    campaign.full_clean()
    set_history_user(campaign, user)
    campaign.save()
    return campaign


@transaction.atomic
def campaign_create(*, user: User, data: dict[str, Any]) -> Campaign:
    """Create a campaign from the fields of :data:`CAMPAIGN_FIELDS`."""
    return _save(user, Campaign(), data)


@transaction.atomic
def campaign_update(*, user: User, campaign: Campaign, data: dict[str, Any]) -> Campaign:
    """Change a campaign; campaigns are switched off, never deleted (cases point at them)."""
    return _save(user, campaign, data)
