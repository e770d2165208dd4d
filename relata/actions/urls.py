from django.urls import path  # noqa: F401

from relata.actions import urls_calendar

app_name = "actions"

urlpatterns: list = []
# The calendar feed, .ics downloads and reminder settings (same namespace).
urlpatterns += urls_calendar.urlpatterns
