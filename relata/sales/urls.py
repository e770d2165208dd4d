"""Pages of the sales app."""

from django.urls import URLPattern

app_name = "sales"
urlpatterns: list[URLPattern] = []
