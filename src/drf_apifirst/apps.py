from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DrfApifirstConfig(AppConfig):
    name = "drf_apifirst"
    verbose_name = _("drf-apifirst")
    default_auto_field = "django.db.models.BigAutoField"
