"""Addresses of the case pages: list, form, detail, reassignment and documents."""

from django.urls import URLPattern, path

from relata.cases.views import case_form, documents, pages

urlpatterns: list[URLPattern] = [
    path("cases/", pages.case_list, name="list"),
    path("cases/new/", case_form.case_create, name="create"),
    path("cases/new/entities/", case_form.entity_options, name="entity_options"),
    path("cases/<int:pk>/", pages.case_detail, name="detail"),
    path("cases/<int:pk>/edit/", case_form.case_edit, name="edit"),
    path("cases/<int:pk>/reassign/", pages.case_reassign, name="reassign"),
    path("cases/<int:pk>/documents/", documents.document_add, name="document_add"),
    path(
        "cases/<int:pk>/documents/<int:document_pk>/",
        documents.document_download,
        name="document",
    ),
    path(
        "cases/<int:pk>/documents/<int:document_pk>/delete/",
        documents.document_delete,
        name="document_delete",
    ),
]
