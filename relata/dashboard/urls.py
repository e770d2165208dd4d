"""The control panel, the forecast and the reports; each part keeps its own URL module."""

from relata.dashboard import urls_analysis, urls_forecast, urls_panel

app_name = "dashboard"
urlpatterns = [*urls_panel.urlpatterns, *urls_forecast.urlpatterns, *urls_analysis.urlpatterns]
