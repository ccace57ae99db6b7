from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

REQUIRED_APPS = ("rest_framework_api_key", "knox")


def _listed(app: str) -> bool:
    """Whether INSTALLED_APPS names the app (or one of its AppConfig classes)."""
    return any(entry == app or entry.startswith(f"{app}.") for entry in settings.INSTALLED_APPS)


class DrfApifirstConfig(AppConfig):
    name = "drf_apifirst"
    verbose_name: StrOrPromise = _("drf-apifirst")
    default_auto_field: str = "django.db.models.BigAutoField"

    def __init__(self, app_name: str, app_module: Any) -> None:
        # Our models build on these two apps; without them Django's error (raised when the
        # models are imported, after every AppConfig is made) names neither.
        missing = [app for app in REQUIRED_APPS if not _listed(app)]
        if missing:
            raise ImproperlyConfigured(
                f"drf_apifirst needs {' and '.join(repr(app) for app in missing)} in "
                "INSTALLED_APPS (before 'drf_apifirst')."
            )
        super().__init__(app_name, app_module)

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        # Registers the system checks. The drf-spectacular extensions are registered when
        # a schema is generated (drf_apifirst.openapi is DEFAULT_SCHEMA_CLASS's module and
        # the schema views import it), so no worker imports the schema machinery.
        from drf_apifirst import checks  # noqa: F401
        from drf_apifirst.authentication import drop_cached_api_key

        post_save.connect(drop_cached_api_key, dispatch_uid="drf_apifirst.api_key.save")
        post_delete.connect(drop_cached_api_key, dispatch_uid="drf_apifirst.api_key.delete")
