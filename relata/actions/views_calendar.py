"""Calendar integration pages: the secret iCalendar feed and its settings, the ``.ics`` of
one action, and the reminder preferences."""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from relata.actions import ical, selectors, services
from relata.actions.models import Action, CalendarFeed, ReminderPreference
from relata.core.forms import StyledFormMixin, apply_service_errors
from relata.core.types import AuthenticatedHttpRequest

CALENDAR_CONTENT_TYPE = "text/calendar; charset=utf-8"
# Subscribed calendars poll; a fresh copy at most every five minutes is plenty.
FEED_MAX_AGE = 300
FEED_USE_RESOLUTION = datetime.timedelta(minutes=1)


def _base_url(request: HttpRequest) -> str:
    """Return the address links in calendars start with: the configured one, else this
    request's, so that a trial without ``RELATA_URL`` still gets working links."""
    return ical.site_url() if ical.configured_url() else request.build_absolute_uri("/")[:-1]


# --- The feed -----------------------------------------------------------------------------


@require_safe
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """Serve a user's actions to their calendar program; the secret token is the only key.

    No login (calendar programs cannot log in); an unknown or revoked token is a 404 like
    any missing page.
    """
    found = (
        CalendarFeed.objects.select_related("user")
        .filter(token_digest=services.feed_token_digest(token))
        .first()
    )
    if found is None or not found.user.is_active:
        raise Http404
    now = timezone.now()
    if found.last_used_at is None or now - found.last_used_at >= FEED_USE_RESOLUTION:
        # Calendar programs poll often; one write a minute at most is enough to show use.
        CalendarFeed.objects.filter(pk=found.pk).update(last_used_at=now)
    body = ical.feed_calendar_cached(found.user, base_url=_base_url(request))
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    response = HttpResponse(body, content_type=CALENDAR_CONTENT_TYPE)
    response["ETag"] = etag
    # Private: the feed is one user's agenda; no shared cache may keep it.
    response["Cache-Control"] = f"private, max-age={FEED_MAX_AGE}"
    response["Content-Disposition"] = 'inline; filename="relata.ics"'
    response["X-Robots-Tag"] = "noindex, nofollow"
    return get_conditional_response(request, etag=etag, response=response) or response


def _feed_urls(request: HttpRequest, token: str) -> dict[str, str]:
    url = _base_url(request) + reverse("actions:feed", args=[token])
    webcal = "webcal://" + url.split("://", 1)[1]
    return {"feed_url": url, "webcal_url": webcal}


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def feed_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Create or renew the user's feed (its address is shown once), or see its state."""
    current = CalendarFeed.objects.filter(user=request.user).first()
    context: dict[str, Any] = {"feed": current}
    if request.method == "POST":
        token = services.calendar_feed_renew(user=request.user)
        # Shown in this response only: the token is not stored, and not put in a redirect.
        context.update(_feed_urls(request, token))
        context["feed"] = CalendarFeed.objects.get(user=request.user)
        context["renewed"] = current is not None
    return render(request, "actions/feed_settings.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def feed_revoke(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Ask, then stop the feed: calendars subscribed to it get a 404 from then on."""
    current = CalendarFeed.objects.filter(user=request.user).first()
    if current is None:
        return redirect("actions:feed_settings")
    if request.method == "POST":
        services.calendar_feed_revoke(user=request.user)
        messages.success(request, _("Your calendar address was revoked; it no longer works."))
        return redirect("actions:feed_settings")
    return render(request, "actions/feed_settings.html", {"feed": current, "confirm_revoke": True})


# --- One action's .ics ----------------------------------------------------------------------


@login_required
@require_safe
def action_ics(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Download one visible action as an ``.ics`` file (404 for one the user cannot see)."""
    try:
        action = ical.with_attendees(selectors.action_queryset(user=request.user)).get(pk=pk)
    except Action.DoesNotExist as error:
        raise Http404 from error
    body = ical.action_calendar(action, user=request.user, base_url=_base_url(request))
    response = HttpResponse(body, content_type=CALENDAR_CONTENT_TYPE)
    name = slugify(action.subject)[:60] or "action"
    response["Content-Disposition"] = f'attachment; filename="{name}.ics"'
    response["Cache-Control"] = "private, no-cache"
    return response


# --- Reminder preferences ------------------------------------------------------------------

NOTICE_CHOICES = [
    ("", gettext_lazy("No reminders")),
    ("0", gettext_lazy("When it starts")),
    ("5", gettext_lazy("5 minutes before")),
    ("10", gettext_lazy("10 minutes before")),
    ("15", gettext_lazy("15 minutes before")),
    ("30", gettext_lazy("30 minutes before")),
    ("60", gettext_lazy("1 hour before")),
    ("120", gettext_lazy("2 hours before")),
    ("1440", gettext_lazy("1 day before")),
]


class ReminderPreferenceForm(StyledFormMixin, forms.Form):
    minutes_before = forms.TypedChoiceField(
        label=gettext_lazy("Remind me"),
        choices=NOTICE_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
    )
    by_email = forms.BooleanField(label=gettext_lazy("By email"), required=False)
    in_app = forms.BooleanField(
        label=gettext_lazy("In Relata (the bell at the top)"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = self.initial.get("minutes_before")
        field = self.fields["minutes_before"]
        assert isinstance(field, forms.TypedChoiceField)
        if current is not None and str(current) not in {value for value, _label in NOTICE_CHOICES}:
            # A notice set through the API keeps its value instead of showing as "none".
            field.choices = [
                *NOTICE_CHOICES,
                (
                    str(current),
                    ngettext("%(minutes)d minute before", "%(minutes)d minutes before", current)
                    % {"minutes": current},
                ),
            ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("minutes_before") is not None and not (
            data.get("by_email") or data.get("in_app")
        ):
            self.add_error("by_email", _("Choose at least one way to be reminded."))
        return data


@login_required
@require_http_methods(["GET", "POST"])
def reminder_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    preference = ReminderPreference.objects.filter(user=request.user).first()
    initial = (
        {
            "minutes_before": preference.minutes_before,
            "by_email": preference.by_email,
            "in_app": preference.in_app,
        }
        if preference is not None
        else {"minutes_before": None, "by_email": True, "in_app": True}
    )
    form = ReminderPreferenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.reminder_preference_update(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Your reminder preferences were saved."))
            return redirect("actions:reminder_settings")
    return render(
        request,
        "actions/reminder_settings.html",
        {"form": form, "has_email": bool(request.user.email)},
    )
