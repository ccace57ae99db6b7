from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DrfApifirstConfig(AppConfig):
    name = "drf_apifirst"
    verbose_name = _("drf-apifirst")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the drf-spectacular extensions, as drf-spectacular's docs advise.
        from drf_apifirst import openapi  # noqa: F401
