"""Campaign pages (administrators and managers)."""

from django.urls import URLPattern, path

from relata.campaigns import views

app_name = "campaigns"
urlpatterns: list[URLPattern] = [
    path("campaigns/", views.campaign_list, name="campaign_list"),
    path("campaigns/new/", views.campaign_edit, name="campaign_create"),
    path("campaigns/<int:pk>/edit/", views.campaign_edit, name="campaign_edit"),
]
