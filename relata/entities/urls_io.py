"""Addresses of import and export; included by the entity pages at ``entities/import/``.

Names: ``import_start`` (``?target=entity|contact``), ``import_mapping``,
``import_preview``, ``import_cancel``, ``export`` (``?target=entity|contact&format=csv|xlsx``
plus the list's parameters), ``vcard_export`` (``?contact=<id>``, ``?id=…``, or the
contact list's parameters; ``&version=3.0``), ``vcard_import`` (``?entity=<id>``),
``vcard_preview``.
"""

from django.urls import path

from relata.entities import views_io

app_name = "entities_io"

urlpatterns = [
    path("", views_io.import_start, name="import_start"),
    path("<uuid:token>/mapping/", views_io.import_mapping, name="import_mapping"),
    path("<uuid:token>/preview/", views_io.import_preview, name="import_preview"),
    path("<uuid:token>/cancel/", views_io.import_cancel, name="import_cancel"),
    path("export/", views_io.export, name="export"),
    path("vcard/export/", views_io.vcard_export, name="vcard_export"),
    path("vcard/", views_io.vcard_import, name="vcard_import"),
    path("vcard/<uuid:token>/", views_io.vcard_preview, name="vcard_preview"),
]
