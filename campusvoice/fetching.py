"""A polite, careful HTTP fetcher for addresses organisers type: newspaper feeds and pages
(outreach) and allies' feeds (campaigns). One module, so the policy below has one place to mend.

Each hop of a redirect is checked before we connect: http(s) only, and every address its host
resolves to must be public (plus loopback when settings.CAMPUSVOICE_FETCH_ALLOW_PRIVATE is true,
for tests and the demo). The connection itself is pinned: requests-hardened's adapter resolves
the host, and we connect to that very address (checked again against the same policy) while the
Host header, SNI and the certificate check keep the name. So a hostile DNS server that answers a
public address for the check and a private one afterwards (DNS rebinding) is refused. Responses
are capped in size and in total time (read with read1, so a server that drips bytes is cut off
at the deadline), sent with a descriptive User-Agent and conditional headers.
"""

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from django.conf import settings
from requests_hardened import Config, HTTPSession
from requests_hardened.ip_filter import InvalidIPAddress
from requests_hardened.ip_filter_adapter import IPFilterAdapter

MAX_BYTES = 2 * 1024 * 1024
TIMEOUT_SECONDS = 10.0
MAX_REDIRECTS = 5
USER_AGENT = "campusvoice-coverage/0.1 (student-newspaper monitor; +{site})"


class FetchError(Exception):
    """The fetch failed; the message says why, without quoting the response.

    `reason` names the kind of failure (timeout, connect, status, too_large, broken, dns), so a
    caller can show its own, translated message.
    """

    def __init__(self, message: str, *, reason: str = "failed", status: int | None = None):
        super().__init__(message)
        self.reason = reason
        self.status = status


class FetchRefused(FetchError):
    """We would not fetch this address (reason: scheme, credentials, private, redirects)."""


@dataclass
class FetchResult:
    url: str
    status: int
    content: bytes = b""
    content_type: str = ""
    etag: str = ""
    last_modified: str = ""

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def _address_allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address.strip("[]").split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return bool(getattr(settings, "CAMPUSVOICE_FETCH_ALLOW_PRIVATE", False))
    return ip.is_global and not ip.is_multicast


def check_url(url: str) -> None:
    """Raise FetchRefused unless `url` is http(s) and every address of its host is allowed."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchRefused(
            f"only http and https addresses are fetched ({parts.scheme or 'none'})", reason="scheme"
        )
    if parts.username or parts.password:
        raise FetchRefused("addresses with credentials are not fetched", reason="credentials")
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"the host name does not resolve ({type(exc).__name__})", reason="dns") from exc
    addresses = {info[4][0] for info in infos}
    refused = sorted(a for a in addresses if not _address_allowed(a))
    if refused:
        raise FetchRefused(
            f"{parts.hostname} resolves to a non-public address ({refused[0]})", reason="private"
        )


class _PinnedAdapter(IPFilterAdapter):
    """requests-hardened's adapter (connects to the address it resolved, keeps the name for the
    Host header, SNI and certificate), with our policy applied to that address as well.

    Its own filter refuses private ranges; loopback is left to our policy so that tests and the
    demo can allow it with CAMPUSVOICE_FETCH_ALLOW_PRIVATE.
    """

    def __init__(self, *, is_https: bool):
        super().__init__(is_https_proto=is_https, allow_loopback=True)

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        if not _address_allowed(host_params["host"]):
            raise FetchRefused(
                f"the host now resolves to a non-public address ({host_params['host'].strip('[]')})",
                reason="private",
            )
        return host_params, pool_kwargs


def _session() -> requests.Session:
    session = HTTPSession(
        Config(
            ip_filter_enable=False,  # we mount our own pinned adapters below
            ip_filter_allow_loopback_ips=False,
            never_redirect=True,  # each hop is checked here, not followed by requests
            default_timeout=(TIMEOUT_SECONDS, TIMEOUT_SECONDS),
        )
    )
    session.mount("http://", _PinnedAdapter(is_https=False))
    session.mount("https://", _PinnedAdapter(is_https=True))
    session.trust_env = False  # no proxies or .netrc from the environment
    return session


def _read_capped(response: requests.Response, *, max_bytes: int, deadline: float) -> bytes:
    """The body, or FetchError once it passes `max_bytes` or the deadline.

    read1 returns whatever has arrived, so the deadline is checked between small reads even when
    a server drips one byte at a time (iter_content would wait for a whole chunk).
    """
    chunks, size = [], 0
    while True:
        if time.monotonic() > deadline:
            raise FetchError("timed out", reason="timeout")
        chunk = response.raw.read1(64 * 1024, decode_content=True)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"too large (over {max_bytes} bytes)", reason="too_large")
        chunks.append(chunk)


def fetch(
    url: str,
    *,
    etag: str = "",
    last_modified: str = "",
    max_bytes: int = MAX_BYTES,
    timeout: float = TIMEOUT_SECONDS,
    accept: str = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/html;q=0.8, */*;q=0.5",
    request_timeout: tuple[float, float] | None = None,
    user_agent: str = "",
) -> FetchResult:
    """GET `url` safely; raises FetchRefused or FetchError. 304 comes back as a result.

    `timeout` caps the whole fetch, redirects and download included; `request_timeout`
    (connect, read) caps each request, by default whatever remains of the whole.
    """
    headers = {"User-Agent": user_agent or USER_AGENT.format(site=settings.SITE_URL), "Accept": accept}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    deadline = time.monotonic() + timeout
    with _session() as session:
        for _hop in range(MAX_REDIRECTS + 1):
            check_url(url)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise FetchError("timed out", reason="timeout")
            try:
                response = session.get(
                    url,
                    headers=headers,
                    allow_redirects=False,
                    stream=True,
                    timeout=request_timeout or remaining,
                )
            except InvalidIPAddress as exc:
                raise FetchRefused(
                    f"{urlsplit(url).hostname} now resolves to a non-public address ({exc})", reason="private"
                ) from exc
            except requests.Timeout as exc:
                raise FetchError("timed out", reason="timeout") from exc
            except requests.RequestException as exc:
                raise FetchError(f"could not connect ({type(exc).__name__})", reason="connect") from exc
            with response:
                if response.is_redirect:
                    url = urljoin(url, response.headers.get("Location", ""))
                    continue
                if response.status_code == 304:
                    return FetchResult(url=url, status=304, etag=etag, last_modified=last_modified)
                if response.status_code >= 400:
                    raise FetchError(
                        f"the server answered {response.status_code}",
                        reason="status",
                        status=response.status_code,
                    )
                declared = response.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise FetchError(
                        f"too large ({int(declared)} bytes; the limit is {max_bytes})", reason="too_large"
                    )
                try:
                    content = _read_capped(response, max_bytes=max_bytes, deadline=deadline)
                except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
                    if isinstance(exc, (urllib3.exceptions.ReadTimeoutError, TimeoutError)):
                        raise FetchError("timed out", reason="timeout") from exc
                    raise FetchError(
                        f"the download broke off ({type(exc).__name__})", reason="broken"
                    ) from exc
                return FetchResult(
                    url=url,
                    status=response.status_code,
                    content=content,
                    content_type=response.headers.get("Content-Type", ""),
                    etag=response.headers.get("ETag", ""),
                    last_modified=response.headers.get("Last-Modified", ""),
                )
    raise FetchRefused(f"more than {MAX_REDIRECTS} redirects", reason="redirects")
