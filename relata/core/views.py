"""Pages for search, settings (parameters, teams, users) and profile."""

from __future__ import annotations

import copy
from typing import TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from relata.core import permissions, search, selectors, services
from relata.core.context_processors import NAVIGATION
from relata.core.forms import (
    ParametersForm,
    ProfileForm,
    TeamForm,
    UserCreateForm,
    UserForm,
    apply_service_errors,
)
from relata.core.models import Team, User
from relata.core.timeline import timeline_for
from relata.core.types import AuthenticatedHttpRequest

PAGE_SIZE = 25

M = TypeVar("M", bound=Model)


def _forbid_unless(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _form_copy(obj: M | None) -> M | None:
    """Return a copy for a ModelForm to write into, so the service sees the saved values.

    A ModelForm changes its instance while validating; services compare the instance with
    the new data to know what changed, so they must receive the untouched original.
    """
    return copy.copy(obj) if obj is not None else None


_apply_form_errors = apply_service_errors


def health(request: HttpRequest) -> HttpResponse:
    """Answer 200 when the database answers; for load balancers and container checks."""
    from django.db import connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any database failure means "not healthy"
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


@login_required
def area(request: AuthenticatedHttpRequest, area: str) -> HttpResponse:
    """Show the empty state of a product area that a later release fills in."""
    item = next((i for i in NAVIGATION if i.key == area), None)
    if item is None:
        raise Http404
    return render(request, "core/area.html", {"item": item})


@login_required
def search_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    groups = search.search(user=request.user, query=query) if query else []
    return render(request, "core/search.html", {"query": query, "groups": groups})


@login_required
def settings_index(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "core/settings.html")


@login_required
def parameters(request: AuthenticatedHttpRequest) -> HttpResponse:
    params = selectors.parameters_get()
    return render(
        request,
        "core/parameters.html",
        {
            "params": params,
            "events": timeline_for(params, limit=20),
            "form": ParametersForm(instance=params),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def parameters_edit(request: AuthenticatedHttpRequest) -> HttpResponse:
    _forbid_unless(permissions.can_configure(request.user))
    params = selectors.parameters_get()
    form = ParametersForm(request.POST or None, instance=_form_copy(params))
    if request.method == "POST" and form.is_valid():
        try:
            services.parameters_update(user=request.user, data=form.cleaned_data)
        except ValidationError as error:
            _apply_form_errors(form, error)
        else:
            messages.success(request, _("The parameters were saved."))
            return redirect("core:parameters")
    return render(request, "core/parameters_edit.html", {"form": form})


@login_required
def team_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    teams = selectors.team_list(user=request.user).order_by("name")
    page = Paginator(teams, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "core/team_list.html", {"page_obj": page})


@login_required
def team_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    team = get_object_or_404(selectors.team_list(user=request.user), pk=pk)
    return render(
        request,
        "core/team_detail.html",
        {
            "team": team,
            "members": selectors.team_members(team=team),
            "events": timeline_for(team, limit=20),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def team_edit(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    _forbid_unless(permissions.can_configure(request.user))
    team = get_object_or_404(Team, pk=pk) if pk else None
    form = TeamForm(
        request.POST or None,
        instance=_form_copy(team),
        initial={"members": team.members.all()} if team else None,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if team is None:
                team = services.team_create(
                    user=request.user,
                    name=data["name"],
                    description=data["description"],
                    members=list(data["members"]),
                )
            else:
                services.team_update(
                    user=request.user, team=team, data=data, members=list(data["members"])
                )
        except ValidationError as error:
            _apply_form_errors(form, error)
        else:
            messages.success(request, _("The team “%(name)s” was saved.") % {"name": team.name})
            return redirect(team)
    return render(request, "core/team_form.html", {"form": form, "team": team})


@login_required
@require_POST
def team_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _forbid_unless(permissions.can_configure(request.user))
    team = get_object_or_404(Team, pk=pk)
    services.team_delete(user=request.user, team=team)
    messages.success(request, _("The team “%(name)s” was deleted.") % {"name": team.name})
    return redirect("core:team_list")


USER_SORTS = {
    "username",
    "-username",
    "last_name",
    "-last_name",
    "role",
    "-role",
    "last_login",
    "-last_login",
}


@login_required
def user_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    sort = request.GET.get("sort", "username")
    users = selectors.user_list(user=request.user, search=query).order_by(
        sort if sort in USER_SORTS else "username", "pk"
    )
    page = Paginator(users, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "core/user_list.html#rows" if request.htmx else "core/user_list.html"
    return render(request, template, {"page_obj": page, "query": query})


@login_required
@require_http_methods(["GET", "POST"])
def user_edit(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    _forbid_unless(permissions.can_configure(request.user))
    target = get_object_or_404(User, pk=pk) if pk else None
    form_class = UserForm if target else UserCreateForm
    form = form_class(
        request.POST or None,
        instance=_form_copy(target),
        initial={"teams": target.teams.all()} if target else None,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if target is None:
                target = services.user_create(
                    by=request.user,
                    username=data["username"],
                    email=data["email"],
                    password=data.get("password") or None,
                    role=data["role"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    teams=list(data["teams"]),
                )
            else:
                services.user_update(
                    by=request.user, user=target, data=data, teams=list(data["teams"])
                )
        except ValidationError as error:
            _apply_form_errors(form, error)
        else:
            messages.success(request, _("The user “%(name)s” was saved.") % {"name": target})
            return redirect("core:user_list")
    events = timeline_for(target, limit=20) if target else []
    return render(
        request, "core/user_form.html", {"form": form, "target": target, "events": events}
    )


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=_form_copy(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update(by=request.user, user=request.user, data=form.cleaned_data)
        except ValidationError as error:
            _apply_form_errors(form, error)
        else:
            messages.success(request, _("Your profile was saved."))
            return redirect("core:profile")
    return render(request, "core/profile.html", {"form": form})
