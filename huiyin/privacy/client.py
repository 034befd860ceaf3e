"""The client's network address: the one place that decides whom a request came from.

Sign-in throttling (django-axes, through ``AXES_CLIENT_IP_CALLABLE``), the public tracker's
rate limit and the audit trail all ask :func:`client_address`.

Without a proxy (the default) the answer is the socket's peer, ``REMOTE_ADDR``. Behind nginx
(``HUIYIN_BEHIND_PROXY=1``) every peer is nginx, so the client's address is read from the
header the proxy writes, but only when the peer is one of ``HUIYIN_TRUSTED_PROXIES``
(127.0.0.1 and ::1 unless set): anybody else could write that header themselves.

``X-Forwarded-For`` (the default header) is read from the right: nginx's
``$proxy_add_x_forwarded_for`` appends the address it saw to whatever the client sent, so the
entries on the right were written by trusted proxies and the first untrusted one, walking
leftwards, is the client. Entries further left are the client's own claims and are never
read. ``X-Real-IP`` (``HUIYIN_PROXY_HEADER=X-Real-IP``, with nginx's
``proxy_set_header X-Real-IP $remote_addr``) holds one address, which nginx replaces.

A header that cannot be read (no address, a name, a list where one address belongs) never
raises: the answer falls back to ``REMOTE_ADDR``.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings

from huiyin.env import ConfigError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Loopback: nginx on the same machine.
DEFAULT_TRUSTED_PROXIES = ["127.0.0.1", "::1"]
#: A peer on a Unix socket has no address; "unix" in the list trusts such peers.
UNIX = "unix"
#: The headers a proxy may name the client in, and their WSGI keys.
HEADERS = {"x-forwarded-for": "HTTP_X_FORWARDED_FOR", "x-real-ip": "HTTP_X_REAL_IP"}

# A header longer than this is not from nginx; it is not read.
_MAX_HEADER = 2000


def trusted_proxies(name: str, items: list[str]) -> list[str]:
    """The proxies' addresses and networks (``10.0.0.0/24``), checked; a bad one stops start-up."""
    networks = []
    for item in items:
        if item.lower() == UNIX:
            networks.append(UNIX)
            continue
        try:
            network = ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ConfigError(
                f"{name} must list IP addresses or networks (10.0.0.0/24) or 'unix'; got {item!r}"
            ) from None
        networks.append(network.compressed)
    return networks


def proxy_header(name: str, value: str) -> str:
    """The WSGI key of the header the proxy writes; a header not supported stops start-up."""
    key = HEADERS.get(value.strip().lower())
    if key is None:
        raise ConfigError(f"{name} must be X-Forwarded-For or X-Real-IP; got {value!r}")
    return key


@lru_cache(maxsize=8)
def _networks(items: tuple[str, ...]) -> tuple[tuple[IPNetwork, ...], bool]:
    parsed = tuple(ipaddress.ip_network(i, strict=False) for i in items if i != UNIX)
    return parsed, UNIX in items


def parse_address(text) -> IPAddress | None:
    """One address from a header or REMOTE_ADDR, or None. Accepts ``[v6]:port`` and ``v4:port``.

    IPv4-mapped IPv6 (``::ffff:10.0.0.1``) becomes the IPv4 address; an IPv6 zone is dropped.
    """
    if not isinstance(text, str):
        return None
    text = text.strip()
    if not text or len(text) > 64:
        return None
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            return None
        text = text[1:end]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    text = text.split("%", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: IPAddress, networks: tuple[IPNetwork, ...]) -> bool:
    return any(address.version == n.version and address in n for n in networks)


def client_address(request) -> str:
    """The client's address as text (``10.1.2.3``, ``2001:db8::1``); "" when there is none."""
    meta = getattr(request, "META", None) or {}
    peer = parse_address(meta.get("REMOTE_ADDR"))
    fallback = str(peer) if peer is not None else ""
    items = tuple(getattr(settings, "TRUSTED_PROXIES", None) or ())
    if not items:
        return fallback
    networks, unix = _networks(items)
    # No address: a Unix socket's peer (the server sets REMOTE_ADDR, never the client),
    # trusted as the proxy if the operator listed "unix".
    peer_trusted = unix if peer is None else _trusted(peer, networks)
    if not peer_trusted:
        return fallback
    key = getattr(settings, "PROXY_CLIENT_HEADER", None) or HEADERS["x-forwarded-for"]
    raw = meta.get(key)
    if not isinstance(raw, str) or not raw.strip() or len(raw) > _MAX_HEADER:
        return fallback
    if key == HEADERS["x-real-ip"]:
        address = parse_address(raw)
        return str(address) if address is not None else fallback
    client = None
    for hop in reversed(raw.split(",")):
        address = parse_address(hop)
        if address is None:
            return fallback
        client = address
        if not _trusted(address, networks):
            break
    # Every hop trusted: the leftmost is the client (a request made on a proxy's machine).
    return str(client) if client is not None else fallback
