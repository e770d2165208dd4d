"""Pages of the sales app."""

from django.urls import path

from relata.sales import views, views_360, views_links

app_name = "sales"
urlpatterns = [
    path("settings/sales/", views.settings_page, name="settings"),
    path("settings/sales/linking/<str:master>/", views.link_setting_save, name="link_setting_save"),
    path("settings/sales/tokens/new/", views.token_create, name="token_create"),
    path("settings/sales/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("settings/sales/webhooks/new/", views.webhook_create, name="webhook_create"),
    path(
        "settings/sales/webhooks/<int:pk>/deactivate/",
        views.webhook_deactivate,
        name="webhook_deactivate",
    ),
    # The 360° view's drill-down pages (read-only).
    path("entities/<int:pk>/sales/orders/", views_360.entity_orders, name="entity_orders"),
    path("entities/<int:pk>/sales/invoices/", views_360.entity_invoices, name="entity_invoices"),
    path(
        "entities/<int:pk>/sales/deliveries/",
        views_360.entity_deliveries,
        name="entity_deliveries",
    ),
    path("sales/orders/<int:pk>/", views_360.order_detail, name="order_detail"),
    path("sales/invoices/<int:pk>/", views_360.invoice_detail, name="invoice_detail"),
    # After-sales cases linked to the customer's orders, deliveries and invoices (R27).
    path("cases/<int:pk>/sales-documents/", views_links.case_documents, name="case_documents"),
    path(
        "cases/<int:pk>/sales-documents/link/",
        views_links.case_document_link,
        name="case_document_link",
    ),
    path(
        "cases/<int:pk>/sales-documents/<int:link_pk>/unlink/",
        views_links.case_document_unlink,
        name="case_document_unlink",
    ),
]
