"""Addresses of the card-scanning pages."""

from django.urls import path

from relata.cards import views

app_name = "cards"
urlpatterns = [
    path("", views.scan_new, name="new"),
    path("<int:pk>/", views.scan_detail, name="detail"),
    path("<int:pk>/status/", views.scan_status, name="status"),
    path("<int:pk>/image/", views.scan_image, name="image"),
]
