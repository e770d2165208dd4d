"""Settings → Sales (ERP): master linking and integration tokens (administrators only)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relata.core import permissions
from relata.core.forms import apply_service_errors
from relata.core.types import AuthenticatedHttpRequest
from relata.sales import webhooks
from relata.sales.forms import LinkSettingForm, TokenForm, WebhookForm
from relata.sales.linking import link_setting, link_setting_update
from relata.sales.models import IntegrationToken, Master, WebhookDeliveryStatus, WebhookEndpoint
from relata.sales.tokens import integration_token_create, integration_token_revoke


def _admin_only(request: AuthenticatedHttpRequest) -> None:
    if not permissions.can_configure(request.user):
        raise PermissionDenied


def _page(
    request: AuthenticatedHttpRequest,
    *,
    token_form: TokenForm | None = None,
    new_token: str = "",
    webhook_form: WebhookForm | None = None,
    new_secret: str = "",
    status: int = 200,
) -> HttpResponse:
    masters = []
    for master in Master:
        setting = link_setting(master)
        form = LinkSettingForm(
            prefix=master.value,
            initial={
                "creates_entity": setting.creates_entity,
                "default_owner": setting.default_owner_id,
                "default_team": setting.default_team_id,
            },
        )
        masters.append({"master": master, "form": form})
    return render(
        request,
        "sales/settings.html",
        {
            "masters": masters,
            "tokens": IntegrationToken.objects.select_related("acts_as").order_by(
                "-is_active", "-created_at"
            ),
            "token_form": token_form or TokenForm(),
            "new_token": new_token,
            "endpoints": WebhookEndpoint.objects.annotate(
                delivered=Count(
                    "deliveries", filter=Q(deliveries__status=WebhookDeliveryStatus.DELIVERED)
                ),
                failed=Count(
                    "deliveries", filter=Q(deliveries__status=WebhookDeliveryStatus.FAILED)
                ),
                pending=Count(
                    "deliveries", filter=Q(deliveries__status=WebhookDeliveryStatus.PENDING)
                ),
            ).order_by("-is_active", "name"),
            "webhook_form": webhook_form or WebhookForm(),
            "new_secret": new_secret,
        },
        status=status,
    )


@login_required
def settings_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    _admin_only(request)
    return _page(request)


@login_required
@require_POST
def link_setting_save(request: AuthenticatedHttpRequest, master: str) -> HttpResponse:
    _admin_only(request)
    if master not in Master.values:
        raise Http404
    form = LinkSettingForm(request.POST, prefix=master)
    if form.is_valid():
        link_setting_update(user=request.user, master=master, **form.cleaned_data)
        messages.success(
            request,
            _("The linking of %(master)s was saved.") % {"master": Master(master).label.lower()},
        )
    return redirect("sales:settings")


@login_required
@require_POST
def token_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    _admin_only(request)
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            _token, raw = integration_token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                acts_as=form.cleaned_data["acts_as"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            # Shown once, in this answer only: the database keeps just its digest.
            return _page(request, new_token=raw)
    return _page(request, token_form=form, status=400)


@login_required
@require_POST
def token_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    token = get_object_or_404(IntegrationToken, pk=pk)
    integration_token_revoke(user=request.user, token=token)
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("sales:settings")


@login_required
@require_POST
def webhook_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    _admin_only(request)
    form = WebhookForm(request.POST)
    if form.is_valid():
        try:
            endpoint = webhooks.endpoint_create(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return _page(request, new_secret=endpoint.secret)
    return _page(request, webhook_form=form, status=400)


@login_required
@require_POST
def webhook_deactivate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    webhooks.endpoint_deactivate(user=request.user, endpoint=endpoint)
    messages.success(
        request, _("The webhook “%(name)s” was deactivated.") % {"name": endpoint.name}
    )
    return redirect("sales:settings")
