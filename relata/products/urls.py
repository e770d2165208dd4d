"""Settings → Products and Product families (administrators only)."""

from django.urls import URLPattern, path

from relata.products import views

app_name = "products"
urlpatterns: list[URLPattern] = [
    path("settings/products/", views.product_list, name="product_list"),
    path("settings/products/new/", views.product_edit, name="product_create"),
    path("settings/products/<int:pk>/edit/", views.product_edit, name="product_edit"),
    path("settings/product-families/", views.family_list, name="family_list"),
    path("settings/product-families/new/", views.family_edit, name="family_create"),
    path("settings/product-families/<int:pk>/edit/", views.family_edit, name="family_edit"),
]
