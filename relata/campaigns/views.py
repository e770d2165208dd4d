"""Campaign pages: the list and the form. Administrators and managers only
(:func:`relata.campaigns.services.can_manage`); everyone else gets 403."""

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
from relata.core.types import AuthenticatedHttpRequest
from relata.entities.forms.common import apply_service_errors

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
    return render(
        request,
        "campaigns/campaign_list.html",
        {"page_obj": page, "can_manage": services.can_manage(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_edit(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    _forbid_unless(services.can_manage(request.user))
    campaign = get_object_or_404(Campaign, pk=pk) if pk else None
    form = CampaignForm(request.POST or None, instance=campaign)
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
