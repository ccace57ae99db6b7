"""What counts as "the cache is down" and "the database is down", in one place.

Each feature decides what to do then (docs/deploying.md, "Several hosts"): throttles fail
open or closed (``THROTTLE_FAILURE``), idempotent requests are refused with a 503 problem,
the response cache is bypassed, API keys are looked up in the database, and a database
that cannot be reached is a 503 problem with ``Retry-After``, never a 500.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import InterfaceError, OperationalError, transaction

__all__ = [
    "CACHE_ERRORS",
    "DATABASE_ERRORS",
    "TransactionRolledBack",
    "cache_failed",
    "is_database_unavailable",
    "refuse_success_rolled_back",
    "rollback_pending",
]

logger: logging.Logger = logging.getLogger("drf_apifirst.faults")


def _cache_errors() -> tuple[type[BaseException], ...]:
    # Sockets (connection refused, reset, timed out) ...
    errors: list[type[BaseException]] = [OSError]
    # ... and what the cache clients raise instead: redis-py's ConnectionError, TimeoutError
    # and BusyLoadingError (a Redis still loading after a restart) are RedisErrors, not
    # OSErrors; django-redis wraps them in ConnectionInterrupted; pymemcache has its own.
    for module, name in (
        ("redis.exceptions", "RedisError"),
        ("django_redis.exceptions", "ConnectionInterrupted"),
        ("pymemcache.exceptions", "MemcacheError"),
    ):
        try:
            errors.append(getattr(__import__(module, fromlist=[name]), name))
        except (ImportError, AttributeError):
            continue
    return tuple(errors)


# Exceptions a cache call raises when the cache server cannot answer.
CACHE_ERRORS: tuple[type[BaseException], ...] = _cache_errors()

# Exceptions that mean the database cannot be reached or stopped answering (a restart, a
# statement or connect timeout); IntegrityError and the like are bugs or races, not these.
DATABASE_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)


def cache_failed(what: str, exc: BaseException, **context: Any) -> None:
    """Log a cache or store failure the library survived (once per failed call, as a
    warning), naming the server that failed: the database or the cache."""
    server = "Database" if is_database_unavailable(exc) else "Cache"
    logger.warning(
        "%s unavailable (%s): %s: %s", server, what, type(exc).__name__, exc, extra=context
    )


def is_database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` means the database is down (a 503 problem, retryable), rather
    than a bug or a race (a 500)."""
    return isinstance(exc, DATABASE_ERRORS)


class TransactionRolledBack(OperationalError):
    """The request's transaction is marked for rollback although the view succeeded.

    An ``OperationalError``: it is answered like a database that went away (a 503
    ``service_unavailable`` problem with ``Retry-After``), which is what happened.
    """


def rollback_pending(using: str | None = None) -> bool:
    """Inside an ``atomic`` block that Django will roll back when it ends: no query can
    run in it, and nothing written in it will commit."""
    return transaction.get_connection(using).in_atomic_block and transaction.get_rollback(using)


def refuse_success_rolled_back(response: Any, using: str | None = None) -> None:
    """Call at the end of an ``atomic`` block that wraps a whole request: a success
    (status < 400) whose transaction Django will roll back is raised as
    ``TransactionRolledBack`` instead of being answered.

    Django ends an atomic block that is marked for rollback without a word: a statement
    that failed inside ``atomic(savepoint=False)`` (``QuerySet.delete()``, ``save()`` of
    several tables) on a connection that went away marks it, and code that survives the
    error (freeing a lock, logging) lets the view answer 201 for a write that never
    commits. An error response is left alone: it promised nothing.
    """
    if response.status_code < 400 and rollback_pending(using):
        raise TransactionRolledBack(
            "The transaction was marked for rollback after a database error the request "
            "survived; its writes will not commit."
        )
