"""The REST API under /api/v1/: one router for every app's endpoints."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from relata.actions.api import ActionTypeViewSet, ActionViewSet
from relata.api.views import TokenObtainView
from relata.campaigns.api import CampaignViewSet
from relata.cards.api import CardScanView
from relata.cases.api import CaseViewSet
from relata.cases.api_reports import CaseTypeViewSet, OpenCasesReportView
from relata.core.api import ParametersView, TeamViewSet, UserViewSet
from relata.customfields.api import FieldDefinitionViewSet
from relata.entities.api import ContactViewSet, EntityViewSet
from relata.entities.api_segments import SegmentViewSet
from relata.products.api import ProductFamilyViewSet, ProductViewSet

router = DefaultRouter()
router.register("users", UserViewSet, basename="user")
router.register("teams", TeamViewSet, basename="team")
router.register("custom-fields", FieldDefinitionViewSet, basename="customfield")
router.register("entities", EntityViewSet, basename="entity")
router.register("contacts", ContactViewSet, basename="contact")
router.register("segments", SegmentViewSet, basename="segment")
router.register("action-types", ActionTypeViewSet, basename="actiontype")
router.register("actions", ActionViewSet, basename="action")
router.register("case-types", CaseTypeViewSet, basename="casetype")
router.register("cases", CaseViewSet, basename="case")
router.register("product-families", ProductFamilyViewSet, basename="productfamily")
router.register("products", ProductViewSet, basename="product")
router.register("campaigns", CampaignViewSet, basename="campaign")

urlpatterns = [
    path("auth/token/", TokenObtainView.as_view(), name="api-token"),
    path("parameters/", ParametersView.as_view(), name="api-parameters"),
    path("cards/scan/", CardScanView.as_view(), name="api-cards-scan"),
    path(
        "reports/open-cases/",
        OpenCasesReportView.as_view(),
        name="api-reports-open-cases",
    ),
    path("", include("relata.dashboard.api_urls")),
    path("", include("relata.mailing.api_urls")),
    path("", include("relata.sales.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include(router.urls)),
]
