"""Segment pages, included at ``entities/segments/``."""

from django.urls import path

from relata.entities import views_segments as views

app_name = "entities_segments"
urlpatterns = [
    path("", views.segment_list_view, name="list"),
    path("new/", views.segment_builder, name="builder"),
    path("<int:pk>/", views.segment_detail, name="detail"),
    path("<int:pk>/edit/", views.segment_builder, name="edit"),
    path("<int:pk>/delete/", views.segment_delete_view, name="delete"),
    path("<int:pk>/count/", views.segment_count_view, name="count"),
    path("<int:pk>/export/", views.segment_export_view, name="export"),
]
