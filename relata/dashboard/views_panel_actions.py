"""The control panel's write fragments: complete (and plan the next), reschedule, reassign
in bulk, quick-add an action or an opportunity.

Each form is loaded by htmx into the panel's modal and posted back there. An invalid
input or a refusal re-renders the form (status 200) with the reason; a success answers
with a short confirmation and the ``panelChanged`` event (the lists and counters reload)
and ``panelClose`` (the modal closes). Without htmx, a success redirects to the panel.
Read-only users get 403 from every one of them.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from relata.actions import services as action_services
from relata.actions.forms import BulkReassignForm, CompleteForm, can_bulk_reassign
from relata.actions.models import Action, ActionStatus
from relata.actions.selectors import action_get, action_queryset
from relata.cases import services as case_services
from relata.cases.models import CaseType
from relata.core import permissions
from relata.core.types import AuthenticatedHttpRequest
from relata.dashboard.forms_panel import QuickActionForm, QuickOpportunityForm, RescheduleForm
from relata.entities.forms.common import apply_service_errors

MAX_BULK = 500


def _forbid_unless(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _action(request: AuthenticatedHttpRequest, pk: int) -> Action:
    """Return a visible action the user may change (404 when invisible, 403 otherwise)."""
    _forbid_unless(permissions.can_write(request.user))
    try:
        action = action_get(user=request.user, pk=pk)
    except Action.DoesNotExist as error:
        raise Http404 from error
    _forbid_unless(permissions.can_change(request.user, action))
    return action


def done(request: AuthenticatedHttpRequest, message: str) -> HttpResponse:
    """Answer a successful write: the confirmation, and the events that refresh the panel."""
    if not request.htmx:
        messages.success(request, message)
        return redirect("home")
    if request.htmx.target == "panel-status":
        # A row's quick button: the confirmation goes to the panel's status line.
        response = render(
            request, "dashboard/panel/_message.html", {"message": message, "level": "success"}
        )
    else:
        response = render(request, "dashboard/panel/_done.html", {"message": message})
    trigger_client_event(response, "panelChanged", {"message": message})
    trigger_client_event(response, "panelClose", {})
    return response


def _modal(
    request: AuthenticatedHttpRequest, template: str, context: dict[str, Any]
) -> HttpResponse:
    return render(request, f"dashboard/panel/{template}", context)


# --- Complete and plan the next ---------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def action_complete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    action = _action(request, pk)
    if action.status != ActionStatus.PLANNED:
        message = _("This action is already %(status)s.") % {
            "status": action.get_status_display().lower()
        }
        return _modal(request, "_message.html", {"message": message, "level": "info"})
    form = CompleteForm(request.POST if request.method == "POST" else None, action=action)
    form.fields["outcome"].widget.attrs["autofocus"] = True
    if request.method == "POST" and form.is_valid():
        try:
            _done, follow_up = action_services.action_complete(
                user=request.user,
                action=action,
                outcome=form.cleaned_data["outcome"],
                result_notes=form.cleaned_data["result_notes"],
                next_action=form.next_action(),
            )
        except ValidationError as error:
            action.refresh_from_db()
            apply_service_errors(form, error)
        except PermissionDenied as error:
            action.refresh_from_db()
            form.add_error(None, str(error))
        else:
            if follow_up is not None:
                return done(
                    request,
                    _("Done; the next action is planned: “%(subject)s”.")
                    % {"subject": follow_up.subject},
                )
            return done(request, _("The action is done."))
    return _modal(request, "_complete.html", {"action": action, "form": form})


# --- Reschedule -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def action_reschedule(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    action = _action(request, pk)
    form = RescheduleForm(request.POST if request.method == "POST" else None, action=action)
    if request.method == "POST" and form.is_valid():
        try:
            action_services.action_reschedule(
                user=request.user, action=action, start=form.new_start()
            )
        except ValidationError as error:
            action.refresh_from_db()
            apply_service_errors(form, error)
        except PermissionDenied as error:
            action.refresh_from_db()
            form.add_error(None, str(error))
        else:
            return done(
                request,
                _("“%(subject)s” was moved.") % {"subject": action.subject},
            )
    if request.method == "POST" and request.POST.get("shift") and form.errors:
        # A quick button of the row: say why in the panel's status line, not with a form.
        return _modal(
            request,
            "_message.html",
            {
                "message": " ".join(str(e) for errors in form.errors.values() for e in errors),
                "level": "danger",
            },
        )
    return _modal(request, "_reschedule.html", {"action": action, "form": form})


# --- Reassign in bulk -------------------------------------------------------------------------


@login_required
@require_POST
def actions_reassign(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Give the ticked actions to a user and/or a team: all of them, or none."""
    _forbid_unless(can_bulk_reassign(request.user))
    ids = sorted({int(v) for v in request.POST.getlist("ids") if v.isdigit() and len(v) < 19})
    form = BulkReassignForm(request.POST, user=request.user, prefix_id="panel-bulk")
    error = ""
    if not ids:
        error = _("Select at least one action first.")
    elif len(ids) > MAX_BULK:
        error = _("Select at most %(count)d actions at once.") % {"count": MAX_BULK}
    elif not form.is_valid():
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    else:
        actions = list(action_queryset(user=request.user).filter(pk__in=ids))
        if len(actions) != len(ids):
            error = _("Some of the selected actions are no longer visible to you.")
        else:
            try:
                changed = action_services.action_reassign(
                    user=request.user,
                    actions=actions,
                    owner=form.cleaned_data["owner"],
                    team=form.cleaned_data["team"],
                )
            except (ValidationError, PermissionDenied) as refusal:
                error = (
                    " ".join(refusal.messages)
                    if isinstance(refusal, ValidationError)
                    else str(refusal)
                )
            else:
                message = ngettext(
                    "%(count)d action was reassigned.",
                    "%(count)d actions were reassigned.",
                    changed,
                ) % {"count": changed}
                if not request.htmx:
                    messages.success(request, message)
                    return redirect("home")
                response = render(
                    request, "dashboard/panel/_bulk_result.html", {"message": message, "ok": True}
                )
                trigger_client_event(response, "panelChanged", {"message": message})
                return response
    message = _("Nothing was changed: %(reason)s") % {"reason": error}
    if not request.htmx:
        messages.error(request, message)
        return redirect("home")
    return render(request, "dashboard/panel/_bulk_result.html", {"message": message, "ok": False})


# --- Quick add --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def action_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    _forbid_unless(permissions.can_write(request.user))
    initial: dict[str, Any] = {}
    for name in ("entity", "case"):
        if request.GET.get(name, "").isdigit():
            initial[name] = int(request.GET[name])
    form = QuickActionForm(
        request.POST if request.method == "POST" else None, user=request.user, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            action = action_services.action_create(user=request.user, data=form.action_data())
        except ValidationError as error:
            apply_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            return done(
                request, _("The action “%(subject)s” was scheduled.") % {"subject": action.subject}
            )
    return _modal(request, "_action_new.html", {"form": form, "case": form.linked_case})


def first_opportunity_type() -> CaseType | None:
    return (
        CaseType.objects.filter(is_opportunity=True, is_active=True).order_by("order", "pk").first()
    )


@login_required
@require_http_methods(["GET", "POST"])
def opportunity_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    _forbid_unless(permissions.can_write(request.user))
    case_type = first_opportunity_type()
    form = QuickOpportunityForm(
        request.POST if request.method == "POST" else None, user=request.user
    )
    if case_type is None:
        form.add_error(None, _("There is no active opportunity type: ask an administrator."))
    elif request.method == "POST" and form.is_valid():
        try:
            case = case_services.case_create(
                user=request.user, data={"case_type": case_type, **form.case_data()}
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            return done(
                request,
                _("The opportunity %(number)s was opened.") % {"number": case.number},
            )
    return _modal(request, "_opportunity_new.html", {"form": form, "case_type": case_type})
