"""Addresses of the entity and contact pages; import/export, duplicates and segments plug
in below their own prefixes, in the same ``entities`` namespace."""

from django.urls import include, path

from relata.entities import views, views_contacts, views_settings

app_name = "entities"
urlpatterns = [
    path("", views.entity_list, name="list"),
    path("new/", views.entity_create, name="create"),
    path("columns/", views.entity_columns, name="columns"),
    path("bulk/", views.entity_bulk, name="bulk"),
    path("bulk/delete/", views.entity_bulk_delete, name="bulk_delete"),
    path("<int:pk>/", views.entity_detail, name="detail"),
    path("<int:pk>/edit/", views.entity_edit, name="edit"),
    path("<int:pk>/delete/", views.entity_delete, name="delete"),
    path("<int:pk>/convert/", views.entity_convert, name="convert"),
    path("<int:pk>/contacts/new/", views_contacts.contact_create, name="contact_create"),
    path("contacts/", views_contacts.contact_list, name="contact_list"),
    path("contacts/<int:pk>/", views_contacts.contact_detail, name="contact_detail"),
    path("contacts/<int:pk>/edit/", views_contacts.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/delete/", views_contacts.contact_delete, name="contact_delete"),
    path("contacts/<int:pk>/move/", views_contacts.contact_move, name="contact_move"),
    path("settings/<slug:list_name>/", views_settings.settings_list, name="settings_list"),
    path("settings/<slug:list_name>/new/", views_settings.settings_edit, name="settings_create"),
    path(
        "settings/<slug:list_name>/<int:pk>/edit/",
        views_settings.settings_edit,
        name="settings_edit",
    ),
    path(
        "settings/<slug:list_name>/<int:pk>/deactivate/",
        views_settings.settings_deactivate,
        name="settings_deactivate",
    ),
    path("import/", include("relata.entities.urls_io")),
    path("duplicates/", include("relata.entities.urls_dedup")),
    path("segments/", include("relata.entities.urls_segments")),
]
