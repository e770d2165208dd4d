"""The agenda [agenda comercial]: a FullCalendar page, its events as JSON and the endpoint
that drag-and-drop and resizing call to reschedule an action.

The JSON endpoints answer errors as JSON with 400/403/404, never a server error, so the
calendar can put the event back and say why.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from relata.actions import selectors, services
from relata.actions.forms import AgendaForm
from relata.actions.models import Action
from relata.core import permissions
from relata.core.models import Role, User
from relata.core.selectors import parameters_get
from relata.core.types import AuthenticatedHttpRequest

# Longer than any view's range (a month view shows six weeks); more is refused.
MAX_RANGE = datetime.timedelta(days=62)


def text_colour(background: str) -> str:
    """Return black or white, whichever reads better on ``background`` (#RRGGBB)."""
    try:
        red, green, blue = (int(background[i : i + 2], 16) for i in (1, 3, 5))
    except ValueError:
        return "#ffffff"
    # Relative luminance after WCAG 2, simplified to the sRGB weights.
    return "#000000" if (0.299 * red + 0.587 * green + 0.114 * blue) > 150 else "#ffffff"


def _business_hours() -> dict[str, Any]:
    params = parameters_get()
    return {
        "daysOfWeek": [day % 7 for day in params.working_days or []],
        "startTime": params.work_day_start.strftime("%H:%M"),
        "endTime": params.work_day_end.strftime("%H:%M"),
    }


@login_required
@require_GET
def agenda(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = AgendaForm(user=request.user)
    types = list(form.fields["types"].queryset)  # type: ignore[attr-defined]
    config = {
        "eventsUrl": reverse("actions:agenda_events"),
        "moveUrl": reverse("actions:agenda_move", args=[0]),
        "createUrl": reverse("actions:create") if permissions.can_write(request.user) else "",
        "locale": (get_language() or "en")[:2],
        "businessHours": _business_hours(),
        "scrollTime": parameters_get().work_day_start.strftime("%H:%M:%S"),
        "texts": {
            "moveFailed": _("The action was not moved: %(reason)s"),
            "networkError": _("The server could not be reached; the action was put back."),
            "loadFailed": _("The agenda could not be loaded. Reload the page to try again."),
        },
    }
    return render(
        request,
        "actions/agenda.html",
        {"form": form, "types": [(t, text_colour(t.colour)) for t in types], "config": config},
    )


def _moment(value: str) -> tuple[datetime.datetime, bool] | None:
    """Parse an ISO date-time or date; return it (aware) and whether it was a bare date."""
    value = value.strip().replace(" ", "+")  # a "+" of an offset may arrive as a space
    try:
        moment = parse_datetime(value)
        bare_date = False
        if moment is None:
            day = parse_date(value)
            if day is None:
                return None
            moment = datetime.datetime.combine(day, datetime.time())
            bare_date = True
    except ValueError:
        return None
    if not 1900 <= moment.year <= 2200:
        return None  # far dates only overflow the time-zone arithmetic
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment, bare_date


def _bad(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _ids(value: str) -> list[int] | None:
    parts = [part for part in value.split(",") if part.strip()]
    if not all(part.strip().isdigit() for part in parts):
        return None
    return [int(part) for part in parts]


def may_move(user: User, action: Action, finished_editable: bool) -> bool:
    """Return whether the calendar should let ``user`` drag ``action``.

    The events all come from the permission layer's scope, so they are visible; this
    applies the rest of ``can_change`` and ``ensure_editable`` without one query per
    event. The move endpoint still asks the services, which decide.
    """
    if permissions.is_administrator(user):
        return True
    if not permissions.can_write(user):
        return False
    if action.is_finished and not finished_editable:
        return False
    if user.role == Role.MANAGER:
        return True
    return action.owner_id == user.pk or (
        action.owner_id is None and action.team_id in permissions.team_ids(user)
    )


def event_json(action: Action, editable: bool) -> dict[str, Any]:
    colour = action.type.colour
    classes = [f"action-{action.status}"]
    return {
        "id": str(action.pk),
        "title": action.subject,
        "start": timezone.localtime(action.start).isoformat(),
        "end": timezone.localtime(action.end).isoformat(),
        "allDay": action.all_day,
        "url": action.get_absolute_url(),
        "backgroundColor": colour,
        "borderColor": colour,
        "textColor": text_colour(colour),
        "editable": editable,
        "classNames": classes,
        "extendedProps": {
            "type": action.type.name,
            "icon": action.type.icon,
            "entity": action.entity.display_name,
            "status": action.status,
            "statusLabel": action.get_status_display(),
            "owner": str(action.owner) if action.owner_id else "",
        },
    }


@login_required
@require_GET
def agenda_events(request: AuthenticatedHttpRequest) -> JsonResponse:
    """Return the events of ``[start, end)`` for the agenda, as FullCalendar reads them."""
    start = _moment(request.GET.get("start", ""))
    end = _moment(request.GET.get("end", ""))
    if start is None or end is None:
        return _bad(_("Give the start and the end of the range as ISO dates."))
    if not start[0] < end[0] <= start[0] + MAX_RANGE:
        return _bad(_("The range must be positive and at most 62 days long."))
    owner = request.GET.get("owner", "").strip()
    team = request.GET.get("team", "").strip()
    types = _ids(request.GET.get("types", ""))
    if (owner and not owner.isdigit()) or (team and not team.isdigit()) or types is None:
        return _bad(_("The owner, the team and the types are ids."))
    user = request.user
    actions = selectors.agenda_actions(
        user=user,
        start=start[0],
        end=end[0],
        owner=int(owner) if owner else None,
        team=int(team) if team else None,
        types=types or None,
    )
    finished_editable = parameters_get().finished_actions_editable
    return JsonResponse(
        [event_json(action, may_move(user, action, finished_editable)) for action in actions],
        safe=False,
    )


@login_required
@require_POST
def agenda_move(request: AuthenticatedHttpRequest, pk: int) -> JsonResponse:
    """Reschedule an action dragged or resized on the agenda (``start``, ``end``,
    ``all_day``)."""
    try:
        action = selectors.action_get(user=request.user, pk=pk)
    except Action.DoesNotExist:
        return _bad(_("That action does not exist or is out of your reach."), 404)
    start = _moment(request.POST.get("start", ""))
    raw_end = request.POST.get("end", "").strip()
    end = _moment(raw_end) if raw_end else None
    if start is None or (raw_end and end is None):
        return _bad(_("Give the new start (and end) as ISO dates."))
    all_day_raw = request.POST.get("all_day", "").lower()
    all_day = {"true": True, "1": True, "false": False, "0": False}.get(all_day_raw)
    if all_day_raw and all_day is None:
        return _bad(_("all_day is true or false."))
    if all_day is None:
        all_day = start[1]
    # An all-day end is exclusive (midnight after the last day), as the services read it.
    end_moment = end[0] if end else None
    if not all_day and end_moment is None and action.all_day:
        # From the all-day row into the hours: the type's usual duration.
        end_moment = start[0] + datetime.timedelta(minutes=action.type.default_duration)
    try:
        action = services.action_reschedule(
            user=request.user, action=action, start=start[0], end=end_moment, all_day=all_day
        )
    except PermissionDenied as error:
        return _bad(str(error) or _("You do not have permission to do this."), 403)
    except ValidationError as error:
        return _bad(" ".join(error.messages))
    return JsonResponse(event_json(action, True))
