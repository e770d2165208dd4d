"""Settings → Case types: the types and their statuses (administrators only)."""

from django.urls import URLPattern, path

from relata.cases.views import settings

urlpatterns: list[URLPattern] = [
    path("settings/case-types/", settings.type_list, name="settings_type_list"),
    path("settings/case-types/new/", settings.type_edit, name="settings_type_create"),
    path("settings/case-types/<int:pk>/", settings.type_detail, name="settings_type_detail"),
    path("settings/case-types/<int:pk>/edit/", settings.type_edit, name="settings_type_edit"),
    path(
        "settings/case-types/<int:type_pk>/statuses/new/",
        settings.status_edit,
        name="settings_status_create",
    ),
    path(
        "settings/case-types/<int:type_pk>/statuses/<int:pk>/edit/",
        settings.status_edit,
        name="settings_status_edit",
    ),
    path(
        "settings/case-types/<int:type_pk>/statuses/<int:pk>/move/",
        settings.status_move,
        name="settings_status_move",
    ),
]
