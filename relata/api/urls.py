"""The REST API under /api/v1/: one router for every app's endpoints."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from relata.actions.api import ActionTypeViewSet, ActionViewSet
from relata.api.views import TokenObtainView
from relata.cards.api import CardScanView
from relata.core.api import ParametersView, TeamViewSet, UserViewSet
from relata.customfields.api import FieldDefinitionViewSet
from relata.entities.api import ContactViewSet, EntityViewSet
from relata.entities.api_segments import SegmentViewSet

router = DefaultRouter()
router.register("users", UserViewSet, basename="user")
router.register("teams", TeamViewSet, basename="team")
router.register("custom-fields", FieldDefinitionViewSet, basename="customfield")
router.register("entities", EntityViewSet, basename="entity")
router.register("contacts", ContactViewSet, basename="contact")
router.register("segments", SegmentViewSet, basename="segment")
router.register("action-types", ActionTypeViewSet, basename="actiontype")
router.register("actions", ActionViewSet, basename="action")

urlpatterns = [
    path("auth/token/", TokenObtainView.as_view(), name="api-token"),
    path("parameters/", ParametersView.as_view(), name="api-parameters"),
    path("cards/scan/", CardScanView.as_view(), name="api-cards-scan"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include(router.urls)),
]
