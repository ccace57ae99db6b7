from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DrfApifirstConfig(AppConfig):
    name = "drf_apifirst"
    verbose_name = _("drf-apifirst")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        # Registers the drf-spectacular extensions, as drf-spectacular's docs advise.
        from drf_apifirst import openapi  # noqa: F401
        from drf_apifirst.authentication import drop_cached_api_key

        post_save.connect(drop_cached_api_key, dispatch_uid="drf_apifirst.api_key.save")
        post_delete.connect(drop_cached_api_key, dispatch_uid="drf_apifirst.api_key.delete")
