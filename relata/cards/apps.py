from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CardsConfig(AppConfig):
    name = "relata.cards"
    label = "cards"
    verbose_name = _("Business-card scanning")

    def ready(self) -> None:
        # The "Business card" panel of the contact page.
        from relata.cards import panels  # noqa: F401
