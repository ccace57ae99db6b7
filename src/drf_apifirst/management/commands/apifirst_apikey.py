"""Manage API keys: create (the key is printed once), list, revoke, rotate."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_datetime, parse_duration

from drf_apifirst.models import get_api_key_model


def _expiry(value: str | None) -> Any:
    """An ISO datetime ("2027-01-01T00:00:00Z") or a duration from now ("30 00:00:00",
    "P90D"); None for no expiry."""
    if value is None:
        return None
    moment = parse_datetime(value)
    if moment is not None:
        return moment if timezone.is_aware(moment) else timezone.make_aware(moment)
    duration = parse_duration(value)
    if duration is not None and duration > timedelta(0):
        return timezone.now() + duration
    raise CommandError(
        f"--expires {value!r} is neither an ISO 8601 datetime nor a positive duration "
        "(e.g. 2027-01-01T00:00:00Z or P90D)."
    )


class Command(BaseCommand):
    help = "Create, list, revoke and rotate API keys. A new key is printed once, never stored."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a key and print it once")
        create.add_argument("--name", required=True, help="what the key is for")
        create.add_argument(
            "--owner", required=True, help="the owner's primary key (a username for users)"
        )
        create.add_argument(
            "--scopes", default="", help="comma-separated scopes, e.g. tasks:read,tasks:write"
        )
        create.add_argument("--expires", help="ISO 8601 datetime or duration (P90D)")
        create.add_argument("--json", dest="as_json", action="store_true")
        sub.add_parser("list", help="list keys (never their secrets)").add_argument(
            "--json", dest="as_json", action="store_true"
        )
        revoke = sub.add_parser("revoke", help="revoke a key for good")
        revoke.add_argument("prefix")
        rotate = sub.add_parser("rotate", help="create a successor; the old key expires later")
        rotate.add_argument("prefix")
        rotate.add_argument(
            "--overlap", default="P7D", help="how long the old key stays valid (default P7D)"
        )
        rotate.add_argument("--json", dest="as_json", action="store_true")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        getattr(self, f"handle_{action}")(**options)

    def _owner(self, value: str) -> Any:
        model = get_api_key_model()
        owner_model = model._meta.get_field("owner").related_model
        if owner_model is get_user_model():
            lookup = {owner_model.USERNAME_FIELD: value}
        else:
            lookup = {"pk": value}
        try:
            return owner_model._default_manager.get(**lookup)
        except (owner_model.DoesNotExist, ValueError):
            raise CommandError(f"No {owner_model._meta.verbose_name} {value!r}.") from None

    def _get(self, prefix: str) -> Any:
        try:
            return get_api_key_model().objects.get(prefix=prefix)
        except get_api_key_model().DoesNotExist:
            raise CommandError(f"No API key with prefix {prefix!r}.") from None

    def _print_key(self, api_key: Any, plaintext: str, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps({"prefix": api_key.prefix, "key": plaintext}))
        else:
            self.stdout.write(f"API key {api_key.prefix} ({api_key.name}): {plaintext}")
            self.stdout.write(self.style.WARNING("Store it now: it is not shown again."))

    def handle_create(
        self, *, name: str, owner: str, scopes: str, expires: str | None, as_json: bool, **_: Any
    ) -> None:
        scope_list = [s.strip() for s in scopes.split(",") if s.strip()]
        api_key, plaintext = get_api_key_model().objects.create_key(
            name=name, owner=self._owner(owner), scopes=scope_list, expiry_date=_expiry(expires)
        )
        self._print_key(api_key, plaintext, as_json)

    def handle_list(self, *, as_json: bool, **_: Any) -> None:
        rows = [
            {
                "prefix": key.prefix,
                "name": key.name,
                "owner": str(key.owner),
                "scopes": key.scopes,
                "created": key.created.isoformat(),
                "expires": key.expiry_date.isoformat() if key.expiry_date else None,
                "revoked": key.revoked,
                "last_used": key.last_used_at.isoformat() if key.last_used_at else None,
            }
            for key in get_api_key_model().objects.select_related("owner").order_by("created")
        ]
        if as_json:
            self.stdout.write(json.dumps(rows))
            return
        for row in rows:
            state = "revoked" if row["revoked"] else f"expires {row['expires'] or 'never'}"
            scopes = ",".join(row["scopes"]) or "-"
            self.stdout.write(
                f"{row['prefix']}  {row['name']}  owner={row['owner']}  scopes={scopes}  "
                f"{state}  last used {row['last_used'] or 'never'}"
            )

    def handle_revoke(self, *, prefix: str, **_: Any) -> None:
        api_key = self._get(prefix)
        api_key.revoke()
        self.stdout.write(f"Revoked {prefix}.")

    def handle_rotate(self, *, prefix: str, overlap: str, as_json: bool, **_: Any) -> None:
        old = self._get(prefix)
        if not old.is_usable:
            raise CommandError(f"API key {prefix} is revoked or expired; create a new one.")
        window = parse_duration(overlap)
        if window is None or window < timedelta(0):
            raise CommandError(f"--overlap {overlap!r} is not a duration (e.g. P7D).")
        successor, plaintext = old.rotate(overlap=window)
        self._print_key(successor, plaintext, as_json)
        if not as_json:
            self.stdout.write(f"{prefix} stays valid until {old.expiry_date.isoformat()}.")
