"""Action pages: the list (filters, sorting, bulk reassignment), the form, the detail page
and its buttons (complete, cancel, take, reassign, delete).

Every write goes through :mod:`relata.actions.services`; a refusal or an invalid value
comes back on the form or as a message, never as a server error.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from relata.actions import selectors, services
from relata.actions.forms import (
    PAGE_SIZE,
    ActionFilterForm,
    ActionForm,
    BulkReassignForm,
    CompleteForm,
    ReassignForm,
    apply_service_errors,
    can_bulk_reassign,
)
from relata.actions.models import Action, ActionStatus
from relata.cases import selectors as case_selectors
from relata.core import permissions
from relata.core.selectors import parameters_get
from relata.core.timeline import timeline_for
from relata.core.types import AuthenticatedHttpRequest
from relata.entities import selectors as entity_selectors
from relata.entities.models import Entity

ENTITY_OPTIONS = 20


def forbid_unless(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def action_or_404(request: AuthenticatedHttpRequest, pk: int) -> Action:
    """Return the action ``pk`` if the user may see it; 404 otherwise, as for a missing one."""
    try:
        return selectors.action_get(user=request.user, pk=pk)
    except Action.DoesNotExist as error:
        raise Http404 from error


def safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def error_text(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or _("You do not have permission to do this.")


def locked_message(user: Any, action: Action) -> str:
    """Return why a user who may change the action still cannot (a finished action and
    the parameters), or ``""``."""
    if not permissions.can_change(user, action):
        return ""
    try:
        services.ensure_editable(user, action)
    except PermissionDenied as error:
        return str(error)
    return ""


# --- List ---------------------------------------------------------------------------------


@login_required
@require_GET
def action_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ActionFilterForm(request.GET)
    scope = form.whose
    date_to = form.value("date_to")
    status = form.value("status")
    action_type = form.value("type")
    actions = selectors.action_list(
        user=request.user,
        owner=request.user if scope == "mine" else None,
        types=[action_type] if action_type else None,
        statuses=[status] if status else None,
        start_from=form.value("date_from"),
        start_to=date_to + datetime.timedelta(days=1) if date_to else None,
        search=(form.value("q") or "").strip(),
        sort=request.GET.get("sort", "start"),
    )
    if scope == "team":
        actions = actions.filter(team_id__in=sorted(permissions.team_ids(request.user)))
    page = Paginator(actions, PAGE_SIZE).get_page(request.GET.get("page"))
    context: dict[str, Any] = {
        "form": form,
        "page_obj": page,
        "filtered": not form.is_default,
        "now": timezone.now(),
        "list_url": request.get_full_path(),
    }
    if can_bulk_reassign(request.user):
        context["reassign_form"] = BulkReassignForm(user=request.user)
    rows_only = request.htmx and request.htmx.target == "action-rows"
    template = "actions/action_list.html#rows" if rows_only else "actions/action_list.html"
    return render(request, template, context)


@login_required
@require_POST
def action_bulk_reassign(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Give the picked actions to a user and/or a team, all or none (managers)."""
    forbid_unless(can_bulk_reassign(request.user))
    back = safe_next(request, reverse("actions:list"))
    ids = [int(value) for value in request.POST.getlist("ids") if value.isdigit()][:500]
    actions = list(selectors.action_queryset(user=request.user).filter(pk__in=ids))
    if not actions:
        messages.warning(request, _("Select at least one action first."))
        return redirect(back)
    form = BulkReassignForm(request.POST, user=request.user)
    try:
        if not form.is_valid():
            raise ValidationError([e for errors in form.errors.values() for e in errors])
        changed = services.action_reassign(
            user=request.user,
            actions=actions,
            owner=form.cleaned_data["owner"],
            team=form.cleaned_data["team"],
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(
            request, _("Nothing was changed: %(reason)s") % {"reason": error_text(error)}
        )
    else:
        messages.success(
            request,
            ngettext(
                "%(count)d action was reassigned.", "%(count)d actions were reassigned.", changed
            )
            % {"count": changed},
        )
    return redirect(back)


# --- Form ---------------------------------------------------------------------------------


def _start_from_query(value: str) -> datetime.datetime | None:
    """Read ``?start=`` from the agenda: an ISO date-time (with or without offset) or a
    date, which starts at the beginning of the working day."""
    if not value:
        return None
    try:
        moment = parse_datetime(value)
        if moment is None:
            day = parse_date(value)
            if day is None:
                return None
            moment = datetime.datetime.combine(day, parameters_get().work_day_start)
    except ValueError:
        return None
    if not 1900 <= moment.year <= 2200:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return timezone.localtime(moment)


def _initial_for_create(request: AuthenticatedHttpRequest) -> dict[str, Any]:
    teams = list(request.user.teams.filter(is_active=True)[:2])
    # As the services do: a user of one team gives the action to that team too.
    initial: dict[str, Any] = {"owner": request.user, "team": teams[0] if len(teams) == 1 else None}
    entity_id = request.GET.get("entity", "")
    if entity_id.isdigit():
        initial["entity"] = int(entity_id)
        contact_id = request.GET.get("contact", "")
        if contact_id.isdigit():
            initial["contact"] = int(contact_id)
    elif request.GET.get("case", "").isdigit():
        cases = case_selectors.case_queryset(user=request.user)
        found = cases.filter(pk=int(request.GET["case"])).first()
        if found is not None:
            initial["entity"], initial["case"] = found.entity_id, found.pk
            initial["contact"] = found.contact_id
            initial["subject"] = found.subject
    elif request.GET.get("contact", "").isdigit():
        contact = (
            entity_selectors.contact_queryset(user=request.user)
            .filter(pk=int(request.GET["contact"]))
            .first()
        )
        if contact is not None:
            initial["entity"], initial["contact"] = contact.entity_id, contact.pk
    start = _start_from_query(request.GET.get("start", ""))
    if start is None:
        now = timezone.localtime()
        start = (now + datetime.timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    elif len(request.GET.get("start", "")) == 10:
        initial["all_day"] = request.GET.get("all_day") == "1"
    initial["start"] = start
    return initial


def _save(request: AuthenticatedHttpRequest, form: ActionForm) -> Action | None:
    data = form.action_data()
    attendees = {
        "attendee_users": list(form.cleaned_data.get("attendee_users") or []),
        "attendee_contacts": list(form.cleaned_data.get("attendee_contacts") or []),
    }
    try:
        with transaction.atomic():
            if form.instance is None:
                return services.action_create(
                    user=request.user,
                    data={
                        **data,
                        "owner": form.cleaned_data.get("owner"),
                        "team": form.cleaned_data.get("team"),
                    },
                    **attendees,
                )
            action = services.action_update(
                user=request.user, action=form.instance, data=data, **attendees
            )
            if form.assignee_changed():
                try:
                    services.action_reassign(
                        user=request.user,
                        actions=[action],
                        owner=form.cleaned_data.get("owner"),
                        team=form.cleaned_data.get("team"),
                    )
                except PermissionDenied as error:
                    raise ValidationError({"owner": str(error)}) from error
            return action
    except ValidationError as error:
        apply_service_errors(form, error)
    except PermissionDenied as error:
        form.add_error(None, str(error))
    return None


def _form_context(form: ActionForm, **extra: Any) -> dict[str, Any]:
    return {"form": form, "entity": form.chosen_entity, **extra}


def _find_entities(request: AuthenticatedHttpRequest, query: str) -> list[Entity]:
    if not query.strip():
        return []
    return list(entity_selectors.entity_list(user=request.user, search=query)[:ENTITY_OPTIONS])


@login_required
@require_http_methods(["GET", "POST"])
def action_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    forbid_unless(permissions.can_write(request.user))
    if request.method == "POST":
        form = ActionForm(request.POST, user=request.user)
        if "find" in request.POST:
            # Without JavaScript, "Find" lists the matching entities in the select.
            found = _find_entities(request, request.POST.get("entity_search", ""))
            form.fields["entity"].widget.choices = form.entity_choices([form.chosen_entity, *found])
            return render(request, "actions/action_form.html", _form_context(form))
        if form.is_valid():
            action = _save(request, form)
            if action is not None:
                messages.success(request, _("The action was scheduled."))
                return redirect(safe_next(request, action.get_absolute_url()))
    else:
        form = ActionForm(user=request.user, initial=_initial_for_create(request))
        if form.chosen_entity is not None:
            # The entity is known (from its page): typing starts at the type.
            form.fields["type"].widget.attrs["autofocus"] = True
    return render(
        request, "actions/action_form.html", _form_context(form, next=request.GET.get("next", ""))
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    action = action_or_404(request, pk)
    forbid_unless(permissions.can_change(request.user, action))
    locked = locked_message(request.user, action)
    if locked:
        form = ActionForm(user=request.user, instance=action)
        form.disable()
        status = 403 if request.method == "POST" else 200
        return render(
            request,
            "actions/action_form.html",
            _form_context(form, action=action, locked=locked),
            status=status,
        )
    form = ActionForm(request.POST or None, user=request.user, instance=action)
    if request.method == "POST" and form.is_valid() and _save(request, form) is not None:
        messages.success(request, _("The changes were saved."))
        return redirect(action.get_absolute_url())
    return render(request, "actions/action_form.html", _form_context(form, action=action))


@login_required
@require_GET
def entity_options(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The ``<option>``s of the entities matching ``?entity_search=`` (the form's search)."""
    found = _find_entities(request, request.GET.get("entity_search", ""))
    return render(
        request,
        "actions/action_form.html#entity-options",
        {"options": found, "query": request.GET.get("entity_search", "")},
    )


@login_required
@require_GET
def entity_fields(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The contact select and the attending contacts of the entity ``?entity=``."""
    form = ActionForm(request.GET, user=request.user)
    return render(request, "actions/entity_fields.html", {"form": form})


# --- Detail and its buttons ---------------------------------------------------------------


@login_required
@require_GET
def action_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    action = action_or_404(request, pk)
    user = request.user
    can_change = permissions.can_change(user, action)
    locked = locked_message(user, action)
    is_planned = action.status == ActionStatus.PLANNED
    context = {
        "action": action,
        "can_change": can_change and not locked,
        "locked": locked,
        "can_complete": can_change and is_planned,
        "can_take": (
            is_planned
            and action.owner_id is None
            and action.team_id in permissions.team_ids(user)
            and permissions.can_write(user)
        ),
        "can_reassign": can_change and not locked,
        "attendee_users": list(action.attendee_users.all()),
        "attendee_contacts": list(action.attendee_contacts.all()),
        "follow_ups": list(selectors.action_queryset(user=user).filter(follows=action)),
        "events": timeline_for(action, user=user),
        "is_overdue": is_planned and action.end < timezone.now(),
    }
    if context["can_reassign"] and can_bulk_reassign(user):
        context["reassign_form"] = ReassignForm(user=user, action=action)
    return render(request, "actions/action_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def action_complete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    action = action_or_404(request, pk)
    forbid_unless(permissions.can_change(request.user, action))
    if action.status != ActionStatus.PLANNED:
        messages.info(
            request,
            _("This action is already %(status)s.")
            % {"status": action.get_status_display().lower()},
        )
        return redirect(action.get_absolute_url())
    form = CompleteForm(request.POST or None, action=action)
    if request.method == "POST" and form.is_valid():
        try:
            _done, follow_up = services.action_complete(
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
            form.add_error(None, str(error))
        else:
            if follow_up is not None:
                messages.success(
                    request,
                    _("The action is done and the next one is scheduled: “%(subject)s”.")
                    % {"subject": follow_up.subject},
                )
                return redirect(follow_up.get_absolute_url())
            messages.success(request, _("The action is done."))
            return redirect(action.get_absolute_url())
    return render(request, "actions/action_complete.html", {"action": action, "form": form})


def _button(
    request: AuthenticatedHttpRequest, pk: int, verb: str
) -> tuple[Action, HttpResponse | None]:
    action = action_or_404(request, pk)
    try:
        if verb == "cancel":
            services.action_cancel(
                user=request.user, action=action, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("The action was cancelled."))
        elif verb == "resend":
            services.invitations_resend(user=request.user, action=action)
            messages.success(request, _("The invitation is being sent again to every attendee."))
        elif verb == "take":
            services.action_take(user=request.user, action=action)
            messages.success(request, _("The action is yours now."))
        elif verb == "delete":
            entity_url = action.entity.get_absolute_url()
            services.action_delete(user=request.user, action=action)
            messages.success(request, _("The action was deleted."))
            return action, redirect(safe_next(request, entity_url))
    except (ValidationError, PermissionDenied) as error:
        if isinstance(error, PermissionDenied) and not permissions.can_view(request.user, action):
            raise
        messages.error(request, error_text(error))
    return action, None


@login_required
@require_POST
def action_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    action, response = _button(request, pk, "cancel")
    return response or redirect(action.get_absolute_url())


@login_required
@require_POST
def action_take(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    action, response = _button(request, pk, "take")
    return response or redirect(action.get_absolute_url())


@login_required
@require_POST
def action_resend(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    action, response = _button(request, pk, "resend")
    return response or redirect(action.get_absolute_url())


@login_required
@require_POST
def action_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    action, response = _button(request, pk, "delete")
    return response or redirect(action.get_absolute_url())


@login_required
@require_POST
def action_reassign(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    action = action_or_404(request, pk)
    form = ReassignForm(request.POST, user=request.user, action=action)
    try:
        if not form.is_valid():
            raise ValidationError([e for errors in form.errors.values() for e in errors])
        changed = services.action_reassign(
            user=request.user,
            actions=[action],
            owner=form.cleaned_data["owner"],
            team=form.cleaned_data["team"],
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _("Not reassigned: %(reason)s") % {"reason": error_text(error)})
    else:
        if changed:
            messages.success(request, _("The action was reassigned."))
    return redirect(action.get_absolute_url())
