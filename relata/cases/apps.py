from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "relata.cases"
    label = "cases"
    verbose_name = _("Cases and opportunities")

    def ready(self) -> None:
        # Registered on import: status changes on the case's timeline, cases on the
        # entity's; the "Cases" panel of the entity page; segment conditions on cases.
        from relata.cases import panels, segments, timeline  # noqa: F401
