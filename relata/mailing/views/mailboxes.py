"""Settings → Mailboxes (administrators): list, create, edit, test the connection, poll now."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from relata.cases.models import CaseType
from relata.core import permissions
from relata.core.forms import StyledFormMixin, apply_service_errors
from relata.core.models import Team
from relata.core.types import AuthenticatedHttpRequest
from relata.mailing.inbound import services
from relata.mailing.models import Mailbox


class MailboxForm(StyledFormMixin, forms.ModelForm):
    # Write-only: the stored password is never sent back to the browser.
    password = forms.CharField(
        label=gettext_lazy("Password"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy("Leave empty to keep the saved password."),
    )

    class Meta:
        model = Mailbox
        fields = [
            "name", "kind", "is_active", "protocol", "host", "port", "security", "username",
            "folder", "after_read", "move_to", "tls_verify", "tls_trusted_certificate",
            "log_known", "known_contact_case_type", "unknown_sender_action", "unknown_case_type",
            "assign_team",
        ]  # fmt: skip
        widgets = {"tls_trusted_certificate": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        types = CaseType.objects.filter(is_active=True).order_by("order", "pk")
        self.fields["known_contact_case_type"].queryset = types  # type: ignore[attr-defined]
        self.fields["unknown_case_type"].queryset = types  # type: ignore[attr-defined]
        self.fields["assign_team"].queryset = Team.objects.filter(is_active=True)  # type: ignore[attr-defined]
        if self.instance.pk is None:
            self.fields["password"].required = True
            self.fields["password"].help_text = ""

    def _post_clean(self) -> None:
        """The service validates and saves (see mailbox_create/mailbox_update)."""


def _admin(request: AuthenticatedHttpRequest) -> None:
    if not permissions.can_configure(request.user):
        raise PermissionDenied


@login_required
@require_GET
def mailbox_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    _admin(request)
    return render(
        request,
        "mailing/mailboxes/list.html",
        {"mailboxes": Mailbox.objects.select_related("assign_team").order_by("name")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def mailbox_form(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    _admin(request)
    mailbox = get_object_or_404(Mailbox, pk=pk) if pk else None
    form = MailboxForm(request.POST or None, instance=mailbox)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            if mailbox is None:
                mailbox = services.mailbox_create(user=request.user, data=data)
            else:
                services.mailbox_update(user=request.user, mailbox=mailbox, data=data)
        except ValidationError as error:
            if mailbox is not None and mailbox.pk is None:
                mailbox = None
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The mailbox is saved."))
            return redirect("mailing:mailbox_edit", pk=mailbox.pk)
    return render(request, "mailing/mailboxes/form.html", {"form": form, "mailbox": mailbox})


@login_required
@require_POST
def mailbox_check(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _admin(request)
    mailbox = get_object_or_404(Mailbox, pk=pk)
    ok, text = services.mailbox_check(user=request.user, mailbox=mailbox)
    if ok:
        messages.success(request, text)
    else:
        messages.error(request, _("The connection failed: %(error)s") % {"error": text})
    return redirect("mailing:mailbox_edit", pk=mailbox.pk)


@login_required
@require_POST
def mailbox_poll(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _admin(request)
    mailbox = get_object_or_404(Mailbox, pk=pk)
    result = services.mailbox_poll_now(user=request.user, mailbox=mailbox)
    if result is None:
        messages.warning(request, _("The mailbox is being read right now; try again shortly."))
    elif result.error:
        messages.error(
            request, _("Reading the mailbox failed: %(error)s") % {"error": result.error}
        )
    else:
        messages.success(
            request,
            _("%(stored)s new messages (%(fetched)s read, %(duplicates)s already stored).")
            % {"stored": result.stored, "fetched": result.fetched, "duplicates": result.duplicates},
        )
    if request.POST.get("next") == "list":
        return redirect("mailing:mailboxes")
    return redirect("mailing:mailbox_edit", pk=mailbox.pk)
