"""Duplicate pages: the possible-duplicates report, the side-by-side merge, and the warning
fragment that the entity form asks for while a new entity is typed."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from relata.core import permissions
from relata.core.types import AuthenticatedHttpRequest
from relata.customfields import selectors as field_selectors
from relata.customfields.display import value_display
from relata.entities import selectors
from relata.entities.dedup import duplicate_pairs, find_duplicates, hidden_message
from relata.entities.merge import entity_merge
from relata.entities.models import Address, Contact, EmailAddress, Entity, PhoneNumber

PAGE_SIZE = 25
NS = "entities:entities_dedup"  # as included by relata/entities/urls.py
RECENT_CHOICES = (200, 500, 1000)
EMPTY = "—"


@login_required
@require_GET
def duplicate_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List pairs of entities that look like duplicates, each with a link to merge them."""
    recent = request.GET.get("recent", "")
    scan = int(recent) if recent.isdigit() and int(recent) in RECENT_CHOICES else RECENT_CHOICES[0]
    pairs = duplicate_pairs(user=request.user, limit=100, recent=scan)
    page = Paginator(pairs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "entities/dedup/duplicate_list.html",
        {"page_obj": page, "recent": scan, "recent_choices": RECENT_CHOICES, "ns": NS},
    )


def _entity(request: AuthenticatedHttpRequest, raw: Any) -> Entity:
    if not isinstance(raw, str) or not raw.isdigit():
        raise Http404
    try:
        return selectors.entity_get(user=request.user, pk=int(raw))
    except Entity.DoesNotExist as error:
        raise Http404 from error


def _lines(values: list[str]) -> str:
    return "\n".join(values) if values else EMPTY


def _comparison(a: Entity, b: Entity) -> list[dict[str, Any]]:
    """Return the rows of the side-by-side table: label, both values, and whether they differ."""

    def text(value: Any) -> str:
        if value is None or value == "":
            return EMPTY
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        return str(value)

    def emails(entity: Entity) -> str:
        return _lines(
            list(
                EmailAddress.objects.filter(entity=entity, contact=None).values_list(
                    "email", flat=True
                )
            )
        )

    def phones(entity: Entity) -> str:
        return _lines(
            list(
                PhoneNumber.objects.filter(entity=entity, contact=None).values_list(
                    "number", flat=True
                )
            )
        )

    def addresses(entity: Entity) -> str:
        return _lines([str(a) for a in Address.objects.filter(entity=entity)])

    def contacts(entity: Entity) -> str:
        return _lines([c.full_name for c in Contact.objects.filter(entity=entity)])

    def tags(entity: Entity) -> str:
        return ", ".join(t.name for t in entity.tags.all()) or EMPTY

    rows: list[tuple[str, Any]] = [
        (_("Legal name"), lambda e: text(e.legal_name)),
        (_("Trade name"), lambda e: text(e.trade_name)),
        (_("Tax id"), lambda e: text(e.tax_id)),
        (_("Kind"), lambda e: text(e.kind)),
        (_("Company"), lambda e: text(e.is_company)),
        (_("Website"), lambda e: text(e.website)),
        (_("Emails"), emails),
        (_("Phones"), phones),
        (_("Addresses"), addresses),
        (_("Contacts"), contacts),
        (_("Source"), lambda e: text(e.source)),
        (_("Sector"), lambda e: text(e.sector)),
        (_("Zone"), lambda e: text(e.zone)),
        (_("Assigned to"), lambda e: text(e.owner)),
        (_("Team"), lambda e: text(e.team)),
        (_("Tags"), tags),
        (_("Active"), lambda e: text(e.is_active)),
        (_("Notes"), lambda e: text(e.notes)),
    ]
    for definition in field_selectors.field_definitions(target="entity"):
        rows.append(
            (
                definition.label,
                lambda e, d=definition: value_display(definition=d, value=e.custom.get(d.key)),
            )
        )
    rows.append(
        (_("Created"), lambda e: formats.date_format(localtime(e.created_at), "DATETIME_FORMAT"))
    )
    table = []
    for label, value in rows:
        first, second = value(a), value(b)
        table.append(
            {"label": label, "a": first, "b": second, "differs": str(first) != str(second)}
        )
    return table


@login_required
@require_http_methods(["GET", "POST"])
def merge(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Compare two entities (``?a=<id>&b=<id>``), choose the one to keep, and merge."""
    a = _entity(request, request.GET.get("a"))
    b = _entity(request, request.GET.get("b"))
    errors: list[str] = []
    if a.pk == b.pk:
        errors.append(_("Choose two different entities to merge."))
    if request.method == "POST" and not errors:
        keep = request.POST.get("survivor")
        survivor, other = (b, a) if keep == str(b.pk) else (a, b)
        if keep not in (str(a.pk), str(b.pk)):
            errors.append(_("Choose the entity to keep."))
        else:
            try:
                merged = entity_merge(user=request.user, survivor=survivor, other=other)
            except ValidationError as error:
                errors.extend(error.messages)
            else:
                messages.success(
                    request,
                    _("“%(other)s” was merged into “%(name)s”.")
                    % {"other": other.display_name, "name": merged.display_name},
                )
                return redirect(merged.get_absolute_url())
    can_merge = permissions.can_change(request.user, a) and permissions.can_change(request.user, b)
    return render(
        request,
        "entities/dedup/merge.html",
        {
            "a": a,
            "b": b,
            "rows": _comparison(a, b) if a.pk != b.pk else [],
            "errors": errors,
            "can_merge": can_merge and a.pk != b.pk,
            "survivor": request.POST.get("survivor", str(a.pk)),
            "ns": NS,
        },
        status=400 if errors else 200,
    )


_POINT = re.compile(r"^(email|phone)(?:_\d+)?$")


@login_required
@require_GET
def duplicate_check(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Answer the duplicate warning for the entity being typed (an htmx fragment).

    Reads ``legal_name``, ``trade_name``, ``tax_id``, ``website``, any ``email``/``email_N``
    and ``phone``/``phone_N``, and ``exclude`` (the entity being edited).
    """
    params = request.GET
    data = {k: params.get(k, "") for k in ("legal_name", "trade_name", "tax_id", "website")}
    points: dict[str, list[str]] = {"email": [], "phone": []}
    for key in params:
        match = _POINT.match(key)
        if match:
            points[match.group(1)].extend(v for v in params.getlist(key) if v.strip())
    exclude = params.get("exclude", "")
    candidates = find_duplicates(
        user=request.user,
        data=data,
        emails=points["email"],
        phones=points["phone"],
        exclude_pk=int(exclude) if exclude.isdigit() else None,
    )
    visible = [c for c in candidates if c.visible]
    return render(
        request,
        "entities/dedup/_warning.html",
        {
            "candidates": visible,
            "hidden": hidden_message(candidates),
            "exclude": exclude if exclude.isdigit() else "",
            "ns": NS,
        },
    )
