"""The pipeline changes page: two weekly snapshots compared, and "take a snapshot now".

The comparison is :func:`relata.dashboard.analysis_snapshots.snapshot_compare`, scoped to
the cases the user may see now. Each category lists its first cases; ``?category=`` shows
one category whole, paginated; ``?format=csv`` downloads every difference.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from relata.cases.views.board import money
from relata.core import permissions
from relata.core.types import AuthenticatedHttpRequest
from relata.dashboard import services
from relata.dashboard.analysis_snapshots import (
    CATEGORIES,
    Comparison,
    Difference,
    snapshot_compare,
    snapshot_list,
)
from relata.dashboard.forms import SnapshotChoiceForm
from relata.dashboard.views_analysis import currency, download

PREVIEW_ROWS = 50
PAGE_SIZE = 50


def _signed(value: Any, code: str) -> str:
    if not value:
        return ""
    return ("+" if value > 0 else "") + money(value, code)


def _row_view(item: Difference, comparison: Comparison, code: str) -> dict[str, Any]:
    before, after = item.before, item.after
    shown = item.row

    def status_name(row: Any) -> str:
        status = comparison.statuses.get(row.status_id) if row else None
        return status.name if status else ""

    owner = comparison.owners.get(shown.owner_id) if shown.owner_id else None
    return {
        "number": shown.number,
        "subject": shown.subject,
        "url": reverse("cases:detail", args=[shown.case_id]) if shown.case_id else "",
        "owner": str(owner) if owner else "",
        "status_before": status_name(before),
        "status_after": status_name(after),
        "close_before": before.expected_close_date if before else None,
        "close_after": after.expected_close_date if after else None,
        "amount_before": money(before.amount, code) if before else "",
        "amount_after": money(after.amount, code) if after else "",
        "difference": _signed(item.difference, code),
        "weighted": money(item.weighted, code),
    }


def _csv(comparison: Comparison, fmt: str) -> HttpResponseBase:
    header = [
        _("Change"),
        _("Number"),
        _("Subject"),
        _("Owner"),
        _("Status before"),
        _("Status after"),
        _("Amount before"),
        _("Amount after"),
        _("Difference"),
        _("Weighted"),
        _("Expected close before"),
        _("Expected close after"),
    ]
    rows = []
    for category in comparison.changed:
        for item in category.rows:
            b, a = item.before, item.after
            owner = comparison.owners.get(item.row.owner_id) if item.row.owner_id else None
            statuses = comparison.statuses
            rows.append(
                [
                    category.label,
                    item.row.number,
                    item.row.subject,
                    str(owner) if owner else "",
                    statuses[b.status_id].name if b and b.status_id in statuses else "",
                    statuses[a.status_id].name if a and a.status_id in statuses else "",
                    b.amount if b else "",
                    a.amount if a else "",
                    item.difference if item.difference is not None else "",
                    item.weighted,
                    b.expected_close_date.isoformat() if b and b.expected_close_date else "",
                    a.expected_close_date.isoformat() if a and a.expected_close_date else "",
                ]
            )
    return download(header, rows, "pipeline-changes", fmt)


@login_required
@require_GET
def snapshots(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    all_snapshots = snapshot_list()
    form = SnapshotChoiceForm(request.GET, user=request.user, snapshots=all_snapshots)
    before, after = form.chosen()
    code = currency()
    context: dict[str, Any] = {
        "form": form,
        "snapshots": all_snapshots,
        "before": before,
        "after": after,
        "can_take": permissions.is_administrator(request.user),
        "comparison": None,
    }
    if before is None or after is None:
        return render(request, "dashboard/analysis/snapshots.html", context)
    comparison = snapshot_compare(user=request.user, before=before, after=after)
    fmt = request.GET.get("format", "")
    if fmt in ("csv", "xlsx"):
        return _csv(comparison, fmt)
    pair = {"before": before.taken_on.isoformat(), "after": after.taken_on.isoformat()}
    chosen = request.GET.get("category", "")
    cards = []
    for category in comparison.categories.values():
        cards.append(
            {
                "category": category,
                "amount_text": money(category.amount, code, whole=True),
                "weighted_text": money(category.weighted, code, whole=True),
                "difference_text": money(category.difference, code, whole=True),
                "url": "?" + urlencode({**pair, "category": category.code}),
            }
        )
    tables = []
    page = None
    if chosen in CATEGORIES and chosen != "unchanged":
        category = comparison.categories[chosen]
        page = Paginator(category.rows, PAGE_SIZE).get_page(request.GET.get("page"))
        tables.append(
            {
                "category": category,
                "rows": [_row_view(i, comparison, code) for i in page.object_list],
                "more": 0,
            }
        )
    else:
        for category in comparison.changed:
            if not category.count:
                continue
            tables.append(
                {
                    "category": category,
                    "rows": [_row_view(i, comparison, code) for i in category.rows[:PREVIEW_ROWS]],
                    "more": max(0, category.count - PREVIEW_ROWS),
                    "all_url": "?" + urlencode({**pair, "category": category.code}),
                }
            )
    context.update(
        {
            "comparison": comparison,
            "cards": cards,
            "tables": tables,
            "page_obj": page,
            "chosen": chosen if page is not None else "",
            "all_url": "?" + urlencode(pair),
            "export_query": urlencode(pair),
            "before_amount": money(comparison.before_open.amount, code, whole=True),
            "after_amount": money(comparison.after_open.amount, code, whole=True),
            "before_weighted": money(comparison.before_open.weighted, code, whole=True),
            "after_weighted": money(comparison.after_open.weighted, code, whole=True),
        }
    )
    return render(request, "dashboard/analysis/snapshots.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def snapshot_take(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """Administrators: confirm (GET), then take today's snapshot (POST)."""
    permissions.ensure(
        permissions.is_administrator(request.user), _("Only administrators take snapshots.")
    )
    if request.method == "POST":
        snapshot = services.snapshot_take(user=request.user)
        messages.success(
            request,
            _("Snapshot of %(date)s taken: %(count)s opportunities.")
            % {"date": snapshot.taken_on.isoformat(), "count": snapshot.case_count},
        )
        return redirect("dashboard:snapshots")
    return render(request, "dashboard/analysis/snapshot_take.html", {})
