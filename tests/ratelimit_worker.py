"""The body of one OS process in the cross-process rate-limit test.

Kept apart from the test module, which imports Django models: a spawned process
imports this module before it has configured Django.
"""


def hit_throttle(redis_url, prefix, attempts, limit, throttle_path, start, results):
    """A separate OS process with its own Django, hammering the shared Redis."""
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            INSTALLED_APPS=[
                "django.contrib.contenttypes",
                "django.contrib.auth",
                "rest_framework",
                "rest_framework_api_key",
                "knox",
                "drf_apifirst",
            ],
            CACHES={
                "default": {
                    "BACKEND": "django.core.cache.backends.redis.RedisCache",
                    "LOCATION": redis_url,
                    "KEY_PREFIX": prefix,
                }
            },
            REST_FRAMEWORK={"DEFAULT_THROTTLE_RATES": {"anon": f"{limit}/hour"}},
            DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        )
        django.setup()
    from django.utils.module_loading import import_string
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    throttle_class = import_string(throttle_path)
    # Every process in the same rate-limit window, whatever the wall clock says.
    throttle_class.timer = staticmethod(lambda: 1_800_000_000.0)
    factory = APIRequestFactory()
    start.wait()
    allowed = 0
    for _ in range(attempts):
        request = Request(factory.get("/", REMOTE_ADDR="10.1.2.3"))
        request._user = type("Anon", (), {"is_authenticated": False, "pk": None})()
        request._auth = None
        allowed += throttle_class().allow_request(request, None)
    results.put(allowed)
