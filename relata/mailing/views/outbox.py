"""The outbox: every message the user may see, its status per recipient, and re-sending."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from relata.core import permissions
from relata.core.types import AuthenticatedHttpRequest
from relata.mailing import selectors, services
from relata.mailing.forms import PAGE_SIZE, OutboxFilterForm
from relata.mailing.models import OutgoingEmail


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def email_or_404(request: AuthenticatedHttpRequest, pk: int) -> OutgoingEmail:
    try:
        return selectors.email_get(user=request.user, pk=pk)
    except OutgoingEmail.DoesNotExist as error:
        raise Http404 from error


@login_required
@require_GET
def outbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = OutboxFilterForm(request.GET)
    form.is_valid()
    data: dict[str, Any] = getattr(form, "cleaned_data", {})
    batch = request.GET.get("batch", "")
    emails = selectors.email_list(
        user=request.user,
        status=data.get("status") or "",
        entity=_int(request.GET.get("entity")),
        contact=_int(request.GET.get("contact")),
        case=_int(request.GET.get("case")),
        batch=batch if len(batch) in (32, 36) else "",
        search=(data.get("q") or "").strip(),
        mine=bool(data.get("mine")),
    )
    page = Paginator(emails, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page_obj": page,
        "can_write": permissions.can_write(request.user),
        "filtered": any(request.GET.get(k) for k in ("q", "status", "mine", "entity", "batch")),
    }
    rows_only = request.htmx and request.htmx.target == "email-rows"
    template = "mailing/outbox.html#rows" if rows_only else "mailing/outbox.html"
    return render(request, template, context)


@login_required
@require_GET
def email_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    email = email_or_404(request, pk)
    return render(
        request,
        "mailing/email_detail.html",
        {
            "email": email,
            "attachments": list(email.attachments.all()),
            "can_retry": permissions.can_write(request.user) and email.status in services.RETRYABLE,
        },
    )


@login_required
@require_POST
def email_retry(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    email = email_or_404(request, pk)
    try:
        services.email_retry(user=request.user, email=email)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The message is queued again."))
    return redirect("mailing:detail", pk=email.pk)
