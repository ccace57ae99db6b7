import json

from django.core.management.base import BaseCommand, CommandParser

from tracker.services import seed_demo


class Command(BaseCommand):
    help = "Load demo data (idempotent); --json prints the demo credentials."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", type=int, default=10, help="tasks per project")
        parser.add_argument(
            "--json", dest="as_json", action="store_true", help="print credentials as JSON"
        )

    def handle(self, *args, size: int, as_json: bool, **options) -> None:
        if size < 0:
            self.stderr.write("--size must be 0 or more.")
            raise SystemExit(2)
        credentials = seed_demo(size=size)
        if as_json:
            self.stdout.write(json.dumps(credentials))
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo data ready. User {credentials['username']!r}, "
                    f"password {credentials['password']!r}; API keys: "
                    + ", ".join(f"{k} {v}" for k, v in credentials["api_keys"].items())
                )
            )
