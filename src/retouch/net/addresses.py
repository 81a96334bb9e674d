"""The outbound address guard: image and webhook URLs may not reach private, loopback or link-local hosts.

A server that fetches URLs on a caller's behalf must not become a way into the operator's network (SSRF). The
check resolves the host name and inspects every address it resolves to, before any socket opens; the connection is
then made to an address that was checked (``pin``), never to a second lookup's answer, so a DNS server that
answers "public" to the check and "loopback" to the connect (rebinding) gains nothing.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..errors import InputError

Resolver = Callable[[str, int], list[str]]


@dataclass(frozen=True)
class AddressPolicy:
    allow_private: bool = False
    allow_loopback: bool = False


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def classify(address: str) -> str | None:
    """Why an address is refused ('loopback', 'private', 'link-local', ...), or None when it is public."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_unspecified or ip.is_multicast or ip.is_reserved:
        return "reserved"
    if ip.is_private or not ip.is_global:
        return "private"
    return None


def check_url(url: str, *, field: str, policy: AddressPolicy, resolver: Resolver | None = None) -> list[str]:
    """Returns the addresses the URL's host resolves to; raises InputError (422) if any is refused."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise InputError(field, "must be an http(s) URL")
    host = parts.hostname
    if not host:
        raise InputError(field, "URL has no host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise InputError(field, "URL has an invalid port") from exc
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        try:
            addresses = (resolver or system_resolver)(host, port)
        except (OSError, UnicodeError) as exc:
            raise InputError(field, f"host {host!r} could not be resolved") from exc
    if not addresses:
        raise InputError(field, f"host {host!r} could not be resolved")
    for address in addresses:
        kind = classify(address)
        if kind is None:
            continue
        if kind == "loopback" and policy.allow_loopback:
            continue
        if kind in ("private", "link-local") and policy.allow_private:
            continue
        raise InputError(
            field,
            f"URL host {host!r} resolves to a {kind} address ({address}); this server does not fetch from "
            "private, loopback or link-local addresses unless the operator allows it",
        )
    return addresses


@dataclass(frozen=True)
class PinnedURL:
    """A URL whose host was checked, and the request that reaches exactly the checked address.

    ``connect_url`` names the address instead of the host; ``host_header`` and ``sni_hostname`` keep the
    request what it was for the server (virtual hosting, TLS certificate checked against the host name).
    """

    url: str
    address: str
    connect_url: str
    host_header: str
    sni_hostname: str | None

    @property
    def extensions(self) -> dict[str, str]:
        """httpx request extensions: the TLS server name (SNI and certificate check) when it is not the address."""
        return {"sni_hostname": self.sni_hostname} if self.sni_hostname else {}


def pin(url: str, *, field: str, policy: AddressPolicy, resolver: Resolver | None = None) -> PinnedURL:
    """Checks ``url`` and returns the request to make: to the first address the check accepted."""
    import httpx

    addresses = check_url(url, field=field, policy=policy, resolver=resolver)
    parsed = httpx.URL(url)
    address = addresses[0]
    connect = parsed.copy_with(host=address.split("%", 1)[0])
    host_header = parsed.netloc.decode("ascii")
    host = parsed.raw_host.decode("ascii")
    sni = host if parsed.scheme == "https" and host != address else None
    return PinnedURL(url=url, address=address, connect_url=str(connect), host_header=host_header, sni_hostname=sni)


def loggable(url: str) -> str:
    """A URL as it may be logged: no credentials, query or fragment (webhook URLs often carry tokens there)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"{parts.scheme}://{host}{port}{parts.path}"
