"""The webhook step's HTTP client against real local HTTP servers: private targets are refused unless allowed,
redirects are never followed, and the receiver can verify the signature."""

import hashlib
import hmac
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from emailseq.dal.webhooks import REFUSED, SignedWebhookCaller
from emailseq.domain.errors import ProviderTemporaryError

SECRET = "integration-webhook-secret"


class Receiver:
    """A local HTTP server that records each request and answers `status` (with `location` for a redirect)."""

    def __init__(self, status: int = 200, location: str | None = None) -> None:
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((self.path, dict(self.headers), body))
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receivers() -> Iterator[list[Receiver]]:
    started: list[Receiver] = []
    yield started
    for receiver in started:
        receiver.server.shutdown()


def _start(receivers: list[Receiver], **kwargs: object) -> Receiver:
    receiver = Receiver(**kwargs)  # type: ignore[arg-type]
    receivers.append(receiver)
    return receiver


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_loopback_target_is_refused_before_any_request(receivers, host):
    # Given a receiver on loopback, and a caller as deployed in AWS (private targets refused)
    receiver = _start(receivers)
    url = receiver.url.replace("127.0.0.1", host) + "/hook"

    # When a webhook step posts to it
    status = SignedWebhookCaller(SECRET).post(url, {"a": 1}, "key-1")

    # Then the call is refused (recorded as 0, not retried) and the receiver saw nothing
    assert status == REFUSED
    assert receiver.requests == []


def test_an_allowed_private_target_gets_a_signed_post(receivers):
    # Given a tenant that allowed private targets
    receiver = _start(receivers)

    # When a webhook step posts to its receiver
    status = SignedWebhookCaller(SECRET).post(f"{receiver.url}/hook?x=1", {"a": 1}, "key-2", allow_private=True)

    # Then the receiver got the JSON body with the idempotency key and a signature it can verify
    assert status == 200
    ((path, headers, body),) = receiver.requests
    assert path == "/hook?x=1"
    assert headers["Idempotency-Key"] == "key-2"
    stamp, signature = (part.split("=", 1)[1] for part in headers["X-Emailseq-Signature"].split(","))
    key = hashlib.sha256(b"emailseq-webhook|" + SECRET.encode()).digest()
    assert signature == hmac.new(key, stamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def test_a_redirect_is_an_answer_never_followed(receivers):
    # Given a receiver that redirects to another one (which stands for an internal service)
    internal = _start(receivers)
    bouncing = _start(receivers, status=307, location=f"{internal.url}/admin")

    # When a webhook step posts to the bouncing one (allowed, so only the redirect rule is tested)
    status = SignedWebhookCaller(SECRET, allow_private=True).post(bouncing.url, {"a": 1}, "key-3")

    # Then the redirect is recorded as the answer, and the internal service never saw a request
    assert status == 307
    assert len(bouncing.requests) == 1
    assert internal.requests == []


def test_a_server_error_is_retried_later(receivers):
    # Given a receiver that is down (503)
    receiver = _start(receivers, status=503)

    # Then the call raises a passing error, so the step is retried
    with pytest.raises(ProviderTemporaryError):
        SignedWebhookCaller(SECRET, allow_private=True).post(receiver.url, {"a": 1}, "key-4")
