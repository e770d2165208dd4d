from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActionsConfig(AppConfig):
    name = "relata.actions"
    label = "actions"
    verbose_name = _("Commercial actions and agenda")

    def ready(self) -> None:
        # Registered on import: timeline events of entities and contacts, and search.
        from relata.actions import search, timeline  # noqa: F401
