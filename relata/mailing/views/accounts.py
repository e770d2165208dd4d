"""Settings → Sending accounts (administrators): list, create, edit, delete, test connection."""

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

from relata.core import permissions
from relata.core.forms import StyledFormMixin, apply_service_errors, user_label
from relata.core.models import User
from relata.core.types import AuthenticatedHttpRequest
from relata.mailing import senders
from relata.mailing.models import SendingAccount


class UsersField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return user_label(obj)


class SendingAccountForm(StyledFormMixin, forms.ModelForm):
    # Write-only: the stored password is never sent back to the browser.
    password = forms.CharField(
        label=gettext_lazy("Password"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy("Leave empty to keep the saved password."),
    )
    users = UsersField(
        label=gettext_lazy("Users who send through this account"),
        queryset=User.objects.filter(is_active=True).order_by("first_name", "last_name", "pk"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=gettext_lazy(
            "Everyone else uses the default account. A user has one account: choosing them "
            "here takes them from another."
        ),
    )

    class Meta:
        model = SendingAccount
        fields = [
            "name", "host", "port", "security", "username", "from_email", "own_address_domain",
            "is_default", "is_active", "timeout",
        ]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["users"].initial = list(
                self.instance.assignments.values_list("user_id", flat=True)
            )

    def _post_clean(self) -> None:
        """The service validates and saves (see senders.account_create/account_update)."""


def _admin(request: AuthenticatedHttpRequest) -> None:
    if not permissions.can_configure(request.user):
        raise PermissionDenied


@login_required
@require_GET
def account_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    _admin(request)
    accounts = SendingAccount.objects.prefetch_related("assignments__user").order_by("name")
    return render(request, "mailing/accounts/list.html", {"accounts": accounts})


@login_required
@require_http_methods(["GET", "POST"])
def account_form(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    _admin(request)
    account = get_object_or_404(SendingAccount, pk=pk) if pk else None
    form = SendingAccountForm(request.POST or None, instance=account)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            if account is None:
                account = senders.account_create(user=request.user, data=data)
            else:
                senders.account_update(user=request.user, account=account, data=data)
        except ValidationError as error:
            if account is not None and account.pk is None:
                account = None
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The sending account is saved."))
            return redirect("mailing:account_edit", pk=account.pk)
    return render(request, "mailing/accounts/form.html", {"form": form, "account": account})


@login_required
@require_POST
def account_check(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _admin(request)
    account = get_object_or_404(SendingAccount, pk=pk)
    ok, text = senders.account_check(user=request.user, account=account)
    if ok:
        messages.success(request, text)
    else:
        messages.error(request, _("The connection failed: %(error)s") % {"error": text})
    return redirect("mailing:account_edit", pk=account.pk)


@login_required
@require_POST
def account_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _admin(request)
    account = get_object_or_404(SendingAccount, pk=pk)
    senders.account_delete(user=request.user, account=account)
    messages.success(request, _("The sending account is deleted."))
    return redirect("mailing:accounts")
