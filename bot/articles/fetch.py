"""A page fetch that a member's link cannot turn against our own network.

The address is checked where it is used: :class:`SafeResolver` resolves a name once, keeps only
the addresses the rule allows, and aiohttp connects to exactly those (the Host header and TLS
name stay the link's). There is no second lookup an attacker's DNS could answer differently.
Addresses typed as IP literals never reach a resolver in aiohttp, so each hop checks them first.
Redirects are followed by hand, each hop checked the same way.

Limits: ``timeout`` seconds for the whole fetch, redirects included; at most ``max_redirects``
redirects; only the content types asked for. A body longer than ``max_bytes`` is cut there and
marked ``truncated`` rather than refused: a page's ``<head>``, where its metadata lives, comes
first, and the rest is never read from the network.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
AddressRule = Callable[[IPAddress, int], bool]

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
USER_AGENT = "sisterlib/0.1 (link preview)"
_CHUNK = 64 * 1024
# IPv6 prefixes that carry an IPv4 address a gateway would reach for us (NAT64).
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))


def is_public_address(ip: IPAddress) -> bool:
    """Whether ``ip`` is on the public internet: not loopback, private, link-local, multicast,
    reserved, unspecified, shared (carrier NAT) or documentation space, nor an IPv6 address that
    embeds such an IPv4 address (mapped, 6to4, Teredo, NAT64)."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            # The socket would reach the IPv4 address itself: judge that one alone.
            return is_public_address(ip.ipv4_mapped)
        embedded = _embedded_ipv4(ip)
        if embedded is not None and not is_public_address(embedded):
            return False
    return ip.is_global and not (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if any(ip in network for network in _NAT64):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def public_only(ip: IPAddress, port: int) -> bool:
    """The default rule: any port on a public address, nothing else."""
    return is_public_address(ip)


def allow_only(*endpoints: tuple[str, int]) -> AddressRule:
    """A rule that allows exactly these (address, port) pairs, for a test site on this machine."""
    allowed = {(ipaddress.ip_address(host), port) for host, port in endpoints}
    return lambda ip, port: (ip, port) in allowed


class AddressRefusedError(OSError):
    """A host whose addresses the rule refuses; an OSError so aiohttp treats it as a failed lookup."""

    def __init__(self, host: str) -> None:
        super().__init__(f"no allowed address for {host}")
        self.host = host


class SafeResolver(AbstractResolver):
    """Resolves with ``inner`` and returns only the addresses ``allow`` accepts, or refuses."""

    def __init__(self, allow: AddressRule = public_only, inner: AbstractResolver | None = None) -> None:
        self._allow = allow
        self._inner = inner if inner is not None else aiohttp.ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        allowed = [result for result in results if self._allows(result["host"], result["port"] or port)]
        if not allowed:
            raise AddressRefusedError(host)
        return allowed

    def _allows(self, address: str, port: int) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return self._allow(ip, port)

    async def close(self) -> None:
        await self._inner.close()


@dataclass(frozen=True)
class FetchResult:
    url: str  # after redirects
    status: int
    content_type: str
    charset: str | None
    body: bytes
    truncated: bool = False
    etag: str | None = None
    last_modified: str | None = None
    content_language: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass(frozen=True)
class FetchRefusal:
    """Why a page was not fetched; ``code`` is for the cog to translate, ``url`` the hop it failed on."""

    code: str
    url: str
    params: Mapping[str, Any] = field(default_factory=dict)


async def fetch_page(
    url: str,
    *,
    resolver: AbstractResolver | None = None,
    allow: AddressRule = public_only,
    timeout: float = 5,  # noqa: ASYNC109 - the fetch's own limit, answered by a "timeout" refusal
    max_bytes: int = 1_000_000,
    max_redirects: int = 3,
    tls: ssl.SSLContext | None = None,
) -> FetchResult | FetchRefusal:
    """An HTML page, or why not. ``resolver`` turns names into addresses (the system's by
    default); ``allow`` decides which addresses may be reached (public ones by default); ``tls``
    replaces the system's certificate authorities (a test site's own)."""
    return await fetch(
        url,
        accept=HTML_TYPES,
        resolver=resolver,
        allow=allow,
        timeout=timeout,
        max_bytes=max_bytes,
        max_redirects=max_redirects,
        tls=tls,
    )


async def fetch(
    url: str,
    *,
    accept: frozenset[str],
    headers: Mapping[str, str] | None = None,
    resolver: AbstractResolver | None = None,
    allow: AddressRule = public_only,
    timeout: float = 5,  # noqa: ASYNC109 - as above
    max_bytes: int = 1_000_000,
    max_redirects: int = 3,
    tls: ssl.SSLContext | None = None,
) -> FetchResult | FetchRefusal:
    """A body of one of the ``accept`` content types, or why not; a 304 answer to conditional
    ``headers`` comes back as a result with ``not_modified`` set and no body."""
    connector = aiohttp.TCPConnector(
        resolver=SafeResolver(allow, resolver),
        use_dns_cache=False,
        limit=4,
        force_close=True,
        ssl=tls if tls is not None else True,
    )
    request_headers = {"User-Agent": USER_AGENT, "Accept": ", ".join(sorted(accept)) + ", */*;q=0.1"}
    request_headers.update(headers or {})
    hop = url
    try:
        async with (
            asyncio.timeout(timeout),
            aiohttp.ClientSession(
                connector=connector,
                cookie_jar=aiohttp.DummyCookieJar(),
                timeout=aiohttp.ClientTimeout(total=timeout),
                trust_env=False,
            ) as session,
        ):
            for redirects in range(max_redirects + 1):
                target = URL(hop, encoded=False)
                refusal = _check_hop(target, hop, allow)
                if refusal is not None:
                    return refusal
                async with session.get(target, headers=request_headers, allow_redirects=False) as response:
                    if response.status in REDIRECT_STATUSES:
                        location = response.headers.get("Location")
                        if not location:
                            return FetchRefusal("bad_redirect", hop)
                        if redirects == max_redirects:
                            return FetchRefusal("too_many_redirects", hop, {"limit": max_redirects})
                        try:
                            hop = str(response.url.join(URL(location)))
                        except ValueError:
                            return FetchRefusal("bad_redirect", hop)
                        continue
                    conditional = any(name.lower().startswith("if-") for name in request_headers)
                    return await _read(response, hop, accept, max_bytes, conditional=conditional)
    except TimeoutError:
        return FetchRefusal("timeout", hop, {"seconds": timeout})
    except aiohttp.ClientConnectorDNSError as error:
        if isinstance(error.os_error, AddressRefusedError):
            return FetchRefusal("address_refused", hop, {"host": error.os_error.host})
        return FetchRefusal("dns", hop)
    except (aiohttp.ClientConnectorCertificateError, aiohttp.ClientSSLError):
        return FetchRefusal("tls", hop)
    except aiohttp.InvalidURL:
        return FetchRefusal("bad_url", hop)
    except (aiohttp.ClientError, OSError, ValueError):
        return FetchRefusal("connection", hop)
    raise AssertionError("the redirect loop always returns")  # pragma: no cover


def _check_hop(target: URL, hop: str, allow: AddressRule) -> FetchRefusal | None:
    if target.scheme not in {"http", "https"} or not target.raw_host:
        return FetchRefusal("bad_url", hop)
    if target.user is not None or target.password is not None:
        return FetchRefusal("bad_url", hop)
    try:
        literal = ipaddress.ip_address(target.raw_host)
    except ValueError:
        return None  # a name: SafeResolver checks what it resolves to
    if not allow(literal, target.port or 0):
        return FetchRefusal("address_refused", hop, {"host": target.raw_host})
    return None


async def _read(
    response: aiohttp.ClientResponse, hop: str, accept: frozenset[str], max_bytes: int, *, conditional: bool
) -> FetchResult | FetchRefusal:
    headers = response.headers
    if response.status == 304 and conditional:
        return FetchResult(
            url=hop, status=304, content_type="", charset=None, body=b"",
            etag=headers.get("ETag"), last_modified=headers.get("Last-Modified"),
        )
    if not 200 <= response.status < 300:
        return FetchRefusal("http_status", hop, {"status": response.status})
    # aiohttp reports a missing Content-Type as application/octet-stream, which no caller accepts.
    if response.content_type not in accept:
        return FetchRefusal("content_type", hop, {"content_type": response.content_type})
    chunks: list[bytes] = []
    size = 0
    truncated = False
    async for chunk in response.content.iter_chunked(_CHUNK):
        chunks.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            truncated = True
            response.close()  # the rest stays unread: the connection goes, not the bytes
            break
    body = b"".join(chunks)[:max_bytes]
    return FetchResult(
        url=hop,
        status=response.status,
        content_type=response.content_type,
        charset=response.charset,
        body=body,
        truncated=truncated,
        etag=headers.get("ETag"),
        last_modified=headers.get("Last-Modified"),
        content_language=headers.get("Content-Language"),
    )
