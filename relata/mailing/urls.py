"""Pages of the mailing app."""

from django.urls import URLPattern

app_name = "mailing"
urlpatterns: list[URLPattern] = []
