"""``manage.py apifirst_webhooks sweep|prune``: keep webhook deliveries moving and the log
bounded.

- ``sweep`` enqueues every due delivery nobody holds: after a worker was killed (its claim
  ran out), or on a task backend that cannot defer retries. Run it when a worker starts
  and then every minute or so (cron, a scheduler); ``--every SECONDS`` keeps it running.
- ``prune`` deletes delivered and failed deliveries (with their attempts) and messages
  older than ``--days`` (``WEBHOOK_LOG_DAYS``).
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from drf_apifirst.settings import apifirst_settings


class Command(BaseCommand):
    help = "Enqueue due webhook deliveries (sweep) or delete old delivery log rows (prune)."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="subcommand", required=True)
        sweep = commands.add_parser("sweep", help="Enqueue due deliveries nobody holds.")
        sweep.add_argument(
            "--every", type=float, default=None, help="Repeat every SECONDS until stopped."
        )
        prune = commands.add_parser("prune", help="Delete finished deliveries and old messages.")
        prune.add_argument("--days", type=int, default=None, help="Keep this many days.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "sweep":
            self.sweep(options["every"])
        else:
            self.prune(options["days"] or apifirst_settings.WEBHOOK_LOG_DAYS)

    def sweep(self, every: float | None) -> None:
        from drf_apifirst.webhooks.delivery import sweep

        while True:
            count = sweep()
            self.stdout.write(f"Enqueued {count} due webhook deliveries.")
            if every is None:
                return
            time.sleep(every)

    def prune(self, days: int) -> None:
        from drf_apifirst.webhooks.models import WebhookDelivery, WebhookMessage

        cutoff = timezone.now() - timedelta(days=days)
        deliveries, _ = (
            WebhookDelivery.objects.filter(created__lt=cutoff)
            .exclude(status=WebhookDelivery.Status.PENDING)
            .delete()
        )
        messages, _ = WebhookMessage.objects.filter(
            created__lt=cutoff, deliveries__isnull=True
        ).delete()
        self.stdout.write(
            f"Deleted {deliveries} rows of deliveries and attempts, {messages} rows of "
            f"messages, older than {days} days."
        )
