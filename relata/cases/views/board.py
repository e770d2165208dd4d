"""The pipeline board [tablero] of a case type and the move endpoint its drags call.

The board is one page per case type: a column per active status with its count and amount
total, the first cards by expected close date, and filters in the query string (so a board
can be bookmarked). Moving a card posts to :func:`case_move`, which answers JSON to the
board's script, a form fragment to htmx (the won/lost modal) and a page otherwise; the
service :func:`relata.cases.services.case_move` decides every move.
"""

from __future__ import annotations

import decimal
import json
from dataclasses import dataclass, field
from typing import Any

from babel import Locale
from babel.numbers import format_currency, parse_pattern
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from relata.cases import reports, selectors, services
from relata.cases.forms_move import BoardFilterForm, CaseMoveForm
from relata.cases.models import Case, CaseStatus, CaseType
from relata.core import permissions
from relata.core.forms import style_widgets
from relata.core.models import Role, User
from relata.core.selectors import parameters_get
from relata.core.types import AuthenticatedHttpRequest
from relata.entities.forms.common import apply_service_errors

BOARD_FILTERS = ("owner", "team", "campaign", "period", "close_from", "close_to")
# Cards per column (more than a desktop screen's height); the rest of a column is behind
# its "N more" link to the case list. Each card costs rendering time on every board load.
CARDS_PER_COLUMN = 12
_SENTINEL = 987654321


# --- Helpers shared with the report ------------------------------------------------------


def _locale() -> Locale:
    return Locale.parse(get_language() or "en", sep="-")


def money(value: decimal.Decimal | int | None, currency: str, *, whole: bool = False) -> str:
    """Return ``value`` in ``currency`` as the active language writes it (1.234,50 €).

    ``whole`` drops the cents, for totals in narrow column headers.
    """
    value = value or decimal.Decimal(0)
    locale = _locale()
    try:
        if whole:
            pattern = parse_pattern(locale.currency_formats["standard"].pattern)
            pattern.frac_prec = (0, 0)
            return pattern.apply(
                decimal.Decimal(value).quantize(decimal.Decimal(1), decimal.ROUND_HALF_UP),
                locale,
                currency=currency,
                currency_digits=False,
            )
        return format_currency(value, currency, locale=locale)
    except (KeyError, ValueError):
        return f"{value} {currency}"


def url_maker(name: str) -> Any:
    """Return ``pk → url`` for a URL name taking one id, or None while it does not exist
    (the case pages are built alongside the board)."""
    try:
        template = reverse(name, args=[_SENTINEL])
    except NoReverseMatch:
        return None
    return lambda pk: template.replace(str(_SENTINEL), str(pk))


def reverse_or_empty(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def may_move(user: User, case: Case) -> bool:
    """Return whether the board should let ``user`` drag ``case``.

    The cards come from the permission layer's scope, so they are visible; this applies
    the rest of ``can_change`` without a query per card. The move endpoint still asks the
    services, which decide.
    """
    if permissions.is_administrator(user):
        return True
    if not permissions.can_write(user):
        return False
    if user.role == Role.MANAGER:
        return True
    return case.owner_id == user.pk or (
        case.owner_id is None and case.team_id in permissions.team_ids(user)
    )


def forbid_unless(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


# --- Board --------------------------------------------------------------------------------


@dataclass
class ColumnView:
    """What the template shows of a :class:`relata.cases.reports.BoardColumn`."""

    status: CaseStatus
    count: int
    total_text: str
    cards: list[Case]
    more: int
    more_url: str
    allowed_next: list[int] = field(default_factory=list)


def default_type() -> CaseType | None:
    """Return the board's first type: the first active opportunity type, else any active."""
    types = selectors.case_types()
    return types.filter(is_opportunity=True).first() or types.first()


def _allowed_next(case_type: CaseType) -> dict[int, list[int]]:
    through = CaseStatus.allowed_next.through
    allowed: dict[int, list[int]] = {}
    rows = through.objects.filter(from_casestatus__case_type=case_type).values_list(
        "from_casestatus_id", "to_casestatus_id"
    )
    for source, target in rows:
        allowed.setdefault(source, []).append(target)
    return allowed


def _columns(
    request: AuthenticatedHttpRequest, case_type: CaseType, form: BoardFilterForm
) -> list[ColumnView]:
    user = request.user
    columns = reports.board(
        user=user,
        case_type=case_type,
        cards_per_column=CARDS_PER_COLUMN,
        **form.board_filters(),
    )
    allowed = _allowed_next(case_type)
    currency = parameters_get().default_currency or "EUR"
    detail_url = url_maker("cases:detail")
    move_url = url_maker("cases:move")
    list_url = reverse_or_empty("cases:list")
    kept = [(name, request.GET[name]) for name in BOARD_FILTERS if request.GET.get(name)]
    today, now = timezone.localdate(), timezone.now()
    move_label = _("Move %(number)s to…")
    views = []
    for column in columns:
        for case in column.cases:
            case.detail_url = detail_url(case.pk) if detail_url else move_url(case.pk)  # type: ignore[attr-defined]
            case.move_url = move_url(case.pk)  # type: ignore[attr-defined]
            case.amount_text = money(case.amount, case.currency)  # type: ignore[attr-defined]
            case.move_label = move_label % {"number": case.number}  # type: ignore[attr-defined]
            case.movable = may_move(user, case)  # type: ignore[attr-defined]
            case.overdue = bool(  # type: ignore[attr-defined]
                column.status.is_open
                and case.expected_close_date
                and case.expected_close_date < today
            )
            case.due_overdue = bool(  # type: ignore[attr-defined]
                column.status.is_open and case.due_at and case.due_at < now
            )
        more_url = ""
        if column.more and list_url:
            query: list[tuple[str, str | int]] = [
                ("case_type", case_type.pk),
                ("status", column.status.pk),
                *kept,
            ]
            more_url = f"{list_url}?{urlencode(query)}"
        views.append(
            ColumnView(
                status=column.status,
                count=column.count,
                total_text=money(column.total, currency, whole=True),
                cards=column.cases,
                more=column.more,
                more_url=more_url,
                allowed_next=allowed.get(column.status.pk, []),
            )
        )
    return views


def _config(case_type: CaseType) -> dict[str, Any]:
    return {
        "moveUrl": reverse("cases:move", args=[_SENTINEL]),
        "sentinel": str(_SENTINEL),
        "isOpportunity": case_type.is_opportunity,
        "texts": {
            "moveFailed": _("The case was not moved: %(reason)s"),
            "networkError": _("The server could not be reached; the case was put back."),
            "moved": _("%(number)s moved to “%(status)s”."),
            "noTargets": _("This case cannot move from its status."),
            "moveTo": _("Move to…"),
        },
    }


@login_required
@require_GET
def board(request: AuthenticatedHttpRequest, code: str | None = None) -> HttpResponse:
    """The board of the case type ``code`` (the first opportunity type without one)."""
    types = list(selectors.case_types())
    if code is None:
        case_type = default_type()
    else:
        case_type = next((t for t in types if t.code == code), None)
        if case_type is None:
            raise Http404(_("There is no case type with that code."))
    form = BoardFilterForm(request.GET, user=request.user)
    context: dict[str, Any] = {"form": form, "types": types, "case_type": case_type}
    if case_type is not None:
        columns = _columns(request, case_type, form)
        context.update(
            {
                "columns": columns,
                "total_count": sum(c.count for c in columns),
                "config": _config(case_type),
                "board_url": reverse("cases:board_type", args=[case_type.code]),
                "query": request.GET.urlencode(),
                "list_url": reverse_or_empty("cases:list"),
                # Said on every card: translated once rather than per card.
                "card_labels": {
                    "move_to": _("Move to…"),
                    "expected_close": _("Expected close"),
                    "due": _("Due"),
                    "overdue": _("overdue"),
                    "unassigned": _("Unassigned"),
                },
            }
        )
    if request.htmx and request.htmx.target == "board":
        return render(request, "cases/_board_columns.html", context)
    return render(request, "cases/board.html", context)


# --- Move ---------------------------------------------------------------------------------


def _wants_json(request: AuthenticatedHttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "") and not request.htmx


def _refused(request: AuthenticatedHttpRequest, message: str, status: int) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"ok": False, "message": message, "errors": {}}, status=status)
    if status == 404:
        raise Http404(message)
    raise PermissionDenied(message)


def _form_errors(form: CaseMoveForm) -> dict[str, list[str]]:
    return {name: [str(e) for e in errors] for name, errors in form.errors.items()}


@login_required
@require_http_methods(["GET", "POST"])
def case_move(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Move a case to another status: the board's drag (JSON), its modal (htmx) and the
    "Change status" page of a case."""
    try:
        case = selectors.case_get(user=request.user, pk=pk)
    except Case.DoesNotExist:
        return _refused(request, _("That case does not exist or is out of your reach."), 404)
    if not permissions.can_change(request.user, case):
        return _refused(request, _("You may not change this case."), 403)
    detail = url_maker("cases:detail")
    board_url = reverse("cases:board_type", args=[case.case_type.code])
    fallback = detail(case.pk) if detail else board_url
    if request.method == "POST":
        form = CaseMoveForm(request.POST, case=case)
        if form.is_valid():
            try:
                moved = services.case_move(user=request.user, case=case, **form.move_arguments())
            except PermissionDenied as error:
                return _refused(request, str(error) or _("You may not change this case."), 403)
            except ValidationError as error:
                apply_service_errors(form, error)
                style_widgets(form)  # mark the inputs the service named
            else:
                return _moved(request, moved, fallback)
        case.refresh_from_db()
        status = 400 if (request.htmx or _wants_json(request)) else 200
        if _wants_json(request):
            messages_text = " ".join(m for errors in _form_errors(form).values() for m in errors)
            return JsonResponse(
                {"ok": False, "message": messages_text, "errors": _form_errors(form)}, status=400
            )
    else:
        initial = {}
        wanted = request.GET.get("status", "")
        if wanted.isdigit():
            initial["status"] = int(wanted)
        form = CaseMoveForm(case=case, initial=initial)
        status = 200
    context = {
        "case": case,
        "form": form,
        "next": safe_next(request, fallback),
        "cancel_url": safe_next(request, fallback),
        "modal": bool(request.htmx),
    }
    template = "cases/_move_form.html" if request.htmx else "cases/move_form.html"
    return render(request, template, context, status=status)


def _moved(request: AuthenticatedHttpRequest, case: Case, fallback: str) -> HttpResponse:
    text = _("%(number)s moved to “%(status)s”.") % {
        "number": case.number,
        "status": case.status.name,
    }
    if _wants_json(request):
        return JsonResponse(
            {
                "ok": True,
                "message": text,
                "case": {
                    "id": case.pk,
                    "number": case.number,
                    "status": case.status_id,
                    "status_code": case.status.code,
                    "meaning": case.status.meaning,
                    "amount": str(case.amount),
                },
            }
        )
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Trigger"] = json.dumps({"caseMoved": {"id": case.pk}})
        return response
    messages.success(request, text)
    return redirect(safe_next(request, fallback))
