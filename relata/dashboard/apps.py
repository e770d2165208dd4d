from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "relata.dashboard"
    label = "dashboard"
    verbose_name = _("Control panel and forecast")

    def ready(self) -> None:
        # Registered on import: the "Campaigns" card of the entity page.
        from relata.dashboard import panels_entity  # noqa: F401
