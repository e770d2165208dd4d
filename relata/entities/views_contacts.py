"""Contact pages: the list of every contact, detail, forms, delete and move."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from relata.core import permissions
from relata.core.panels import render_panels
from relata.core.timeline import timeline_for
from relata.core.types import AuthenticatedHttpRequest
from relata.customfields import selectors as field_selectors
from relata.customfields.models import Target
from relata.customfields.services import values_display
from relata.entities import selectors, services
from relata.entities.forms import PAGE_SIZES, ContactForm, EntityPickForm, apply_service_errors
from relata.entities.models import Contact, Entity
from relata.entities.views import entity_or_404, forbid_unless

MOVE_CHOICES = 15


def _get_contact(request: AuthenticatedHttpRequest, pk: int) -> Contact:
    try:
        return selectors.contact_get(user=request.user, pk=pk)
    except Contact.DoesNotExist as error:
        raise Http404 from error


@login_required
def contact_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    entity = None
    if request.GET.get("entity", "").isdigit():
        entity = entity_or_404(request, int(request.GET["entity"]))
    contacts = selectors.contact_list(user=request.user, entity=entity, search=query)
    size = request.GET.get("page_size", "")
    page_size = int(size) if size.isdigit() and int(size) in PAGE_SIZES else PAGE_SIZES[0]
    page = Paginator(contacts, page_size).get_page(request.GET.get("page"))
    context = {"page_obj": page, "query": query, "entity": entity, "page_size": page_size}
    rows_only = request.htmx and request.htmx.target == "contact-rows"
    template = "entities/contact_list.html#rows" if rows_only else "entities/contact_list.html"
    return render(request, template, context)


@login_required
def contact_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    contact = _get_contact(request, pk)
    return render(
        request,
        "entities/contact_detail.html",
        {
            "contact": contact,
            "can_change": permissions.can_change(request.user, contact),
            "custom_values": values_display(
                definitions=field_selectors.field_definitions(target=Target.CONTACT),
                values=contact.custom,
            ),
            "events": timeline_for(contact, user=request.user),
            "panels": render_panels("contact_detail", request, contact),
        },
    )


def _save_contact(
    request: AuthenticatedHttpRequest, form: ContactForm, entity: Entity
) -> Contact | None:
    arguments: dict[str, Any] = {
        "user": request.user,
        "data": form.contact_data(),
        "emails": form.emails_data(),
        "phones": form.phones_data(),
        "custom": form.custom_data(),
    }
    try:
        if form.instance is None:
            return services.contact_create(entity=entity, **arguments)
        return services.contact_update(contact=form.instance, **arguments)
    except ValidationError as error:
        apply_service_errors(form, error)
    except PermissionDenied as error:
        form.add_error(None, str(error))
    return None


@login_required
@require_http_methods(["GET", "POST"])
def contact_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Add a contact to the entity ``pk``."""
    entity = entity_or_404(request, pk)
    forbid_unless(permissions.can_change(request.user, entity))
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        contact = _save_contact(request, form, entity)
        if contact is not None:
            messages.success(
                request,
                _("%(name)s was added to %(entity)s.")
                % {"name": contact.full_name, "entity": entity.display_name},
            )
            return redirect(contact)
    return render(
        request, "entities/contact_form.html", {"form": form, "entity": entity, "contact": None}
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    contact = _get_contact(request, pk)
    forbid_unless(permissions.can_change(request.user, contact))
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        saved = _save_contact(request, form, contact.entity)
        if saved is not None:
            messages.success(request, _("%(name)s was saved.") % {"name": saved.full_name})
            return redirect(saved)
    return render(
        request,
        "entities/contact_form.html",
        {"form": form, "entity": contact.entity, "contact": contact},
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Ask (GET), then delete (POST) a contact."""
    contact = _get_contact(request, pk)
    forbid_unless(permissions.can_change(request.user, contact))
    if request.method == "POST":
        entity = contact.entity
        services.contact_delete(user=request.user, contact=contact)
        messages.success(request, _("%(name)s was deleted.") % {"name": contact.full_name})
        return redirect(entity)
    return render(request, "entities/contact_confirm_delete.html", {"contact": contact})


@login_required
@require_http_methods(["GET", "POST"])
def contact_move(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Move a contact to another entity: search for it, pick it, move.

    The search answers as a fragment for htmx and as the whole page without JavaScript.
    """
    contact = _get_contact(request, pk)
    forbid_unless(permissions.can_change(request.user, contact))
    error = ""
    if request.method == "POST":
        form = EntityPickForm(request.POST)
        target = None
        if form.is_valid():
            try:
                target = selectors.entity_get(user=request.user, pk=form.cleaned_data["entity"])
            except Entity.DoesNotExist:
                target = None
        if target is None:
            error = _("Choose the entity to move the contact to.")
        else:
            try:
                services.contact_move(user=request.user, contact=contact, to_entity=target)
            except PermissionDenied as denied:
                error = str(denied)
            else:
                messages.success(
                    request,
                    _("%(name)s now belongs to %(entity)s.")
                    % {"name": contact.full_name, "entity": target.display_name},
                )
                return redirect(contact)
    query = request.GET.get("q", "").strip()[:200]
    candidates = []
    if query:
        candidates = [
            entity
            for entity in selectors.entity_list(user=request.user, search=query)[: MOVE_CHOICES * 2]
            if entity.pk != contact.entity_id and permissions.can_change(request.user, entity)
        ][:MOVE_CHOICES]
    context = {"contact": contact, "query": query, "candidates": candidates, "error": error}
    if request.htmx and request.htmx.target == "candidates" and request.method == "GET":
        return render(request, "entities/contact_move.html#candidates", context)
    return render(request, "entities/contact_move.html", context)
