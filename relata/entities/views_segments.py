"""Segment pages: the builder, the list, a segment's entities, export, delete.

The builder is one form that posts the whole condition tree on every change (htmx swaps
the editor; without JavaScript the buttons submit the page), shows the live count and the
first page of results, and saves the tree as a segment.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from relata.core import permissions
from relata.core.types import AuthenticatedHttpRequest
from relata.entities.models import Entity, Segment
from relata.entities.segments import (
    definition_clean,
    definition_describe,
    segment_create,
    segment_delete,
    segment_entities,
    segment_fields,
    segment_get,
    segment_list,
    segment_update,
)
from relata.entities.segments.builder import (
    SegmentForm,
    apply_action,
    definition_from_form,
    field_groups,
    node_views,
    prune,
    starting_definition,
)
from relata.entities.segments.export import available_formats, segment_export

PAGE_SIZE = 25


NS = "entities:entities_segments"  # as included by relata/entities/urls.py


def _segment_or_404(request: AuthenticatedHttpRequest, pk: int) -> Segment:
    try:
        return segment_get(user=request.user, pk=pk)
    except Segment.DoesNotExist as error:
        raise Http404 from error


def _page(queryset: QuerySet[Entity], number: Any) -> Page[Entity]:
    return Paginator(queryset, PAGE_SIZE).get_page(number)


@login_required
def segment_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    segments = segment_list(user=request.user)
    page = Paginator(segments, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "entities/segments/segment_list.html",
        {"page_obj": page, "ns": NS, "user_id": request.user.pk},
    )


@login_required
@require_GET
def segment_count_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Answer the live count of one segment (a fragment the list loads row by row)."""
    segment = _segment_or_404(request, pk)
    try:
        count = segment_entities(user=request.user, segment=segment).count()
    except ValidationError:
        return HttpResponse('<span class="text-danger">!</span>')
    return render(request, "entities/segments/_count.html", {"count": count})


@login_required
@require_GET
def segment_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    segment = _segment_or_404(request, pk)
    context: dict[str, Any] = {
        "segment": segment,
        "ns": NS,
        "description": definition_describe(segment.definition),
        "can_change": permissions.can_change(request.user, segment),
        "formats": available_formats(),
        "errors": [],
    }
    try:
        context["page_obj"] = _page(
            segment_entities(user=request.user, segment=segment), request.GET.get("page")
        )
    except ValidationError as error:
        context["errors"] = error.messages
    template = "entities/segments/segment_detail.html"
    if request.htmx and request.htmx.target == "segment-results":
        template += "#results"
    return render(request, template, context)


@login_required
@require_POST
def segment_delete_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    segment = _segment_or_404(request, pk)
    try:
        segment_delete(user=request.user, segment=segment)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(f"{NS}:detail", pk=segment.pk)
    messages.success(request, _("The segment “%(name)s” was deleted.") % {"name": segment.name})
    return redirect(f"{NS}:list")


@login_required
@require_GET
def segment_export_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    segment = _segment_or_404(request, pk)
    fmt = request.GET.get("format", "csv")
    if fmt not in available_formats():
        return HttpResponseBadRequest(_("Unknown export format."))
    try:
        entities = segment_entities(user=request.user, segment=segment)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(f"{NS}:detail", pk=segment.pk)
    return segment_export(user=request.user, segment=segment, queryset=entities, fmt=fmt)


# --- The builder ------------------------------------------------------------------------


def _initial_definition(request: AuthenticatedHttpRequest, segment: Segment | None) -> Any:
    if segment is not None:
        return segment.definition or starting_definition()
    raw = request.GET.get("definition")
    if raw:
        try:
            return json.loads(raw)
        except ValueError:
            messages.error(request, _("The conditions in the address could not be read."))
    return starting_definition()


def _save(
    request: AuthenticatedHttpRequest,
    form: SegmentForm,
    segment: Segment | None,
    definition: dict[str, Any],
) -> Segment | None:
    """Save the tree as a new segment or into ``segment``; None when it was refused."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    if not data["name"]:
        form.add_error("name", _("Enter a name to save the segment."))
        return None
    try:
        if segment is not None and request.POST.get("save") != "new":
            return segment_update(
                user=request.user,
                segment=segment,
                data={**data, "definition": definition},
            )
        return segment_create(user=request.user, definition=definition, **data)
    except ValidationError as error:
        for field, problems in error.message_dict.items():
            if field != "definition":
                form.add_error(field if field in form.fields else None, problems)
        if "definition" in error.message_dict:
            form.add_error(None, _("Fix the conditions before saving."))
    except PermissionDenied as error:
        form.add_error(None, str(error) or _("You cannot save this segment."))
    return None


@login_required
@require_http_methods(["GET", "POST"])
def segment_builder(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    """Build conditions with a live count; save them as a new segment or into ``pk``."""
    user = request.user
    segment = _segment_or_404(request, pk) if pk else None
    fields = segment_fields()
    if request.method == "POST":
        definition = definition_from_form(request.POST, fields)
        action = request.POST.get("action", "")
        if action:
            definition = apply_action(definition, action)
        form = SegmentForm(request.POST, user=user)
    else:
        action = ""
        definition = _initial_definition(request, segment)
        initial = (
            {"name": segment.name, "description": segment.description, "team": segment.team}
            if segment
            else {}
        )
        form = SegmentForm(initial=initial, user=user)

    draft = prune(definition)
    errors: list[str] = []
    page_obj = None
    try:
        draft = definition_clean(draft)
        page_obj = _page(segment_entities(user=user, definition=draft), request.POST.get("page"))
    except ValidationError as error:
        errors = error.messages

    saving = request.method == "POST" and not action and "save" in request.POST
    if saving and not errors:
        saved = _save(request, form, segment, draft)
        if saved is not None:
            messages.success(request, _("The segment “%(name)s” was saved.") % {"name": saved})
            url = reverse(f"{NS}:detail", args=[saved.pk])
            if request.htmx:
                return HttpResponse(status=204, headers={"HX-Redirect": url})
            return redirect(url)
    elif saving:
        form.is_valid()
        form.add_error(None, _("Fix the conditions before saving."))

    context = {
        "segment": segment,
        "ns": NS,
        "form": form,
        "tree": node_views(definition, fields),
        "field_groups": field_groups(fields),
        "errors": errors,
        "page_obj": page_obj,
        "can_save_into": segment is not None and permissions.can_change(user, segment),
        "can_save": permissions.can_write(user),
        "description": "" if errors else definition_describe(draft),
    }
    template = "entities/segments/builder.html"
    if request.htmx:
        template += "#editor"
    return render(request, template, context)
