"""API endpoints of the control panel and the forecast (included by relata/api/urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
