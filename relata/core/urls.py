from django.urls import path

from relata.core import views, views_notifications

app_name = "core"
urlpatterns = [
    path("areas/<slug:area>/", views.area, name="area"),
    path("settings/", views.settings_index, name="settings"),
    path("settings/parameters/", views.parameters, name="parameters"),
    path("settings/parameters/edit/", views.parameters_edit, name="parameters_edit"),
    path("settings/teams/", views.team_list, name="team_list"),
    path("settings/teams/new/", views.team_edit, name="team_create"),
    path("settings/teams/<int:pk>/", views.team_detail, name="team_detail"),
    path("settings/teams/<int:pk>/edit/", views.team_edit, name="team_edit"),
    path("settings/teams/<int:pk>/delete/", views.team_delete, name="team_delete"),
    path("settings/users/", views.user_list, name="user_list"),
    path("settings/users/new/", views.user_edit, name="user_create"),
    path("settings/users/<int:pk>/edit/", views.user_edit, name="user_edit"),
    path("profile/", views.profile, name="profile"),
    path("notifications/", views_notifications.notification_list, name="notifications"),
    path(
        "notifications/read/",
        views_notifications.notifications_read_all,
        name="notifications_read_all",
    ),
    path(
        "notifications/<int:pk>/open/",
        views_notifications.notification_open,
        name="notification_open",
    ),
    path(
        "notifications/<int:pk>/read/",
        views_notifications.notification_read,
        name="notification_read",
    ),
]
# Saved views of list pages (partials/saved_views.html).
from relata.core import views_saved_views  # noqa: E402

urlpatterns += [
    path("saved-views/", views_saved_views.saved_view_create, name="saved_view_create"),
    path(
        "saved-views/<int:pk>/delete/",
        views_saved_views.saved_view_delete,
        name="saved_view_delete",
    ),
]
