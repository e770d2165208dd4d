"""The sales targets page: a grid of agents × months that managers fill in and save at once.

Reading is for everyone (each sees the targets :func:`target_agents` allows); saving goes
through :func:`relata.dashboard.services.targets_set_grid`, all or nothing, with the
errors shown in their cells.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dates import MONTHS_3
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from relata.core.types import AuthenticatedHttpRequest
from relata.dashboard import services
from relata.dashboard.analysis_targets import month_totals, target_grid
from relata.dashboard.forms import TargetGridForm, TargetsFilterForm, cell_name
from relata.dashboard.views_analysis import currency

CELL = re.compile(r"^t-(\d+)-(\d+)$")


def _amount_text(value: Any) -> str:
    return "" if value is None else f"{value:.2f}"


@login_required
@require_http_methods(["GET", "POST"])
def targets(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    user = request.user
    filter_form = TargetsFilterForm(request.GET, user=user)
    year = filter_form.chosen_year()
    team = filter_form.value("team")
    rows = target_grid(user=user, year=year, team=team)
    editable = [r.agent for r in rows if r.editable]
    initial = {
        cell_name(r.agent.pk, m + 1): r.months[m] for r in rows if r.editable for m in range(12)
    }
    grid_form = TargetGridForm(
        request.POST if request.method == "POST" else None, agents=editable, initial=initial
    )
    if request.method == "POST":
        allowed = {a.pk for a in editable}
        posted = {int(m.group(1)) for key in request.POST if (m := CELL.match(key))}
        if not allowed or not posted <= allowed:
            raise PermissionDenied(_("You cannot set these targets."))
        if grid_form.is_valid():
            try:
                changed = services.targets_set_grid(user=user, year=year, grid=grid_form.grid())
            except ValidationError as error:
                for key, errors in error.message_dict.items():
                    name = f"t-{key}"
                    target = name if name in grid_form.fields else None
                    for message in errors:
                        grid_form.add_error(target, message)
            else:
                messages.success(
                    request,
                    ngettext(
                        "Targets saved (%(count)s month changed).",
                        "Targets saved (%(count)s months changed).",
                        changed,
                    )
                    % {"count": changed},
                )
                query = {"year": year, **({"team": team.pk} if team else {})}
                return redirect(reverse("dashboard:targets") + "?" + urlencode(query))
    bound = grid_form.is_bound
    view_rows = []
    for row in rows:
        cells = []
        for month in range(1, 13):
            name = cell_name(row.agent.pk, month)
            if row.editable and bound:
                value = grid_form.data.get(name, "")
            else:
                value = _amount_text(row.months[month - 1])
            cells.append(
                {
                    "name": name,
                    "value": value,
                    "errors": grid_form.errors.get(name, []) if bound else [],
                    "month": month,
                    "amount": row.months[month - 1],
                }
            )
        quarters = row.quarters
        columns: list[dict[str, Any]] = []
        for q in range(4):
            columns += cells[q * 3 : q * 3 + 3]
            columns.append({"subtotal": True, "value": quarters[q], "quarter": q + 1})
        view_rows.append({"row": row, "columns": columns})
    totals = month_totals(rows)
    month_names = [str(MONTHS_3[m]).title() for m in range(1, 13)]
    header: list[dict[str, Any]] = []
    footer: list[dict[str, Any]] = []
    for q in range(4):
        header += [{"label": name} for name in month_names[q * 3 : q * 3 + 3]]
        header.append({"label": f"Q{q + 1}", "subtotal": True})
        footer += [{"value": value} for value in totals[q * 3 : q * 3 + 3]]
        footer.append({"value": totals[12 + q], "subtotal": True})
    context = {
        "filter_form": filter_form,
        "year": year,
        "team": team,
        "rows": view_rows,
        "any_editable": bool(editable),
        "grid_errors": grid_form.non_field_errors() if bound else [],
        "has_errors": bound and bool(grid_form.errors),
        "header": header,
        "footer": footer,
        "year_total": totals[16],
        "currency": currency(),
    }
    return render(request, "dashboard/analysis/targets.html", context)
