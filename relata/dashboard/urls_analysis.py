"""Addresses of the reports: index, conversion, drill-down, targets, pipeline changes."""

from django.urls import URLPattern, path

from relata.dashboard import views_analysis, views_analysis_snapshots, views_analysis_targets

urlpatterns: list[URLPattern] = [
    path("reports/", views_analysis.reports_index, name="reports"),
    path("reports/conversion/", views_analysis.conversion, name="conversion"),
    path("reports/conversion/cases/", views_analysis.analysis_cases, name="analysis_cases"),
    path("forecast/targets/", views_analysis_targets.targets, name="targets"),
    path("forecast/changes/", views_analysis_snapshots.snapshots, name="snapshots"),
    path("forecast/changes/take/", views_analysis_snapshots.snapshot_take, name="snapshot_take"),
]
