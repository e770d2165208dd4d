"""The "Sales (ERP)" card of the entity page: the 360° figures of its linked ERP customer
(sales this year against last year by month and by family, open orders, pending
deliveries, unpaid and overdue invoices, credit and conditions), each block linking to its
full read-only list.

A fixed number of queries whatever the customer's volume (see
:func:`relata.sales.selectors.customer_summary`).
"""

from __future__ import annotations

import decimal
from typing import Any

from django.db import models
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.dates import MONTHS_3
from django.utils.translation import gettext as _

from relata.core import panels
from relata.core.models import User
from relata.entities.models import Entity
from relata.sales import selectors


def month_labels() -> list[str]:
    return [str(MONTHS_3[n]).capitalize() for n in range(1, 13)]


def sales_chart(entity: Entity, summary: dict[str, Any]) -> dict[str, Any]:
    """The Chart.js config of the months (see dashboard/charts.js); each bar opens the
    invoices of its month."""
    year = summary["year"]
    url = reverse("sales:entity_invoices", args=[entity.pk])

    def dataset(label_year: int, values: list[decimal.Decimal]) -> dict[str, Any]:
        return {
            "label": str(label_year),
            "data": [float(v) for v in values],
            "links": [f"{url}?month={label_year}-{m:02d}" for m in range(1, 13)],
        }

    return {
        "type": "bar",
        "money": True,
        "labels": month_labels(),
        "datasets": [
            {
                **dataset(year - 1, summary["sales_by_month"]["last_year"]),
                "backgroundColor": "#adb5bd",
            },
            {**dataset(year, summary["sales_by_month"]["this_year"]), "backgroundColor": "#0d6efd"},
        ],
    }


def conditions(value: Any) -> list[tuple[str, str]] | str:
    """The ERP's commercial conditions (any JSON) as label/value pairs, or plain text."""
    if value in (None, "", {}, []):
        return ""
    if isinstance(value, dict):
        return [(str(k).replace("_", " ").capitalize(), _plain(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [("", _plain(v)) for v in value]
    return _plain(value)


def _plain(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_plain(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_plain(v) for v in value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


@panels.register("entity_detail", order=30)
def entity_panel(request: HttpRequest, obj: models.Model) -> str:
    if not isinstance(obj, Entity) or not isinstance(request.user, User):
        return ""
    customer = selectors.entity_customer(request.user, obj)
    context: dict[str, Any] = {"entity": obj, "customer": customer}
    if customer is not None:
        summary = selectors.customer_360(customer)
        months = month_labels()
        rows = conditions(customer.commercial_conditions)
        context.update(
            {
                "summary": summary,
                "chart": sales_chart(obj, summary),
                "chart_id": f"sales-chart-{obj.pk}",
                "month_rows": [
                    (n + 1, months[n], last, this)
                    for n, (last, this) in enumerate(
                        zip(
                            summary["sales_by_month"]["last_year"],
                            summary["sales_by_month"]["this_year"],
                            strict=True,
                        )
                    )
                ],
                "conditions_rows": rows if isinstance(rows, list) else [],
                "conditions_text": rows if isinstance(rows, str) else "",
            }
        )
    return render_to_string("sales/360/panel.html", context, request=request)
