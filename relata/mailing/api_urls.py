"""API endpoints of the mailing app (included by relata/api/urls.py under /api/v1/)."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from relata.mailing.api import (
    EmailTemplateViewSet,
    EmailViewSet,
    MailboxViewSet,
    ReceivedEmailViewSet,
)

router = SimpleRouter()
router.register("email-templates", EmailTemplateViewSet, basename="email-template")
router.register("emails", EmailViewSet, basename="email")
router.register("mailboxes", MailboxViewSet, basename="mailbox")
router.register("received-emails", ReceivedEmailViewSet, basename="received-email")

urlpatterns: list[URLPattern | URLResolver] = list(router.urls)
