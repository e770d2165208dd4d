from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from relata.core import views as core_views
from relata.dashboard import views_panel as panel_views

urlpatterns = [
    path("", panel_views.panel, name="home"),
    path("search/", core_views.search_view, name="search"),
    path("healthz", core_views.health, name="health"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("relata.api.urls")),
    path("admin/", admin.site.urls),
    path("", include("relata.core.urls")),
    path("settings/fields/", include("relata.customfields.urls")),
    path("entities/", include("relata.entities.urls")),
    path("cards/", include("relata.cards.urls")),
    path("", include("relata.actions.urls")),
    path("", include("relata.cases.urls")),
    path("", include("relata.products.urls")),
    path("", include("relata.campaigns.urls")),
    path("", include("relata.dashboard.urls")),
    path("", include("relata.mailing.urls")),
    path("", include("relata.sales.urls")),
]

handler403 = "relata.core.errors.permission_denied"
handler404 = "relata.core.errors.not_found"
handler500 = "relata.core.errors.server_error"
