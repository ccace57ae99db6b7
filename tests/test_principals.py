"""Who is calling, and from which address: one answer for throttles, caches and logs."""

import pytest
from rest_framework.test import APIRequestFactory

factory = APIRequestFactory()


@pytest.mark.parametrize(
    ("trusted", "forwarded", "peer", "client"),
    [
        (0, None, "10.0.0.1", "10.0.0.1"),
        (0, "203.0.113.7", "10.0.0.1", "10.0.0.1"),  # a client's header changes nothing
        (1, "203.0.113.7", "10.0.0.1", "203.0.113.7"),
        (1, "198.51.100.1, 203.0.113.7", "10.0.0.1", "203.0.113.7"),  # spoofed hop ignored
        (2, "198.51.100.1, 203.0.113.7, 10.0.0.5", "10.0.0.1", "203.0.113.7"),
        (1, None, "10.0.0.1", "10.0.0.1"),  # no header: the peer
        (1, "not-an-ip", "10.0.0.1", "10.0.0.1"),
        (["10.0.0.0/8"], "198.51.100.1, 203.0.113.7, 10.0.0.5", "10.0.0.1", "203.0.113.7"),
        (["10.0.0.0/8"], "10.0.0.9", "10.0.0.1", "10.0.0.9"),  # all hops trusted: leftmost
        (["10.0.0.0/8"], "junk, 10.0.0.5", "10.0.0.1", "10.0.0.1"),
        (["2001:db8::/32"], "203.0.113.7", "2001:db8::1", "203.0.113.7"),
    ],
)
def test_client_address_reads_through_trusted_proxies_only(
    settings, trusted, forwarded, peer, client
):
    from drf_apifirst.principals import client_address

    settings.DRF_APIFIRST = {**settings.DRF_APIFIRST, "TRUSTED_PROXIES": trusted}
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    request = factory.get("/", REMOTE_ADDR=peer, **extra)
    assert client_address(request) == client


@pytest.mark.django_db
def test_rotating_x_forwarded_for_does_not_reset_the_login_limit(api_client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "login": "3/minute",
        },
    }
    statuses = [
        api_client.post(
            "/api/auth/login/",
            {"username": "nobody", "password": "x"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        ).status_code
        for n in range(5)
    ]
    assert statuses[3:] == [429, 429]
