"""The case form (create and edit) with its product lines.

Choosing the type or the entity reloads the form (htmx; a button without JavaScript)
with that type's fields and that entity's contacts, keeping what was typed. Saving calls
``case_create``/``case_update`` and then ``case_lines_set`` in one transaction: a bad line
leaves nothing saved and comes back on its row.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from relata.cases import services
from relata.cases.forms import BaseLineFormSet, CaseForm, LineFormSet, apply_service_errors
from relata.cases.models import Case
from relata.cases.views.pages import case_or_404, forbid_unless
from relata.core import permissions
from relata.core.types import AuthenticatedHttpRequest
from relata.entities import selectors as entity_selectors

ENTITY_OPTIONS = 20
LINES_PREFIX = "lines"
LINE_INPUTS = ("product", "description", "quantity", "unit_price", "discount")


def _plain(value: Any) -> Any:
    """Return a decimal without trailing zeros ("40", "15", "480.5") for the inputs."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value


def _line_formset(
    request: AuthenticatedHttpRequest, case: Case | None, *, bound: bool
) -> BaseLineFormSet:
    current = list(case.lines.values_list("product_id", flat=True)) if case else []
    if bound:
        return LineFormSet(request.POST, prefix=LINES_PREFIX, current_products=current)
    initial = [
        {name: _plain(getattr(line, name)) for name in LINE_INPUTS}
        for line in (case.lines.all() if case else [])
    ]
    if not initial:
        initial = [{}]  # one empty row to start with
    return LineFormSet(initial=initial, prefix=LINES_PREFIX, current_products=current)


def _reloaded(
    request: AuthenticatedHttpRequest, case: Case | None
) -> tuple[CaseForm, BaseLineFormSet]:
    """Return the forms again from what was posted, unbound (no errors yet): for a change
    of type or entity, or for "Add line" without JavaScript."""
    post = request.POST
    # Fields not shown before the type was chosen (the assignment) keep their defaults.
    initial: dict[str, Any] = _initial_for_create(request) if case is None else {}
    for key in post:
        if key.startswith(f"{LINES_PREFIX}-") or key in ("csrfmiddlewaretoken", "refresh"):
            continue
        values = post.getlist(key)
        initial[key] = values if len(values) > 1 else values[0]
    if case is not None:
        initial.pop("case_type", None)
    form = CaseForm(user=request.user, instance=case, initial=initial)
    posted = LineFormSet(post, prefix=LINES_PREFIX)
    rows = []
    if posted.management_form.is_valid():
        for line_form in posted.forms:
            if line_form["DELETE"].value():
                continue
            rows.append({name: line_form[name].value() for name in LINE_INPUTS})
    if post.get("refresh") == "add_line" or not rows:
        rows.append({})
    current = list(case.lines.values_list("product_id", flat=True)) if case else []
    lines = LineFormSet(initial=rows, prefix=LINES_PREFIX, current_products=current)
    return form, lines


def _without_line_errors(error: ValidationError) -> ValidationError | None:
    if not hasattr(error, "error_dict"):
        return error
    rest = {k: v for k, v in error.message_dict.items() if not k.startswith("lines.")}
    return ValidationError(rest) if rest else None


def _save(request: AuthenticatedHttpRequest, form: CaseForm, lines: BaseLineFormSet) -> Case | None:
    case = form.instance
    try:
        with transaction.atomic():
            if case is None:
                case = services.case_create(
                    user=request.user,
                    data={
                        **form.case_data(),
                        "owner": form.cleaned_data.get("owner"),
                        "team": form.cleaned_data.get("team"),
                    },
                    custom=form.custom_data(),
                )
            else:
                case = services.case_update(
                    user=request.user, case=case, data=form.case_data(), custom=form.custom_data()
                )
            if form.is_opportunity:
                data = lines.lines_data()
                if data or case.lines.exists():
                    services.case_lines_set(user=request.user, case=case, lines=data)
            return case
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for message in lines.apply_service_errors(error):
                form.add_error(None, message)
        rest = _without_line_errors(error)
        if rest is not None:
            apply_service_errors(form, rest)
        elif not form.errors:
            form.add_error(None, _("A product line needs correcting."))
    except PermissionDenied as error:
        form.add_error(None, str(error) or _("You do not have permission to do this."))
    if form.instance is not None:
        form.instance.refresh_from_db()
    return None


def _render(
    request: AuthenticatedHttpRequest,
    form: CaseForm,
    lines: BaseLineFormSet,
    case: Case | None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "form": form,
        "lines": lines,
        "case": case,
        "entity": form.chosen_entity,
        "form_url": (reverse("cases:edit", args=[case.pk]) if case else reverse("cases:create")),
        "cancel_url": (
            reverse("cases:detail", args=[case.pk])
            if case
            else form.chosen_entity.get_absolute_url()
            if form.chosen_entity
            else reverse("cases:list")
        ),
    }
    template = "cases/case_form.html"
    if request.htmx and request.htmx.target == "case-form-body":
        template += "#body"
    return render(request, template, context, status=status)


def _initial_for_create(request: AuthenticatedHttpRequest) -> dict[str, Any]:
    teams = list(request.user.teams.filter(is_active=True)[:2])
    initial: dict[str, Any] = {
        "owner": request.user if permissions.can_write(request.user) else None,
        "team": teams[0] if len(teams) == 1 else None,
    }
    entity_id = request.GET.get("entity", "")
    if entity_id.isdigit():
        initial["entity"] = int(entity_id)
    if request.GET.get("case_type"):
        initial["case_type"] = request.GET["case_type"]
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def case_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    forbid_unless(permissions.can_write(request.user))
    if request.method == "POST" and "refresh" in request.POST:
        form, lines = _reloaded(request, None)
        return _render(request, form, lines, None)
    if request.method == "POST":
        form = CaseForm(request.POST, user=request.user)
        lines = _line_formset(request, None, bound=True)
        form_ok = form.is_valid()
        if lines.is_valid() and form_ok:
            case = _save(request, form, lines)
            if case is not None:
                messages.success(
                    request, _("The case %(number)s was created.") % {"number": case.number}
                )
                return redirect("cases:detail", pk=case.pk)
        return _render(request, form, lines, None)
    form = CaseForm(user=request.user, initial=_initial_for_create(request))
    if form.chosen_type is not None:
        form.initial["case_type"] = form.chosen_type.pk
    lines = _line_formset(request, None, bound=False)
    return _render(request, form, lines, None)


@login_required
@require_http_methods(["GET", "POST"])
def case_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    forbid_unless(permissions.can_change(request.user, case))
    if request.method == "POST" and "refresh" in request.POST:
        form, lines = _reloaded(request, case)
        return _render(request, form, lines, case)
    if request.method == "POST":
        form = CaseForm(request.POST, user=request.user, instance=case)
        lines = _line_formset(request, case, bound=True)
        form_ok = form.is_valid()
        if lines.is_valid() and form_ok and _save(request, form, lines) is not None:
            messages.success(request, _("The changes were saved."))
            return redirect("cases:detail", pk=case.pk)
        return _render(request, form, lines, case)
    form = CaseForm(user=request.user, instance=case)
    lines = _line_formset(request, case, bound=False)
    return _render(request, form, lines, case)


@login_required
@require_GET
def entity_options(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The ``<option>``s of the entities matching ``?entity_search=`` (the form's finder)."""
    query = request.GET.get("entity_search", "")
    found = (
        list(entity_selectors.entity_list(user=request.user, search=query)[:ENTITY_OPTIONS])
        if query.strip()
        else []
    )
    return render(
        request, "cases/case_form.html#entity-options", {"options": found, "query": query}
    )
