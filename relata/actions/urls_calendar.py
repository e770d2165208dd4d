"""Addresses of the calendar integration, in the "actions" namespace (see urls.py)."""

from django.urls import path

from relata.actions import views_calendar

urlpatterns = [
    path("calendar/<str:token>.ics", views_calendar.feed, name="feed"),
    path("agenda/feed/", views_calendar.feed_settings, name="feed_settings"),
    path("agenda/feed/revoke/", views_calendar.feed_revoke, name="feed_revoke"),
    path("agenda/reminders/", views_calendar.reminder_settings, name="reminder_settings"),
    path("actions/<int:pk>/ics", views_calendar.action_ics, name="ics"),
]
