"""Entity pages: the list (search, filters, columns, bulk actions), detail, forms, delete
and lead conversion. Contacts are in :mod:`.views_contacts`, the classification lists in
:mod:`.views_settings`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from relata.core import permissions
from relata.core.panels import render_panels
from relata.core.timeline import timeline_for
from relata.core.types import AuthenticatedHttpRequest
from relata.customfields import selectors as field_selectors
from relata.customfields.models import Target
from relata.customfields.services import value_display, values_display
from relata.entities import selectors, services
from relata.entities.forms import (
    DEFAULT_COLUMNS,
    BulkAssignForm,
    BulkTagForm,
    EntityFilterForm,
    EntityForm,
    apply_service_errors,
    columns_available,
)
from relata.entities.models import Entity, KindMeaning

COLUMNS_SESSION_KEY = "entities.list.columns"
CONTACTS_ON_DETAIL = 20
TIMELINE_LIMIT = 30


def forbid_unless(allowed: bool) -> None:
    """Answer 403 unless ``allowed``; the contact and settings pages use it too."""
    if not allowed:
        raise PermissionDenied


def entity_or_404(request: AuthenticatedHttpRequest, pk: int) -> Entity:
    """Return the entity ``pk`` if the user may see it; 404 otherwise, as for a missing one."""
    try:
        return selectors.entity_get(user=request.user, pk=pk)
    except Entity.DoesNotExist as error:
        raise Http404 from error


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def export_url(query: str) -> str:
    """Return the export address for the list's current query string."""
    base = reverse("entities:entities_io:export")
    return f"{base}?{query}" if query else base


# --- List ---------------------------------------------------------------------------------


def _chosen_columns(request: HttpRequest, available: list[tuple[str, str]]) -> list[str]:
    keys = {key for key, _label in available}
    saved = request.session.get(COLUMNS_SESSION_KEY)
    chosen = saved if isinstance(saved, list) else list(DEFAULT_COLUMNS)
    return [key for key in chosen if key in keys]


@login_required
def entity_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = EntityFilterForm(request.GET)
    entities = selectors.entity_list(
        user=request.user,
        search=form.search,
        filters=form.filters(),
        sort=request.GET.get("sort", "name"),
    )
    page = Paginator(entities, form.per_page).get_page(request.GET.get("page"))
    available = columns_available()
    columns = _chosen_columns(request, available)
    definitions = {f"cf_{d.key}": d for d in field_selectors.list_columns(target=Target.ENTITY)}
    custom_columns = [key for key in columns if key in definitions]
    rows = [
        (
            entity,
            [
                value_display(definition=definitions[key], value=entity.custom.get(key[3:]))
                for key in custom_columns
            ],
        )
        for entity in page.object_list
    ]
    query = request.GET.copy()
    query.pop("page", None)
    xlsx_query = query.copy()
    xlsx_query["format"] = "xlsx"
    context: dict[str, Any] = {
        "form": form,
        "page_obj": page,
        "rows": rows,
        "columns": columns,
        "available_columns": available,
        "custom_columns": [(key, definitions[key].label) for key in custom_columns],
        "filtered": bool(form.search or form.filters()),
        "export_url": export_url(query.urlencode()),
        "export_xlsx_url": export_url(xlsx_query.urlencode()),
        "list_url": request.get_full_path(),
        "import_url": reverse("entities:entities_io:import_start"),
        "duplicates_url": reverse("entities:entities_dedup:list"),
        "segments_url": reverse("entities:entities_segments:list"),
    }
    if permissions.can_write(request.user):
        context["assign_form"] = BulkAssignForm(user=request.user)
        context["tag_form"] = BulkTagForm()
    rows_only = request.htmx and request.htmx.target == "entity-rows"
    template = "entities/entity_list.html#rows" if rows_only else "entities/entity_list.html"
    return render(request, template, context)


@login_required
@require_POST
def entity_columns(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Remember which optional columns the list shows, for this session."""
    keys = {key for key, _label in columns_available()}
    request.session[COLUMNS_SESSION_KEY] = [
        key for key in request.POST.getlist("columns") if key in keys
    ]
    return redirect(_safe_next(request, reverse("entities:list")))


def _selected(request: AuthenticatedHttpRequest) -> list[Entity]:
    """Return the entities picked in the list that the user may see."""
    ids = [int(value) for value in request.POST.getlist("ids") if value.isdigit()]
    if not ids:
        return []
    return list(selectors.entity_list(user=request.user).filter(pk__in=ids[:1000]))


@login_required
@require_POST
def entity_bulk(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Apply a bulk action (assign, tag; delete asks first) to the picked entities."""
    forbid_unless(permissions.can_write(request.user))
    back = _safe_next(request, reverse("entities:list"))
    entities = _selected(request)
    action = request.POST.get("action", "")
    if action not in ("assign", "tag", "delete"):
        return HttpResponseBadRequest(_("Unknown action."))
    if not entities:
        messages.warning(request, _("Select at least one entity first."))
        return redirect(back)
    if action == "delete":
        return _delete_confirmation(request, entities, back)
    try:
        if action == "assign":
            form: BulkAssignForm | BulkTagForm = BulkAssignForm(request.POST, user=request.user)
            if not form.is_valid():
                raise ValidationError([e for errors in form.errors.values() for e in errors])
            owner, team = form.cleaned_data["owner"], form.cleaned_data["team"]
            # One change for all, or none: a refusal in the middle undoes the rest.
            with transaction.atomic():
                changed = sum(
                    services.entity_assign(
                        user=request.user,
                        entities=[entity],
                        owner=owner or entity.owner,
                        team=team or entity.team,
                    )
                    for entity in entities
                )
            messages.success(
                request,
                ngettext(
                    "%(count)d entity was reassigned.",
                    "%(count)d entities were reassigned.",
                    changed,
                )
                % {"count": changed},
            )
        else:
            form = BulkTagForm(request.POST)
            if not form.is_valid():
                raise ValidationError([e for errors in form.errors.values() for e in errors])
            count = services.entity_add_tag(
                user=request.user, entities=entities, name=form.cleaned_data["tag"]
            )
            messages.success(
                request,
                ngettext(
                    "The tag “%(tag)s” was added to %(count)d entity.",
                    "The tag “%(tag)s” was added to %(count)d entities.",
                    count,
                )
                % {"tag": form.cleaned_data["tag"].strip(), "count": count},
            )
    except (ValidationError, PermissionDenied) as error:
        text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        messages.error(request, _("Nothing was changed: %(reason)s") % {"reason": text})
    return redirect(back)


def _delete_confirmation(
    request: AuthenticatedHttpRequest, entities: list[Entity], back: str
) -> HttpResponse:
    allowed = [e for e in entities if permissions.can_change(request.user, e)]
    refused = [e for e in entities if e not in allowed]
    return render(
        request,
        "entities/entity_confirm_delete.html",
        {
            "entities": allowed,
            "refused": refused,
            "action": reverse("entities:bulk_delete"),
            "back": back,
        },
    )


@login_required
@require_POST
def entity_bulk_delete(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Delete the confirmed entities, all or none."""
    forbid_unless(permissions.can_write(request.user))
    back = _safe_next(request, reverse("entities:list"))
    entities = _selected(request)
    try:
        with transaction.atomic():
            for entity in entities:
                services.entity_delete(user=request.user, entity=entity)
    except PermissionDenied as error:
        messages.error(request, _("Nothing was deleted: %(reason)s") % {"reason": error})
    else:
        messages.success(
            request,
            ngettext(
                "%(count)d entity was deleted.", "%(count)d entities were deleted.", len(entities)
            )
            % {"count": len(entities)},
        )
    return redirect(back)


# --- Detail and forms ----------------------------------------------------------------------


def _detail_context(request: AuthenticatedHttpRequest, entity: Entity) -> dict[str, Any]:
    contacts = selectors.contact_list(user=request.user, entity=entity)
    return {
        "entity": entity,
        "can_change": permissions.can_change(request.user, entity),
        "is_prospect": entity.kind.meaning == KindMeaning.PROSPECT,
        "emails": selectors.entity_emails(entity),
        "phones": selectors.entity_phones(entity),
        "addresses": selectors.entity_addresses(entity),
        "tags": list(entity.tags.all()),
        "custom_values": values_display(
            definitions=field_selectors.field_definitions(target=Target.ENTITY),
            values=entity.custom,
        ),
        "contacts": contacts[:CONTACTS_ON_DETAIL],
        "contact_count": contacts.count(),
        "events": timeline_for(entity, limit=TIMELINE_LIMIT, user=request.user),
        "panels": render_panels("entity_detail", request, entity),
    }


@login_required
def entity_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    entity = entity_or_404(request, pk)
    template = "entities/entity_detail.html"
    if request.htmx and request.htmx.target == "entity-main":
        template += "#main"  # "Cancel" of the edit in place
    return render(request, template, _detail_context(request, entity))


def _save_entity(request: AuthenticatedHttpRequest, form: EntityForm) -> Entity | None:
    """Call the create or update service with the form's data; None when it refused."""
    arguments: dict[str, Any] = {
        "user": request.user,
        "data": form.entity_data(),
        "emails": form.emails_data(),
        "phones": form.phones_data(),
        "addresses": form.addresses_data(),
        "tags": form.tags_data(),
        "custom": form.custom_data(),
    }
    try:
        if form.instance is None:
            return services.entity_create(**arguments)
        return services.entity_update(entity=form.instance, **arguments)
    except ValidationError as error:
        apply_service_errors(form, error)
    except PermissionDenied as error:
        form.add_error(None, str(error))
    return None


@login_required
@require_http_methods(["GET", "POST"])
def entity_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    forbid_unless(permissions.can_write(request.user))
    form = EntityForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        entity = _save_entity(request, form)
        if entity is not None:
            messages.success(
                request, _("The entity “%(name)s” was created.") % {"name": entity.display_name}
            )
            return redirect(entity)
    return render(request, "entities/entity_form.html", {"form": form, "entity": None})


@login_required
@require_http_methods(["GET", "POST"])
def entity_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Change an entity: in place on the detail page with htmx, or as a page of its own."""
    entity = entity_or_404(request, pk)
    forbid_unless(permissions.can_change(request.user, entity))
    form = EntityForm(request.POST or None, user=request.user, instance=entity)
    inline = bool(request.htmx)
    if request.method == "POST" and form.is_valid():
        saved = _save_entity(request, form)
        if saved is not None:
            if inline:
                context = _detail_context(request, entity_or_404(request, pk))
                return render(request, "entities/entity_saved.html", {**context, "saved": True})
            messages.success(
                request, _("The entity “%(name)s” was saved.") % {"name": saved.display_name}
            )
            return redirect(saved)
    template = "entities/entity_form.html#form" if inline else "entities/entity_form.html"
    return render(request, template, {"form": form, "entity": entity, "inline": inline})


@login_required
@require_http_methods(["GET", "POST"])
def entity_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Ask (GET), then delete (POST) one entity with its contacts."""
    entity = entity_or_404(request, pk)
    forbid_unless(permissions.can_change(request.user, entity))
    if request.method == "POST":
        name = entity.display_name
        services.entity_delete(user=request.user, entity=entity)
        messages.success(request, _("The entity “%(name)s” was deleted.") % {"name": name})
        return redirect("entities:list")
    return render(
        request,
        "entities/entity_confirm_delete.html",
        {
            "entities": [entity],
            "refused": [],
            "action": reverse("entities:delete", args=[entity.pk]),
            "back": entity.get_absolute_url(),
        },
    )


@login_required
@require_POST
def entity_convert(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Turn a prospect into a customer (lead conversion); the history stays."""
    entity = entity_or_404(request, pk)
    forbid_unless(permissions.can_change(request.user, entity))
    try:
        services.entity_convert_lead(user=request.user, entity=entity)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("“%(name)s” is now a customer (%(kind)s).")
            % {"name": entity.display_name, "kind": entity.kind.label},
        )
    return redirect(entity)
