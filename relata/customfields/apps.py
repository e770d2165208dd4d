from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomFieldsConfig(AppConfig):
    name = "relata.customfields"
    label = "customfields"
    verbose_name = _("Custom fields")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registered on import: custom-field changes explained one field at a time.
        from relata.customfields import timeline  # noqa: F401
