"""Pages of the sales app."""

from django.urls import path

from relata.sales import views

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
]
