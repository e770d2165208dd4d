from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailingConfig(AppConfig):
    name = "relata.mailing"
    label = "mailing"
    verbose_name = _("Email")

    def ready(self) -> None:
        # Registered on import: the "Emails" panels of the entity, contact and case pages.
        from relata.mailing import panels  # noqa: F401
