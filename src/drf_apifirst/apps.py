from django.apps import AppConfig
from django.apps import apps as django_apps
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

REQUIRED_APPS = ("rest_framework_api_key", "knox")


class DrfApifirstConfig(AppConfig):
    name = "drf_apifirst"
    verbose_name = _("drf-apifirst")
    default_auto_field = "django.db.models.BigAutoField"

    def import_models(self) -> None:
        # Our models build on these two apps; without them Django's error names neither.
        missing = [app for app in REQUIRED_APPS if not django_apps.is_installed(app)]
        if missing:
            raise ImproperlyConfigured(
                f"drf_apifirst needs {' and '.join(repr(app) for app in missing)} in "
                "INSTALLED_APPS (before 'drf_apifirst')."
            )
        super().import_models()

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        # Registers the drf-spectacular extensions, as drf-spectacular's docs advise.
        from drf_apifirst import openapi  # noqa: F401
        from drf_apifirst.authentication import drop_cached_api_key

        post_save.connect(drop_cached_api_key, dispatch_uid="drf_apifirst.api_key.save")
        post_delete.connect(drop_cached_api_key, dispatch_uid="drf_apifirst.api_key.delete")
