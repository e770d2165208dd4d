from django.urls import path

from relata.customfields import views

app_name = "customfields"
urlpatterns = [
    path("", views.definition_list, name="list"),
    path("new/", views.definition_create, name="create"),
    path("<int:pk>/", views.definition_detail, name="detail"),
    path("<int:pk>/edit/", views.definition_edit, name="edit"),
    path("<int:pk>/deactivate/", views.definition_deactivate, name="deactivate"),
    path("<int:pk>/move/", views.definition_move, name="move"),
]
