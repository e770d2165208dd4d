"""API endpoints of the sales app (included by relata/api/urls.py under /api/v1/).

``sales/<kind>/…``: the ERP integration (integration tokens only, see api.py);
``sales/crm/…``: read-only sales data for CRM users (see api_crm.py).
"""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from relata.sales import api_crm, api_links
from relata.sales.api import VIEWS

router = SimpleRouter()
router.register("sales/crm/customers", api_crm.CustomerReadViewSet, basename="sales-customer")
router.register("sales/crm/orders", api_crm.OrderReadViewSet, basename="sales-order")
router.register("sales/crm/deliveries", api_crm.DeliveryReadViewSet, basename="sales-delivery")
router.register("sales/crm/invoices", api_crm.InvoiceReadViewSet, basename="sales-invoice")

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "sales/crm/entities/<int:pk>/summary/",
        api_crm.EntitySalesSummaryView.as_view(),
        name="api-sales-entity-summary",
    ),
    # A case's links to its customer's orders, deliveries and invoices (R27).
    path(
        "cases/<int:pk>/sales-links/",
        api_links.CaseSalesLinksView.as_view(),
        name="api-case-sales-links",
    ),
    path(
        "cases/<int:pk>/sales-links/<int:link_pk>/",
        api_links.CaseSalesLinkDetailView.as_view(),
        name="api-case-sales-link",
    ),
    *router.urls,
]
for _kind, (_one, _many) in VIEWS.items():
    urlpatterns += [
        path(f"sales/{_kind}/bulk/", _many.as_view(), name=f"api-sales-{_kind}-bulk"),
        path(
            f"sales/{_kind}/<str:external_id>",
            _one.as_view(),
            name=f"api-sales-{_kind}-upsert",
        ),
    ]
