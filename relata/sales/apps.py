from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "relata.sales"
    label = "sales"
    verbose_name = _("Sales (ERP)")

    def ready(self) -> None:
        # Registered on import: the "Sales (ERP)" panel of the entity page (the 360° view).
        from relata.sales import panels  # noqa: F401
