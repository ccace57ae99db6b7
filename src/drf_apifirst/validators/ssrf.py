"""A guard against server-side request forgery (OWASP API7) for URLs the server calls.

A URL a client gives (a webhook endpoint, an avatar to fetch) is checked twice, because
what a name resolves to can change in between:

- when it is saved — ``PublicURLValidator`` on a model or serializer field, or
  ``check_public_url``: an allowed scheme (https), no credentials, none of the characters
  URL parsers disagree on (``\\``, spaces, ``%`` in the host), and a host that is neither
  a local name (``localhost``, ``*.internal``, one label) nor an IP literal, in any
  spelling HTTP clients accept (``2130706433``, ``0x7f.1``, ``0177.0.0.1``,
  ``[::ffff:127.0.0.1]``, ``[::127.0.0.1]``, ``ⓛⓞⓒⓐⓛⓗⓞⓢⓣ``, ``localhost.``), of an address
  that is not public;
- when the request is sent — ``resolve_public_url``: the name is resolved, *every*
  address must be public, and ``ResolvedURL.connection()`` connects to the address that
  was checked (no second lookup: a DNS answer that changes in between cannot redirect
  it) while TLS still verifies the certificate for the name.

An address is public when it is global unicast, outside every special-purpose block
(loopback, private, link-local and cloud metadata, CGNAT, documentation, multicast ...),
and — for IPv6 — carries no IPv4 address that is not public (mapped, NAT64, 6to4,
Teredo; the deprecated IPv4-compatible and IPv4-translated forms are refused outright).
``DRF_APIFIRST["PUBLIC_URL_ALLOWED_NETWORKS"]`` names networks to accept anyway (an
on-premises receiver, a test server); an IP literal in one of them may use ``http``.
"""

from __future__ import annotations

import http.client
import ipaddress
import re
import socket
import ssl
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Union
from urllib.parse import SplitResult, urlsplit

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from drf_apifirst.settings import apifirst_settings

__all__ = [
    "PinnedHTTPConnection",
    "PinnedHTTPSConnection",
    "PublicURLValidator",
    "ResolvedURL",
    "UnsafeURL",
    "check_public_url",
    "is_public_address",
    "resolve_public_url",
]

IPAddress = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]  # noqa: UP007 (3.10)
Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]  # noqa: UP007

# Special-purpose blocks (the IANA registries), refused whatever this Python's
# ``is_global`` says: it differs between 3.10 and 3.13, and calls ``::127.0.0.1`` global.
_NOT_PUBLIC: tuple[Network, ...] = tuple(
    ipaddress.ip_network(block)
    for block in (
        "0.0.0.0/8",  # "this network"; 0.0.0.0 reaches the local host
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT (Alibaba's metadata is 100.100.100.200)
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, cloud metadata (169.254.169.254)
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments (Oracle's metadata is 192.0.0.192)
        "192.0.2.0/24",
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, broadcast
        "::/96",  # unspecified, loopback, IPv4-compatible (deprecated)
        "::ffff:0:0:0/96",  # IPv4-translated (SIIT)
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard
        "2001::/23",  # IETF protocol assignments, Teredo
        "2001:db8::/32",
        "3fff::/20",  # documentation
        "5f00::/16",  # segment routing
        "fc00::/7",  # unique local (AWS metadata is fd00:ec2::254)
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated)
        "ff00::/8",  # multicast
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

# Names that never leave the host or the site (RFC 6761, RFC 6762 appendix G, RFC 8375).
_LOCAL_NAMES = frozenset(
    {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", "broadcasthost"}
)
_LOCAL_SUFFIXES = (
    ".localhost",
    ".local",
    ".localdomain",
    ".internal",
    ".intranet",
    ".private",
    ".corp",
    ".home",
    ".lan",
    ".home.arpa",
)
# A part of an IPv4 address as inet_aton and the WHATWG URL standard read it.
_IPV4_PART = re.compile(r"0[xX][0-9a-fA-F]*|0[0-7]*|[1-9][0-9]*")
_NUMERIC_LABEL = re.compile(r"[0-9]+|0[xX][0-9a-fA-F]*")
# Characters URL parsers disagree on: browsers read "\" as "/", urllib does not.
_AMBIGUOUS = re.compile(r"[\x00-\x20\x7f\\]")

DEFAULT_TIMEOUT = 5.0


class UnsafeURL(ValueError):
    """The URL may not be called from the server; the message says why."""


def _allowed_networks(allowed: Iterable[str | Network] | None) -> list[Network]:
    if allowed is None:
        allowed = apifirst_settings.PUBLIC_URL_ALLOWED_NETWORKS
    return [ipaddress.ip_network(network) for network in allowed]


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    embedded = [address.sixtofour, *(address.teredo or ())]
    if address in _NAT64:
        embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return [ip for ip in embedded if ip is not None]


def _is_public(address: IPAddress, allowed: Sequence[Network]) -> bool:
    if any(address in network for network in allowed):
        return True
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:
            return False
        if address.ipv4_mapped is not None:
            return _is_public(address.ipv4_mapped, allowed)
        if not all(_is_public(ip, allowed) for ip in _embedded_ipv4(address)):
            return False
    if any(address in block for block in _NOT_PUBLIC):
        return False
    return address.is_global and not address.is_multicast


def is_public_address(
    address: str | IPAddress, *, allowed_networks: Iterable[str | Network] | None = None
) -> bool:
    """Whether a connection to ``address`` leaves our networks (see the module docstring).

    ``allowed_networks`` defaults to ``DRF_APIFIRST["PUBLIC_URL_ALLOWED_NETWORKS"]``.
    """
    if isinstance(address, str):
        address = ipaddress.ip_address(address)
    return _is_public(address, _allowed_networks(allowed_networks))


def _ipv4_number_form(host: str) -> ipaddress.IPv4Address | None:
    """``host`` read as inet_aton, curl and browsers read it: 1 to 4 dot-separated parts,
    each decimal, ``0x`` hex or ``0`` octal, the last filling the remaining bytes
    (``127.1``, ``2130706433``, ``0x7f.0.0.1``, ``0177.0.0.01``); None if it is not one."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or not all(_IPV4_PART.fullmatch(part) for part in parts):
        return None
    values = []
    for part in parts:
        if part[:2].lower() == "0x":
            values.append(int(part[2:] or "0", 16))
        elif len(part) > 1 and part.startswith("0"):
            values.append(int(part, 8))
        else:
            values.append(int(part))
    *head, last = values
    if any(value > 255 for value in head) or last >= 256 ** (4 - len(head)):
        return None
    number = last
    for index, value in enumerate(head):
        number += value << (8 * (3 - index))
    return ipaddress.IPv4Address(number)


@dataclass(frozen=True)
class _CheckedURL:
    parts: SplitResult
    host: str  # lower-case ASCII (IDNA), no trailing dot, no brackets
    port: int
    literal: IPAddress | None  # the address an IP-literal host means


def _check(url: str, schemes: Sequence[str], allowed: Sequence[Network]) -> _CheckedURL:
    if _AMBIGUOUS.search(url):
        raise UnsafeURL(_("The URL has spaces, control characters or backslashes."))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise UnsafeURL(_("The URL is not valid: %s.") % error) from None
    if "@" in parts.netloc:
        raise UnsafeURL(_("The URL may not contain credentials."))
    raw_host = parts.hostname or ""
    if not raw_host:
        raise UnsafeURL(_("The URL has no host."))
    if "%" in raw_host:
        raise UnsafeURL(_("The host may not be percent-encoded or name an IPv6 zone."))
    literal: IPAddress | None
    if parts.netloc.startswith("["):
        try:
            literal = ipaddress.IPv6Address(raw_host)
        except ValueError:
            raise UnsafeURL(_("%s is not a valid IPv6 address.") % raw_host) from None
        host = str(literal)
    else:
        try:
            # The mapping HTTP clients apply: NFKC and case folding, so a host of
            # fullwidth digits or circled letters is the ASCII name it turns into.
            host = raw_host.encode("idna").decode("ascii").lower()
        except UnicodeError:
            raise UnsafeURL(_("%s is not a valid host name.") % raw_host) from None
        host = host.removesuffix(".")
        if not host or host.endswith("."):
            raise UnsafeURL(_("%s is not a valid host name.") % raw_host)
        literal = _ipv4_number_form(host)
        if literal is None and _NUMERIC_LABEL.fullmatch(host.rsplit(".", 1)[-1]):
            # A name whose last label is a number is an IPv4 address to browsers.
            raise UnsafeURL(_("%s is neither a host name nor an IPv4 address.") % host)
    scheme = parts.scheme.lower()
    if port == 0:
        raise UnsafeURL(_("The port is not valid: 0."))
    if literal is not None:
        if not _is_public(literal, allowed):
            raise UnsafeURL(_("%s is not a public address.") % host)
    elif host in _LOCAL_NAMES or host.endswith(_LOCAL_SUFFIXES) or "." not in host:
        raise UnsafeURL(_("%s is a local name, not a public host.") % host)
    in_allowed_network = literal is not None and any(literal in n for n in allowed)
    if scheme not in schemes and not (scheme == "http" and in_allowed_network):
        raise UnsafeURL(
            _("The URL must use %s.") % " or ".join(schemes) if schemes else _("No scheme.")
        )
    default_port = 443 if scheme == "https" else 80
    return _CheckedURL(parts, host, port or default_port, literal)


def check_public_url(
    url: str,
    *,
    schemes: Sequence[str] = ("https",),
    allowed_networks: Iterable[str | Network] | None = None,
) -> None:
    """Raise ``UnsafeURL`` saying why the server may not call ``url``; no DNS lookup."""
    _check(url, schemes, _allowed_networks(allowed_networks))


@dataclass(frozen=True)
class ResolvedURL:
    """A URL whose host was resolved and every address checked; connect to ``address``."""

    url: str
    scheme: str
    # ASCII host name (or IP), for the Host header, TLS SNI and the certificate check.
    host: str
    port: int
    # What goes on the request line: path and query.
    target: str
    # The checked IP address to connect to.
    address: str

    def connection(self, timeout: float = DEFAULT_TIMEOUT) -> http.client.HTTPConnection:
        """An ``http.client`` connection to ``address`` (follows no redirect, no proxy)."""
        if self.scheme == "https":
            return PinnedHTTPSConnection(self, timeout)
        return PinnedHTTPConnection(self, timeout)


def resolve_public_url(
    url: str,
    *,
    schemes: Sequence[str] = ("https",),
    allowed_networks: Iterable[str | Network] | None = None,
) -> ResolvedURL:
    """Check ``url``, resolve its host and check every address it resolves to.

    Raise ``UnsafeURL`` when any address is not public (a name with one private answer
    among public ones is refused: a client would pick one), or the name does not resolve.
    """
    allowed = _allowed_networks(allowed_networks)
    checked = _check(url, schemes, allowed)
    if checked.literal is not None:
        address = str(checked.literal)
    else:
        try:
            infos = socket.getaddrinfo(
                checked.host, checked.port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
            )
        except (socket.gaierror, UnicodeError) as error:
            raise UnsafeURL(
                _("%(host)s does not resolve: %(error)s.")
                % {
                    "host": checked.host,
                    "error": error,
                }
            ) from error
        addresses = [str(info[4][0]) for info in infos]
        if not addresses:
            raise UnsafeURL(_("%s does not resolve.") % checked.host)
        for found in addresses:
            try:
                public = _is_public(ipaddress.ip_address(found), allowed)
            except ValueError:
                public = False
            if not public:
                raise UnsafeURL(
                    _("%(host)s resolves to %(address)s, not a public address.")
                    % {"host": checked.host, "address": found}
                )
        address = addresses[0]
    parts = checked.parts
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return ResolvedURL(
        url=url,
        scheme=parts.scheme.lower(),
        host=checked.host,
        port=checked.port,
        target=target,
        address=address,
    )


def _connection_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


class PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the checked address, whatever the name resolves to by then."""

    def __init__(self, resolved: ResolvedURL, timeout: float = DEFAULT_TIMEOUT) -> None:
        super().__init__(_connection_host(resolved.host), resolved.port, timeout=timeout)
        self.pinned_address: str = resolved.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.pinned_address, self.port), self.timeout)


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """Connects to the checked address; TLS verifies the certificate for the host name."""

    def __init__(
        self,
        resolved: ResolvedURL,
        timeout: float = DEFAULT_TIMEOUT,
        context: ssl.SSLContext | None = None,
    ) -> None:
        self.tls_context: ssl.SSLContext = context or ssl.create_default_context()
        super().__init__(
            _connection_host(resolved.host),
            resolved.port,
            timeout=timeout,
            context=self.tls_context,
        )
        self.pinned_address: str = resolved.address

    def connect(self) -> None:
        sock = socket.create_connection((self.pinned_address, self.port), self.timeout)
        self.sock = self.tls_context.wrap_socket(sock, server_hostname=self.host)


@deconstructible
class PublicURLValidator:
    """Model or serializer field validator: ``check_public_url`` as a ``ValidationError``.

        webhook_url = models.URLField(validators=[PublicURLValidator()])

    Check again with ``resolve_public_url`` when the request is sent.
    """

    code: str = "unsafe_url"

    def __init__(
        self,
        schemes: Sequence[str] = ("https",),
        allowed_networks: Sequence[str] | None = None,
        code: str | None = None,
    ) -> None:
        self.schemes: tuple[str, ...] = tuple(schemes)
        # None: DRF_APIFIRST["PUBLIC_URL_ALLOWED_NETWORKS"], read at each call.
        self.allowed_networks: tuple[str, ...] | None = (
            None if allowed_networks is None else tuple(allowed_networks)
        )
        if code is not None:
            self.code = code

    def __call__(self, value: Any) -> None:
        try:
            check_public_url(
                str(value), schemes=self.schemes, allowed_networks=self.allowed_networks
            )
        except UnsafeURL as error:
            raise ValidationError(str(error), code=self.code, params={"value": value}) from None

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, PublicURLValidator)
            and self.schemes == other.schemes
            and self.allowed_networks == other.allowed_networks
            and self.code == other.code
        )

    def __hash__(self) -> int:
        return hash((self.schemes, self.allowed_networks, self.code))
