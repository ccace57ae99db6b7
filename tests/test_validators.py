"""drf_apifirst.validators: no URL the server calls can reach inside our networks (SSRF)."""

import http.server
import ipaddress
import socket
import threading

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.test import override_settings
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from rest_framework import serializers

from drf_apifirst.validators import (
    PublicURLValidator,
    UnsafeURL,
    check_public_url,
    is_public_address,
    resolve_public_url,
)

# Where an attacker wants to go: loopback, private, link-local and cloud metadata,
# CGNAT, "this network", reserved.
NOT_PUBLIC_V4 = [
    "127.0.0.0/8",
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "169.254.0.0/16",
    "100.64.0.0/10",
    "0.0.0.0/8",
    "192.0.0.0/24",
    "240.0.0.0/4",
    "224.0.0.0/4",
]
METADATA = ["169.254.169.254", "100.100.100.200", "192.0.0.192"]


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/",
        "https://2130706433/",  # decimal
        "https://0x7f000001/",  # hex
        "https://0x7f.1/",
        "https://0177.0.0.1/",  # octal
        "https://0177.0.0.01/",
        "https://127.1/",
        "https://127.0.0.1./",  # trailing dot
        "https://0/",  # 0.0.0.0 reaches the local host
        "https://\uff11\uff12\uff17.\uff10.\uff10.\uff11/",  # fullwidth 127.0.0.1 (NFKC)
        "https://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ/",  # circled letters: localhost
        "https://LOCALHOST/",
        "https://localhost./",
        "https://api.localhost/",
        "https://metadata.google.internal/computeMetadata/v1/",
        "https://router.local/",
        "https://nas.home.arpa/",
        "https://intranet/",  # one label: resolved through the search domains
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/",
        "https://[::]/",
        "https://[::ffff:127.0.0.1]/",  # IPv4-mapped
        "https://[::ffff:7f00:1]/",
        "https://[::127.0.0.1]/",  # IPv4-compatible: Python calls it global
        "https://[::ffff:0:127.0.0.1]/",  # IPv4-translated: Python calls it global
        "https://[::ffff:0:a00:1]/",
        "https://[64:ff9b::10.0.0.1]/",  # NAT64
        "https://[64:ff9b:1::a00:1]/",  # local-use NAT64
        "https://[2002:a00:1::1]/",  # 6to4 of 10.0.0.1
        "https://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/",  # Teredo
        "https://[fd00:ec2::254]/",  # AWS metadata over IPv6
        "https://[fe80::1]/",
        "https://[fe80::1%25eth0]/",  # zone id
        "https://[fec0::1]/",
        "https://[ff02::1]/",
        "https://user:pw@hooks.example.com/",
        "https://hooks.example.com@127.0.0.1/",
        "https://127.0.0.1:443@hooks.example.com/",
        "https://hooks.example.com\\@127.0.0.1/",  # "\" is "/" to browsers, not to urllib
        "https://hooks.example.com /",
        "https://hooks.exa\tmple.com/",
        "https://%31%32%37.0.0.1/",
        "https://1.2.3.08/",  # not octal, but a number: not a name either
        "https://hooks.example.123/",  # ends in a number: an IPv4 address or nothing
        "https://256.0.0.1/",
        "https://hooks..example.com/",
        "https://hooks.example.com:99999/",
        "https://hooks.example.com:0/",
        "http://hooks.example.com/",  # not https
        "ftp://hooks.example.com/",
        "https:///path-only",
        "https://[1.2.3.4]/",
    ],
)
def test_urls_that_can_reach_inside_are_refused(url):
    with pytest.raises(UnsafeURL):
        check_public_url(url)
    with pytest.raises(ValidationError) as caught:
        PublicURLValidator()(url)
    assert caught.value.code == "unsafe_url"


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.com/tracker",
        "https://hooks.example.com./tracker",
        "https://Hooks.Example.COM:8443/tracker?team=7",
        "https://bücher.example/hook",
        "https://93.184.215.14/hook",
        "https://[2606:4700::1111]/hook",
        "https://[::ffff:93.184.215.14]/hook",
        "https://[64:ff9b::8.8.8.8]/hook",
    ],
)
def test_public_https_urls_are_accepted(url):
    check_public_url(url)
    PublicURLValidator()(url)


def _in(network: str, offset: int) -> ipaddress.IPv4Address:
    block = ipaddress.ip_network(network)
    return block[offset % block.num_addresses]


def _number_part(value: int, style: str) -> str:
    return {"dec": str(value), "hex": hex(value), "HEX": f"0X{value:X}", "oct": f"0{value:o}"}[
        style
    ]


@st.composite
def spellings(draw, address: ipaddress.IPv4Address) -> str:
    """A host spelling HTTP clients read as ``address``."""
    number = int(address)
    octets = list(address.packed)
    styles = st.sampled_from(["dec", "hex", "HEX", "oct"])
    form = draw(st.sampled_from(["4", "3", "2", "1", "v6"]))
    if form == "4":
        host = ".".join(_number_part(o, draw(styles)) for o in octets)
    elif form == "3":
        host = ".".join(
            [
                *(_number_part(o, draw(styles)) for o in octets[:2]),
                _number_part(number & 0xFFFF, draw(styles)),
            ]
        )
    elif form == "2":
        first, rest = octets[0], number & 0xFFFFFF
        host = f"{_number_part(first, draw(styles))}.{_number_part(rest, draw(styles))}"
    elif form == "1":
        host = _number_part(number, draw(styles))
    else:
        high, low = number >> 16, number & 0xFFFF
        prefix = draw(st.sampled_from(["::ffff:", "::", "::ffff:0:", "64:ff9b::"]))
        tail = draw(st.sampled_from([str(address), f"{high:x}:{low:x}"]))
        host = f"[{prefix}{tail}]"
        if draw(st.booleans()):
            host = host.upper()
    if form != "v6" and draw(st.booleans()):
        host += "."
    return host


@st.composite
def inside_urls(draw) -> str:
    network = draw(st.sampled_from(NOT_PUBLIC_V4))
    address = _in(network, draw(st.integers(0, 2**32)))
    if draw(st.booleans()):
        address = ipaddress.IPv4Address(draw(st.sampled_from(METADATA)))
    host = draw(spellings(address))
    port = draw(st.sampled_from(["", ":443", ":8080"]))
    path = draw(st.sampled_from(["/", "/hook", "/a?b=c"]))
    return f"https://{host}{port}{path}"


@settings(max_examples=500, deadline=None)
@given(url=inside_urls())
def test_every_spelling_of_an_inside_address_is_refused(url):
    with pytest.raises(UnsafeURL):
        check_public_url(url)


@settings(max_examples=300, deadline=None)
@given(
    address=st.integers(0, 2**32 - 1)
    .map(ipaddress.IPv4Address)
    .filter(lambda a: a.is_global and not a.is_multicast),
    data=st.data(),
)
def test_every_spelling_of_a_public_address_means_that_address(address, data):
    host = data.draw(spellings(address)).lower()
    # The deprecated IPv4-compatible and -translated forms are refused whatever they carry.
    assume(not host.startswith("[::ffff:0:"))
    assume(host.startswith(("[::ffff:", "[64:")) or not host.startswith("[::"))
    resolved = resolve_public_url(f"https://{host}/hook")
    embedded = ipaddress.ip_address(resolved.address)
    if isinstance(embedded, ipaddress.IPv6Address):
        embedded = embedded.ipv4_mapped or ipaddress.IPv4Address(int(embedded) & 0xFFFFFFFF)
    assert embedded == address


@settings(max_examples=300, deadline=None)
@given(
    network=st.sampled_from(NOT_PUBLIC_V4),
    offset=st.integers(0, 2**32),
    form=st.sampled_from(["mapped", "compatible", "translated", "nat64", "6to4"]),
)
def test_no_ipv6_form_carrying_an_inside_ipv4_is_public(network, offset, form):
    inner = int(_in(network, offset))
    address = {
        "mapped": (0xFFFF << 32) | inner,
        "compatible": inner,
        "translated": (0xFFFF << 48) | inner,
        "nat64": (0x64FF9B << 96) | inner,
        "6to4": (0x2002 << 112) | (inner << 80) | 1,
    }[form]
    assert not is_public_address(ipaddress.IPv6Address(address))


def _answers(*addresses):
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        try:
            ipaddress.ip_address(host)
            return real(host, port, *args, **kwargs)  # an address resolves to itself
        except ValueError:
            pass
        return [
            (
                socket.AF_INET6 if ":" in a else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (a, port),
            )
            for a in addresses
        ]

    return getaddrinfo


@pytest.mark.parametrize(
    "answers",
    [
        ["10.0.0.7"],
        ["93.184.215.14", "127.0.0.1"],  # one inside answer among public ones
        ["::ffff:169.254.169.254"],
        ["::127.0.0.1"],
        ["fe80::1%eth0"],
    ],
)
def test_a_name_that_resolves_inside_is_refused_at_delivery(monkeypatch, answers):
    monkeypatch.setattr(socket, "getaddrinfo", _answers(*answers))
    check_public_url("https://hooks.example.com/hook")  # fine when saved
    with pytest.raises(UnsafeURL, match="resolves to"):
        resolve_public_url("https://hooks.example.com/hook")


def test_a_name_that_does_not_resolve_is_refused(monkeypatch):
    def fail(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    with pytest.raises(UnsafeURL, match="does not resolve"):
        resolve_public_url("https://hooks.example.com/hook")


def test_the_resolved_url_carries_what_the_request_needs(monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", _answers("93.184.215.14", "2606:4700::1111"))
    resolved = resolve_public_url("https://Hooks.Example.com.:8443/a/b?team=7#frag")
    assert (resolved.scheme, resolved.host, resolved.port) == ("https", "hooks.example.com", 8443)
    assert resolved.target == "/a/b?team=7"
    assert resolved.address == "93.184.215.14"


class _Receiver(http.server.BaseHTTPRequestHandler):
    seen: list = []

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        type(self).seen.append((self.headers["Host"], self.path))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    _Receiver.seen = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_the_connection_goes_to_the_checked_address_not_a_new_answer(monkeypatch, receiver):
    port = receiver.server_port
    with override_settings(DRF_APIFIRST={"PUBLIC_URL_ALLOWED_NETWORKS": ["127.0.0.1/32"]}):
        monkeypatch.setattr(socket, "getaddrinfo", _answers("127.0.0.1"))
        resolved = resolve_public_url(f"http://hooks.example.com:{port}/hook", schemes=["http"])
    # DNS rebinding: the name now points elsewhere; the connection does not ask again.
    monkeypatch.setattr(socket, "getaddrinfo", _answers("10.0.0.7"))
    connection = resolved.connection(timeout=5)
    try:
        connection.request("POST", resolved.target, body=b"{}")
        assert connection.getresponse().status == 204
    finally:
        connection.close()
    assert _Receiver.seen == [(f"hooks.example.com:{port}", "/hook")]


def test_allowed_networks_open_only_those_networks_and_http_only_for_their_literals():
    with override_settings(DRF_APIFIRST={"PUBLIC_URL_ALLOWED_NETWORKS": ["10.1.0.0/16"]}):
        check_public_url("http://10.1.2.3:8080/hook")
        check_public_url("https://[::ffff:10.1.2.3]/hook")
        with pytest.raises(UnsafeURL):
            check_public_url("https://10.2.0.1/hook")
        with pytest.raises(UnsafeURL, match="must use https"):
            check_public_url("http://hooks.example.com/hook")
    check_public_url("https://10.1.2.3/", allowed_networks=["10.1.2.0/24"])
    with pytest.raises(UnsafeURL):
        check_public_url("https://10.1.2.3/")


@pytest.mark.parametrize("value", ["10.0.0.0/8", ["10.0.0.1/8"], ["not a network"], [7]])
def test_public_url_allowed_networks_must_be_a_list_of_networks(value):
    from drf_apifirst.settings import apifirst_settings

    with (
        override_settings(DRF_APIFIRST={"PUBLIC_URL_ALLOWED_NETWORKS": value}),
        pytest.raises(ImproperlyConfigured, match="PUBLIC_URL_ALLOWED_NETWORKS"),
    ):
        _ = apifirst_settings.PUBLIC_URL_ALLOWED_NETWORKS


def test_the_validator_deconstructs_for_migrations_and_compares_by_value():
    validator = PublicURLValidator(schemes=["https"], allowed_networks=["10.0.0.0/8"])
    path, _args, kwargs = validator.deconstruct()
    assert path == "drf_apifirst.validators.ssrf.PublicURLValidator"
    assert kwargs == {"schemes": ["https"], "allowed_networks": ["10.0.0.0/8"]}
    assert validator == PublicURLValidator(schemes=("https",), allowed_networks=("10.0.0.0/8",))
    assert validator != PublicURLValidator()


class HookSerializer(serializers.Serializer):
    url = serializers.URLField(validators=[PublicURLValidator()])


def test_a_serializer_field_reports_the_reason_with_its_code():
    serializer = HookSerializer(data={"url": "https://169.254.169.254/latest/"})
    assert not serializer.is_valid()
    [error] = serializer.errors["url"]
    assert error.code == "unsafe_url"
    assert str(error) == "169.254.169.254 is not a public address."
    assert HookSerializer(data={"url": "https://hooks.example.com/"}).is_valid()
