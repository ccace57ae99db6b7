"""Outgoing webhooks, safe against server-side request forgery (OWASP API7).

A project's ``webhook_url`` is checked twice:

- when it is saved (``validate_webhook_url``): https only, no credentials in the URL, no
  IP literal or well-known local name that points inside our network;
- when a delivery is sent (``deliver``): the host is resolved, every address must be
  public, and the connection goes to the address that was checked (a DNS answer that
  changes between check and connect cannot redirect it). Redirects are not followed,
  the receiver's answer is not read beyond its status line, and it has 5 seconds.

``TRACKER_WEBHOOK_ALLOWED_NETWORKS`` (a list of CIDRs) lets a test or an on-premises
install reach named private networks, over http too.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import logging
import socket
import ssl
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 5
LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa", ".lan")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeWebhookURL(ValueError):
    pass


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [
        ipaddress.ip_network(cidr)
        for cidr in getattr(settings, "TRACKER_WEBHOOK_ALLOWED_NETWORKS", [])
    ]


NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries (mapped, 6to4, Teredo, NAT64): each
    must be public too, or ``[::ffff:10.0.0.1]`` would reach 10.0.0.1."""
    embedded = [address.ipv4_mapped, address.sixtofour, *(address.teredo or ())]
    if address in NAT64:
        embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return [ip for ip in embedded if ip is not None]


def _is_allowed(address: IPAddress) -> bool:
    if any(address in network for network in _allowed_networks()):
        return True
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if address.ipv4_mapped is not None:
            return _is_allowed(address.ipv4_mapped)
        if not all(_is_allowed(ip) for ip in embedded):
            return False
    return address.is_global and not address.is_multicast


def _literal_address(host: str) -> IPAddress | None:
    """The address an IP literal means, including the forms C's inet_aton accepts
    (``2130706433``, ``0x7f.1``, ``127.1``) that HTTP clients resolve to 127.0.0.1."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def check_url(url: str) -> None:
    """Raise ``UnsafeWebhookURL`` saying why ``url`` may not be a webhook target."""
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise UnsafeWebhookURL("The URL has no host.")
    if parts.username is not None or parts.password is not None:
        raise UnsafeWebhookURL("The URL may not contain credentials.")
    try:
        parts.port  # noqa: B018 (raises for a port out of range)
    except ValueError as error:
        raise UnsafeWebhookURL(f"The port is not valid: {error}.") from None
    address = _literal_address(host)
    if address is not None:
        if not _is_allowed(address):
            raise UnsafeWebhookURL(f"{host} is not a public address.")
    elif host == "localhost" or host.endswith(LOCAL_SUFFIXES) or "." not in host:
        raise UnsafeWebhookURL(f"{host} is a local name, not a public host.")
    allowed_http = address is not None and any(
        address in network for network in _allowed_networks()
    )
    if parts.scheme != "https" and not (parts.scheme == "http" and allowed_http):
        raise UnsafeWebhookURL("Webhook URLs must use https.")


def validate_webhook_url(url: str) -> None:
    """Model field validator: ``check_url`` as a ``ValidationError``."""
    try:
        check_url(url)
    except UnsafeWebhookURL as error:
        raise ValidationError(str(error), code="unsafe_url") from error


def _resolve_checked(host: str, port: int) -> str:
    """The first address of ``host``; every address it resolves to must be allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise UnsafeWebhookURL(f"{host} does not resolve: {error}.") from error
    addresses = [str(info[4][0]) for info in infos]
    for address in addresses:
        if not _is_allowed(ipaddress.ip_address(address.split("%", 1)[0])):
            raise UnsafeWebhookURL(f"{host} resolves to {address}, not a public address.")
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str) -> None:
        super().__init__(host, port, timeout=TIMEOUT_SECONDS)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str) -> None:
        super().__init__(host, port, timeout=TIMEOUT_SECONDS, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def deliver(url: str, event: str, payload: dict[str, Any]) -> int:
    """POST ``{"event": ..., "data": ...}`` to ``url``; returns the receiver's status."""
    check_url(url)
    parts = urlsplit(url)
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    address = _resolve_checked(parts.hostname or "", port)
    connection_class = _PinnedHTTPSConnection if https else _PinnedHTTPConnection
    connection = connection_class(parts.hostname or "", port, address)
    body = json.dumps({"event": event, "data": payload}).encode()
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request(
            "POST",
            path,
            body=body,
            headers={"Content-Type": "application/json", "User-Agent": "tracker-webhooks/1"},
        )
        return connection.getresponse().status  # redirects are answers, not followed
    finally:
        connection.close()


def deliver_quietly(url: str, event: str, payload: dict[str, Any]) -> None:
    """``deliver``, logging instead of raising: a receiver's failure is not the API's."""
    try:
        status = deliver(url, event, payload)
    except (OSError, UnsafeWebhookURL, http.client.HTTPException) as error:
        logger.warning("Webhook %s to %s failed: %s", event, url, error)
        return
    if not 200 <= status < 300:
        logger.warning("Webhook %s to %s answered %s", event, url, status)
