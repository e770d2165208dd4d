"""API endpoints of the sales app (included by relata/api/urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
