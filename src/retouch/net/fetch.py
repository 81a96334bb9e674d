"""Fetches an input image by URL: data: URIs, this server's own files, or http(s) behind the address guard.

Each redirect hop is checked again (a public URL may redirect to a private one) and connected to the address that
was checked; bodies are streamed and cut off at the byte limit, so a huge or endless response cannot exhaust memory.
``data:`` URIs obey the same byte limit as fetched images.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urljoin

import httpx

from ..errors import InputError
from .addresses import AddressPolicy, Resolver, pin
from .data_uri import parse_data_uri

OwnFiles = Callable[[str], bytes | None]
USER_AGENT = "Retouch/0.1 (+image fetch)"


class ImageFetcher:
    def __init__(
        self,
        *,
        policy: AddressPolicy,
        timeout: float = 20.0,
        max_bytes: int = 50 * 1024 * 1024,
        max_redirects: int = 5,
        own_files: OwnFiles | None = None,
        resolver: Resolver | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.policy = policy
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.own_files = own_files
        self.resolver = resolver
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            follow_redirects=False,
            transport=transport,
            headers={"User-Agent": USER_AGENT, "Accept": "image/*,*/*;q=0.5"},
            trust_env=False,
        )

    def close(self) -> None:
        self._client.close()

    def fetch(self, url: str, *, field: str) -> bytes:
        if url[:5].lower() == "data:":
            data, _ = parse_data_uri(url, field=field, max_bytes=self.max_bytes)
            return data
        if self.own_files is not None:
            own = self.own_files(url)
            if own is not None:
                return own
        return self._fetch_http(url, field)

    def _fetch_http(self, url: str, field: str) -> bytes:
        current = url
        for _ in range(self.max_redirects + 1):
            target = pin(current, field=field, policy=self.policy, resolver=self.resolver)
            try:
                with self._client.stream(
                    "GET", target.connect_url, headers={"Host": target.host_header}, extensions=target.extensions
                ) as response:
                    if response.is_redirect:
                        location = response.headers.get("location")
                        if not location:
                            raise InputError(field, f"redirect without a Location header from {current}")
                        current = urljoin(current, location)
                        continue
                    if response.status_code >= 400:
                        raise InputError(field, f"could not fetch the image: HTTP {response.status_code} from {url}")
                    return self._read_limited(response, field)
            except httpx.TimeoutException as exc:
                raise InputError(field, f"timed out fetching the image from {url}") from exc
            except httpx.HTTPError as exc:
                raise InputError(field, f"could not fetch the image from {url}: {type(exc).__name__}") from exc
        raise InputError(field, f"too many redirects (more than {self.max_redirects}) fetching {url}")

    def _read_limited(self, response: httpx.Response, field: str) -> bytes:
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise InputError(field, f"image is {int(declared)} bytes, more than the limit of {self.max_bytes}")
        chunks: list[bytes] = []
        total = 0
        for chunk in response.iter_bytes():
            total += len(chunk)
            if total > self.max_bytes:
                raise InputError(field, f"image is more than the limit of {self.max_bytes} bytes")
            chunks.append(chunk)
        return b"".join(chunks)
