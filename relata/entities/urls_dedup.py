"""Duplicate pages, included at ``entities/duplicates/``."""

from django.urls import path

from relata.entities import views_dedup as views

app_name = "entities_dedup"
urlpatterns = [
    path("", views.duplicate_list, name="list"),
    path("merge/", views.merge, name="merge"),
    path("check/", views.duplicate_check, name="check"),
]
