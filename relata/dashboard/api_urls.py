"""API endpoints of the control panel and the forecast (included by relata/api/urls.py)."""

from django.urls import URLPattern, path

from relata.dashboard.api_forecast import ForecastView
from relata.dashboard.api_panel import DashboardView

urlpatterns: list[URLPattern] = [
    path("forecast/", ForecastView.as_view(), name="api-forecast"),
    path("dashboard/", DashboardView.as_view(), name="api-dashboard"),
]
