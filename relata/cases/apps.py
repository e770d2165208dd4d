from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "relata.cases"
    label = "cases"
    verbose_name = _("Cases and opportunities")

    def ready(self) -> None:
        # Registered on import: status changes on the case's timeline, cases on the
        # entity's; segment conditions on an entity's cases.
        from relata.cases import segments, timeline  # noqa: F401
