"""Campaign pages: the list (every user) and the form (administrators and managers only,
:func:`relata.campaigns.services.can_manage`; everyone else gets 403). The list links each
campaign's target segment and offers "Send email to targets" (``/email/compose/?campaign=``)
to users who may write and may use that segment."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from relata.campaigns import selectors, services
from relata.campaigns.forms import CampaignForm
from relata.campaigns.models import Campaign
from relata.core import permissions
from relata.core.types import AuthenticatedHttpRequest
from relata.entities.forms.common import apply_service_errors
from relata.entities.segments.selectors import segment_list

PAGE_SIZE = 25


def _forbid_unless(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


@login_required
@require_GET
def campaign_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every user may read the campaigns (cases and the forecast filter by them); only
    administrators and managers add or change them."""
    page = Paginator(selectors.campaign_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    targets = {c.target_segment_id for c in page if c.target_segment_id is not None}
    # One query for the page: which target segments this user may open (and send to).
    usable = set(
        segment_list(user=request.user).filter(pk__in=targets).values_list("pk", flat=True)
    )
    return render(
        request,
        "campaigns/campaign_list.html",
        {
            "page_obj": page,
            "can_manage": services.can_manage(request.user),
            "can_send": permissions.can_write(request.user),
            "usable_segments": usable,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_edit(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    _forbid_unless(services.can_manage(request.user))
    campaign = get_object_or_404(Campaign, pk=pk) if pk else None
    form = CampaignForm(request.POST or None, instance=campaign, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            if campaign is None:
                campaign = services.campaign_create(user=request.user, data=form.cleaned_data)
            else:
                # Re-read: a refused change must not leave the form's copy half changed.
                campaign = services.campaign_update(
                    user=request.user,
                    campaign=Campaign.objects.get(pk=campaign.pk),
                    data={k: v for k, v in form.cleaned_data.items() if k in form.changed_data},
                )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("“%(name)s” was saved.") % {"name": campaign.name})
            return redirect("campaigns:campaign_list")
    return render(request, "campaigns/campaign_form.html", {"form": form, "campaign": campaign})
