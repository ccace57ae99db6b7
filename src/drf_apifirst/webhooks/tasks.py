"""The delivery task, on Django's Tasks framework: ``django.tasks`` (Django 6) or the
``django-tasks`` backport (Django 5.2; ``pip install drf-apifirst[webhooks]``).

The host picks the backend (``TASKS``, ``DRF_APIFIRST["WEBHOOK_TASK_BACKEND"]``); one that
can defer (``supports_defer``), such as django-tasks-db's ``DatabaseBackend``, runs the
retries at their time.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

try:
    from django.tasks import task  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # Django < 6
    try:
        from django_tasks import task  # type: ignore[import-not-found,no-redef,unused-ignore]
    except ImportError:
        raise ImproperlyConfigured(
            "drf_apifirst.webhooks needs Django's Tasks framework: Django 6, or the "
            "django-tasks backport (pip install 'drf-apifirst[webhooks]')."
        ) from None

from drf_apifirst.webhooks.delivery import attempt_delivery

__all__ = ["deliver_webhook"]


@task()
def deliver_webhook(delivery_id: int) -> str:
    """One attempt of a delivery; the next, if any, is enqueued by the attempt."""
    return attempt_delivery(delivery_id)
