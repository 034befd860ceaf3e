"""The client's address: the proxy's header is read only from a configured proxy."""

import pytest
from django.test import RequestFactory

from huiyin.env import ConfigError
from huiyin.privacy.client import (
    client_address,
    parse_address,
    proxy_header,
    trusted_proxies,
)

LOOPBACK = ["127.0.0.1", "::1"]


def address(remote="127.0.0.1", **headers) -> str:
    meta = {"REMOTE_ADDR": remote} if remote is not None else {}
    request = RequestFactory().get("/", **headers)
    request.META.pop("REMOTE_ADDR", None)
    request.META.update(meta)
    return client_address(request)


@pytest.fixture
def proxied(settings):
    settings.TRUSTED_PROXIES = LOOPBACK
    settings.PROXY_CLIENT_HEADER = "HTTP_X_FORWARDED_FOR"
    return settings


def test_without_a_proxy_it_is_the_peer_whatever_the_headers(settings):
    settings.TRUSTED_PROXIES = []
    assert address("10.1.2.3") == "10.1.2.3"
    assert address("127.0.0.1", HTTP_X_FORWARDED_FOR="10.9.9.9") == "127.0.0.1"
    assert address("127.0.0.1", HTTP_X_REAL_IP="10.9.9.9") == "127.0.0.1"


def test_behind_the_proxy_it_is_the_address_nginx_appended(proxied):
    assert address("127.0.0.1", HTTP_X_FORWARDED_FOR="10.1.2.3") == "10.1.2.3"
    assert address("::1", HTTP_X_FORWARDED_FOR=" 10.1.2.3 ") == "10.1.2.3"


def test_it_ignores_the_header_from_a_peer_that_is_not_a_trusted_proxy(proxied):
    assert address("10.0.0.7", HTTP_X_FORWARDED_FOR="10.1.2.3") == "10.0.0.7"
    assert address("10.0.0.7", HTTP_X_REAL_IP="10.1.2.3") == "10.0.0.7"


def test_it_reads_from_the_right_so_a_spoofed_entry_is_never_the_answer(proxied):
    # The client sent "6.6.6.6" itself; nginx appended the address it saw.
    assert address(HTTP_X_FORWARDED_FOR="6.6.6.6, 10.1.2.3") == "10.1.2.3"
    assert address(HTTP_X_FORWARDED_FOR="127.0.0.1, 10.1.2.3") == "10.1.2.3"


def test_it_walks_past_trusted_hops_to_the_first_untrusted_one(proxied):
    proxied.TRUSTED_PROXIES = [*LOOPBACK, "10.20.0.0/16"]
    # client -> load balancer (10.20.0.5) -> nginx (127.0.0.1) -> gunicorn
    hops = "6.6.6.6, 192.168.1.50, 10.20.0.5"
    assert address(HTTP_X_FORWARDED_FOR=hops) == "192.168.1.50"
    # Every hop trusted: the leftmost, a request made on a proxy's own machine.
    assert address(HTTP_X_FORWARDED_FOR="10.20.0.9, 10.20.0.5") == "10.20.0.9"
    # A network that is not listed is not trusted.
    assert address(HTTP_X_FORWARDED_FOR="6.6.6.6, 10.21.0.5") == "10.21.0.5"


def test_it_handles_ipv6(proxied):
    assert address("::1", HTTP_X_FORWARDED_FOR="2001:DB8:0:0::1") == "2001:db8::1"
    assert address("::1", HTTP_X_FORWARDED_FOR="[2001:db8::2]:4431") == "2001:db8::2"
    assert address("::1", HTTP_X_FORWARDED_FOR="fe80::1%eth0") == "fe80::1"
    # An IPv4 peer written IPv6-mapped (a server bound to [::]) is that IPv4 address.
    assert address("::ffff:127.0.0.1", HTTP_X_FORWARDED_FOR="10.1.2.3") == "10.1.2.3"
    assert address("::ffff:10.0.0.7", HTTP_X_FORWARDED_FOR="10.1.2.3") == "10.0.0.7"
    proxied.TRUSTED_PROXIES = ["2001:db8:ffff::/48"]
    assert address("2001:db8:ffff::9", HTTP_X_FORWARDED_FOR="2001:db8::3") == "2001:db8::3"
    assert address("2001:db8:fffe::9", HTTP_X_FORWARDED_FOR="2001:db8::3") == "2001:db8:fffe::9"


@pytest.mark.parametrize(
    "header",
    [
        "",
        " , ",
        "unknown",
        "10.1.2.3, unknown",
        "10.1.2.3,",
        "999.1.2.3",
        "10.1.2.3; rm -rf",
        "<script>",
        "1.2.3.4" + ", 1.2.3.4" * 400,
        "\x00",
        "::::",
        "[::1",
        "例子",
    ],
)
def test_a_header_it_cannot_read_falls_back_to_the_peer(proxied, header):
    assert address("127.0.0.1", HTTP_X_FORWARDED_FOR=header) == "127.0.0.1"


def test_a_garbage_hop_left_of_the_client_is_never_read(proxied):
    assert address(HTTP_X_FORWARDED_FOR="unknown, 10.1.2.3") == "10.1.2.3"


def test_it_reads_x_real_ip_when_told_to(proxied):
    proxied.PROXY_CLIENT_HEADER = "HTTP_X_REAL_IP"
    assert address(HTTP_X_REAL_IP="10.1.2.3", HTTP_X_FORWARDED_FOR="6.6.6.6") == "10.1.2.3"
    assert address(HTTP_X_FORWARDED_FOR="10.1.2.3") == "127.0.0.1"
    assert address(HTTP_X_REAL_IP="10.1.2.3, 10.1.2.4") == "127.0.0.1"
    assert address(HTTP_X_REAL_IP="nonsense") == "127.0.0.1"


def test_without_a_peer_address_it_answers_empty_unless_a_unix_socket_is_trusted(proxied):
    assert address(None, HTTP_X_FORWARDED_FOR="10.1.2.3") == ""
    assert address("", HTTP_X_FORWARDED_FOR="10.1.2.3") == ""
    proxied.TRUSTED_PROXIES = ["unix"]
    assert address("", HTTP_X_FORWARDED_FOR="10.1.2.3") == "10.1.2.3"
    # ...and "unix" trusts no TCP peer.
    assert address("127.0.0.1", HTTP_X_FORWARDED_FOR="10.1.2.3") == "127.0.0.1"


def test_it_never_raises_on_odd_requests(proxied):
    class Bare:
        pass

    assert client_address(Bare()) == ""
    request = RequestFactory().get("/")
    request.META["HTTP_X_FORWARDED_FOR"] = b"10.1.2.3"
    assert client_address(request) == "127.0.0.1"
    request.META["REMOTE_ADDR"] = 12345
    assert client_address(request) == ""


def test_parse_address_accepts_ports_and_brackets():
    assert str(parse_address("10.1.2.3:8080")) == "10.1.2.3"
    assert str(parse_address("[::1]")) == "::1"
    assert parse_address("10.1.2.3:80:90") is None
    assert parse_address(None) is None


def test_the_settings_are_checked_at_start_up():
    assert trusted_proxies("X", ["127.0.0.1", "::1", "10.0.0.0/8", "10.1.2.3/24", "UNIX"]) == [
        "127.0.0.1/32",
        "::1/128",
        "10.0.0.0/8",
        "10.1.2.0/24",
        "unix",
    ]
    for bad in ("localhost", "10.0.0.0/33", "nginx", "10.0.0.*"):
        with pytest.raises(ConfigError, match="HUIYIN_TRUSTED_PROXIES"):
            trusted_proxies("HUIYIN_TRUSTED_PROXIES", [bad])
    assert proxy_header("H", "x-real-ip") == "HTTP_X_REAL_IP"
    assert proxy_header("H", "X-Forwarded-For") == "HTTP_X_FORWARDED_FOR"
    with pytest.raises(ConfigError, match="HUIYIN_PROXY_HEADER"):
        proxy_header("HUIYIN_PROXY_HEADER", "Forwarded")


def test_a_bad_proxy_setting_stops_start_up_with_one_line(tmp_path):
    from huiyin.org.tests.test_settings import run_huiyin

    env = {"HUIYIN_DEBUG": "1", "HUIYIN_BEHIND_PROXY": "1", "HUIYIN_TRUSTED_PROXIES": "nginx"}
    bad = run_huiyin(["check"], env, tmp_path)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "HUIYIN_TRUSTED_PROXIES" in bad.stderr and "'nginx'" in bad.stderr
    env = {"HUIYIN_DEBUG": "1", "HUIYIN_TRUSTED_PROXIES": "10.0.0.1"}
    stray = run_huiyin(["check"], env, tmp_path)
    assert stray.returncode == 2 and "HUIYIN_BEHIND_PROXY" in stray.stderr
