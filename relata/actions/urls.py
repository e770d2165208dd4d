"""Addresses of the action pages, the agenda and the action-type settings (namespace
``actions``, included at the site root)."""

from django.urls import path

from relata.actions import urls_calendar
from relata.actions.views import agenda, pages, types

app_name = "actions"

urlpatterns: list = [
    path("actions/", pages.action_list, name="list"),
    path("actions/new/", pages.action_create, name="create"),
    path("actions/new/entities/", pages.entity_options, name="entity_options"),
    path("actions/new/entity-fields/", pages.entity_fields, name="entity_fields"),
    path("actions/reassign/", pages.action_bulk_reassign, name="bulk_reassign"),
    path("actions/<int:pk>/", pages.action_detail, name="detail"),
    path("actions/<int:pk>/edit/", pages.action_edit, name="edit"),
    path("actions/<int:pk>/complete/", pages.action_complete, name="complete"),
    path("actions/<int:pk>/cancel/", pages.action_cancel, name="cancel"),
    path("actions/<int:pk>/take/", pages.action_take, name="take"),
    path("actions/<int:pk>/resend/", pages.action_resend, name="resend"),
    path("actions/<int:pk>/reassign/", pages.action_reassign, name="reassign"),
    path("actions/<int:pk>/delete/", pages.action_delete, name="delete"),
    path("agenda/", agenda.agenda, name="agenda"),
    path("agenda/events/", agenda.agenda_events, name="agenda_events"),
    path("agenda/move/<int:pk>/", agenda.agenda_move, name="agenda_move"),
    path("settings/action-types/", types.type_list, name="type_list"),
    path("settings/action-types/new/", types.type_edit, name="type_create"),
    path("settings/action-types/<int:pk>/edit/", types.type_edit, name="type_edit"),
]
# The calendar feed, .ics downloads and reminder settings (same namespace).
urlpatterns += urls_calendar.urlpatterns
