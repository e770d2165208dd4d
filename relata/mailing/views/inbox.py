"""The inbox: received messages (administrators see all; others those linked to what they see)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from relata.core import permissions
from relata.core.forms import StyledFormMixin
from relata.core.types import AuthenticatedHttpRequest
from relata.mailing.inbound import services
from relata.mailing.models import InboundAttachment, InboundMessage, InboundStatus, Mailbox


class InboxFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(label=gettext_lazy("Search"), required=False)
    mailbox = forms.ModelChoiceField(
        label=gettext_lazy("Mailbox"),
        queryset=Mailbox.objects.order_by("name"),
        required=False,
        empty_label=gettext_lazy("Any mailbox"),
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("Any status")), *InboundStatus.choices],
    )
    linked = forms.ChoiceField(
        label=gettext_lazy("Linked"),
        required=False,
        choices=[
            ("", gettext_lazy("Linked or not")),
            ("yes", gettext_lazy("Linked to a record")),
            ("no", gettext_lazy("Not linked")),
        ],
    )


@login_required
@require_GET
def inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = InboxFilterForm(request.GET or None)
    qs = services.received_queryset(request.user)
    filtered = False
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            qs = qs.filter(
                Q(subject__icontains=data["q"]) | Q(from_address__icontains=data["q"])
                | Q(from_name__icontains=data["q"])
            )  # fmt: skip
        if data["mailbox"]:
            qs = qs.filter(mailbox=data["mailbox"])
        if data["status"]:
            qs = qs.filter(status=data["status"])
        if data["linked"] == "yes":
            qs = qs.filter(Q(entity__isnull=False) | Q(case__isnull=False))
        elif data["linked"] == "no":
            qs = qs.filter(entity__isnull=True, case__isnull=True)
        filtered = any(data.values())
    page = Paginator(qs.order_by("-received_at", "-pk"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "mailing/inbox/list.html",
        {
            "form": form,
            "page_obj": page,
            "filtered": filtered,
            "is_admin": permissions.is_administrator(request.user),
        },
    )


def _visible(request: AuthenticatedHttpRequest, pk: int) -> InboundMessage:
    message = services.received_queryset(request.user).filter(pk=pk).first()
    if message is None:
        raise Http404
    return message


@login_required
@require_GET
def message_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    message = _visible(request, pk)
    user = request.user
    return render(
        request,
        "mailing/inbox/detail.html",
        {
            "message": message,
            "attachments": list(message.attachments.all()),
            "entity": message.entity
            if message.entity and permissions.can_view(user, message.entity)
            else None,
            "contact": message.contact
            if message.entity and message.contact and permissions.can_view(user, message.entity)
            else None,
            "case": message.case
            if message.case and permissions.can_view(user, message.case)
            else None,
            "action": message.action
            if message.action and permissions.can_view(user, message.action)
            else None,
            "is_admin": permissions.is_administrator(user),
        },
    )


@login_required
@require_GET
def attachment_download(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    attachment = get_object_or_404(InboundAttachment, pk=pk)
    _visible(request, attachment.message_id)
    if not attachment.file:
        raise Http404
    # Always as a download with a neutral type: the content comes from a stranger.
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.filename or "attachment",
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def message_raw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    message = _visible(request, pk)
    if not permissions.is_administrator(request.user):
        raise PermissionDenied
    return FileResponse(
        message.raw.open("rb"),
        as_attachment=True,
        filename=f"message-{message.pk}.eml",
        content_type="message/rfc822",
    )


@login_required
@require_POST
def message_retry(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    message = _visible(request, pk)
    status = services.message_retry(user=request.user, message=message)
    if status == InboundStatus.FAILED:
        message.refresh_from_db()
        messages.error(request, _("The rules failed again: %(error)s") % {"error": message.error})
    else:
        messages.success(request, _("The rules were applied again."))
    return redirect("mailing:inbox_detail", pk=message.pk)
