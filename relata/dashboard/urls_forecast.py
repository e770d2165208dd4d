"""The forecast page and the cases behind its figures."""

from django.urls import URLPattern, path

from relata.dashboard import views_forecast

urlpatterns: list[URLPattern] = [
    path("forecast/", views_forecast.forecast, name="forecast"),
    path("forecast/cases/", views_forecast.forecast_cases, name="forecast_cases"),
]
