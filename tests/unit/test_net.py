"""Outbound requests connect to the address that was checked (DNS rebinding gains nothing), for images and webhooks.

Resolvers here are stubs; requests either go to a mock transport (no socket at all) or to a server on 127.0.0.1.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import httpx
import pytest

from retouch.errors import InputError
from retouch.net.addresses import AddressPolicy, loggable, pin
from retouch.net.fetch import ImageFetcher

from ..support.images import solid_png

PUBLIC = "93.184.216.34"  # only ever handed to mock transports: no socket is opened to it


class RebindingResolver:
    """Answers the first lookup with ``first`` and every later one with ``then``, counting the lookups."""

    def __init__(self, first: str, then: str) -> None:
        self.answers = [first, then]
        self.calls = 0

    def __call__(self, host: str, port: int) -> list[str]:
        self.calls += 1
        return [self.answers[0] if self.calls == 1 else self.answers[1]]


def _png() -> bytes:
    return solid_png((4, 4), (1, 2, 3))


def test_pin_names_the_checked_address_and_keeps_host_and_tls_name() -> None:
    target = pin(
        "https://cdn.example.test:8443/a.png?x=1", field="f", policy=AddressPolicy(), resolver=lambda h, p: [PUBLIC]
    )
    assert target.connect_url == f"https://{PUBLIC}:8443/a.png?x=1"
    assert target.host_header == "cdn.example.test:8443"
    assert target.extensions == {"sni_hostname": "cdn.example.test"}
    v6 = pin(
        "http://v6.example.test/a", field="f", policy=AddressPolicy(), resolver=lambda h, p: ["2606:2800:220:1::1"]
    )
    assert v6.connect_url == "http://[2606:2800:220:1::1]/a" and v6.extensions == {}


def test_image_fetch_connects_to_the_address_it_checked() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=_png())

    resolver = RebindingResolver(PUBLIC, "127.0.0.1")
    fetcher = ImageFetcher(policy=AddressPolicy(), transport=httpx.MockTransport(handler), resolver=resolver)
    assert fetcher.fetch("http://rebind.example.test/cat.png", field="image_urls.0") == _png()
    assert resolver.calls == 1, "the host must be looked up once: the connection uses the checked answer"
    assert seen[0].url.host == PUBLIC
    assert seen[0].headers["host"] == "rebind.example.test"


def test_image_fetch_refuses_before_any_request_when_the_first_answer_is_private() -> None:
    seen: list[httpx.Request] = []
    resolver = RebindingResolver("169.254.169.254", PUBLIC)
    fetcher = ImageFetcher(
        policy=AddressPolicy(),
        transport=httpx.MockTransport(lambda r: seen.append(r) or httpx.Response(200)),
        resolver=resolver,
    )
    with pytest.raises(InputError, match="link-local"):
        fetcher.fetch("http://rebind.example.test/cat.png", field="image_urls.0")
    assert seen == []


class _Recorder(http.server.BaseHTTPRequestHandler):
    hosts: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        type(self).hosts.append(self.headers.get("host", ""))
        body = _png()
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def loopback_server() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield int(server.server_address[1])
    server.shutdown()
    server.server_close()


def test_a_real_connection_goes_to_the_checked_loopback_address(loopback_server: int) -> None:
    """The second answer (127.0.0.2, where nothing listens) would fail the fetch: pinning makes it succeed."""
    resolver = RebindingResolver("127.0.0.1", "127.0.0.2")
    fetcher = ImageFetcher(policy=AddressPolicy(allow_loopback=True), resolver=resolver)
    url = f"http://images.rebind.test:{loopback_server}/cat.png"
    assert fetcher.fetch(url, field="image_urls.0") == _png()
    assert resolver.calls == 1
    assert _Recorder.hosts[-1] == f"images.rebind.test:{loopback_server}"
    fetcher.close()


def test_webhook_delivery_connects_to_the_checked_address(tmp_path: object) -> None:
    from retouch.jobs.base import Outcome
    from retouch.service.signing import WebhookSigner
    from retouch.service.webhooks import WebhookDispatcher

    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    class OneJobStore:
        done: list[str] = []

        def get(self, job_id: str) -> object:
            class J:
                id = job_id
                owner = None
                outcome = Outcome.OK
                result = {"images": []}
                error = None

            return J()

        def webhook_done(self, job_id: str) -> None:
            self.done.append(job_id)

    resolver = RebindingResolver(PUBLIC, "127.0.0.1")
    store = OneJobStore()
    signer = WebhookSigner(tmp_path / "key.pem")  # type: ignore[operator]
    dispatcher = WebhookDispatcher(
        store,  # type: ignore[arg-type]
        signer,
        AddressPolicy(),
        transport=httpx.MockTransport(handler),
        resolver=resolver,
    )
    dispatcher._deliver("job-1", "https://hooks.example.test/in?token=secret", 0)
    assert resolver.calls == 1
    assert seen[0].url.host == PUBLIC and seen[0].headers["host"] == "hooks.example.test"
    assert seen[0].extensions.get("sni_hostname") == "hooks.example.test"
    assert store.done == ["job-1"]


def test_loggable_urls_drop_query_and_credentials() -> None:
    assert loggable("https://user:pw@hooks.example.test:8443/in?token=secret#x") == "https://hooks.example.test:8443/in"
