"""Addresses of the control panel's fragments (namespace ``dashboard``); the panel page
itself is the site's home (``home`` in relata/config/urls.py)."""

from django.urls import URLPattern, path

from relata.dashboard import views_panel, views_panel_actions

urlpatterns: list[URLPattern] = [
    path("panel/board/", views_panel.panel_board, name="panel_board"),
    path("panel/kpis/", views_panel.panel_kpis, name="panel_kpis"),
    path("panel/workload/", views_panel.panel_workload, name="panel_workload"),
    path("panel/entities/<int:pk>/", views_panel.entity_summary, name="panel_entity"),
    path(
        "panel/actions/<int:pk>/complete/",
        views_panel_actions.action_complete,
        name="panel_complete",
    ),
    path(
        "panel/actions/<int:pk>/reschedule/",
        views_panel_actions.action_reschedule,
        name="panel_reschedule",
    ),
    path("panel/actions/reassign/", views_panel_actions.actions_reassign, name="panel_reassign"),
    path("panel/actions/new/", views_panel_actions.action_new, name="panel_action_new"),
    path(
        "panel/opportunities/new/",
        views_panel_actions.opportunity_new,
        name="panel_opportunity_new",
    ),
]
