from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EntitiesConfig(AppConfig):
    name = "relata.entities"
    label = "entities"
    verbose_name = _("Entities and contacts")

    def ready(self) -> None:
        # Registered on import: the search providers, and the timeline events of merges.
        from relata.entities import merge, search  # noqa: F401
