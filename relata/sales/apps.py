from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "relata.sales"
    label = "sales"
    verbose_name = _("Sales (ERP)")

    def ready(self) -> None:
        # Registered on import: the "Sales (ERP)" panel of the entity page (the 360° view);
        # segment conditions on sales. The CRM's events become outbound webhooks.
        from relata.sales import panels, segments, webhooks  # noqa: F401

        webhooks.connect()
        # The case page's "Orders, deliveries and invoices" card (R27) and its links on
        # the case's timeline.
        from relata.sales import panels_case, timeline_links  # noqa: F401
