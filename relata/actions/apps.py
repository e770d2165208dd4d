from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActionsConfig(AppConfig):
    name = "relata.actions"
    label = "actions"
    verbose_name = _("Commercial actions and agenda")

    def ready(self) -> None:
        # Registered on import: timeline events of entities and contacts, search, and the
        # "Actions" panels of the entity and contact pages.
        from relata.actions import panels, search, timeline  # noqa: F401
