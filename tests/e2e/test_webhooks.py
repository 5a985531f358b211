"""Outgoing webhooks on the local stack: a receiver subscribed to email.sent gets the send, correctly signed."""

import json
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
from emailseq.domain.webhooks import SIGNATURE_HEADER, verify

from tests.support.local_stack import LocalStack, cli

SEQUENCE = """
id: hooked-{u}
name: Hooked {u}
trigger: {{event: signed_up.{u}}}
steps:
  - id: welcome
    email: {{subject: "Welcome", html: "<p>Hi!</p>"}}
"""


class _Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(({k: v for k, v in self.headers.items()}, body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:  # quiet
        return


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    """A local HTTP receiver (as n8n or Zapier would be) started by the test; its URL and what it received."""
    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []
    handler = type("Receiver", (_Receiver,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks/emailseq", received
    server.shutdown()


def _poll(condition: Any, seconds: float) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.25)
    return condition()


def test_a_subscribed_receiver_gets_a_signed_email_sent(stack: LocalStack, unique, write_sequence, receiver):
    # Given a tenant of its own, subscribed to email.sent at a local receiver, and a sequence
    url, received = receiver
    token = cli("tokens", "create", "--tenant", f"hooks-{unique}", "--role", "owner").stdout.strip()
    created = stack.http("POST", "/v1/webhooks", token=token, json={"url": url, "events": ["email.sent"]})
    assert created.status_code == 201, created.text
    subscription = created.json()
    tenant = (stack.api_url, token)
    cli("sequences", "apply", str(write_sequence("hooked", SEQUENCE.format(u=unique))), as_tenant=tenant)

    # When a contact signs up and the welcome email goes out
    address = f"hook-{unique}@example.com"
    cli("events", "send", f"signed_up.{unique}", "--email", address, "--id", f"evt-{unique}", as_tenant=tenant)

    # Then the receiver gets email.sent for that sequence's welcome step, signed with the subscription's secret
    assert _poll(lambda: received, 30), "no webhook delivery within 30 s"
    headers, body = received[0]
    payload = json.loads(body)
    assert payload["type"] == "email.sent"
    assert (payload["data"]["sequence_id"], payload["data"]["step_id"]) == (f"hooked-{unique}", "welcome")
    # (checked at the stack's time: earlier tests may have moved the local clock on)
    now = int(datetime.fromisoformat(cli("clock", "now").stdout.strip()).timestamp())
    assert verify(subscription["secret"], headers[SIGNATURE_HEADER], body, now=now)
    assert not verify("whsec_wrong", headers[SIGNATURE_HEADER], body, now=now)
    # And the subscription's delivery log shows it delivered
    log = _poll(
        lambda: stack.http("GET", f"/v1/webhooks/{subscription['id']}/deliveries", token=token).json()["items"], 10
    )
    assert [(entry["event_type"], entry["outcome"], entry["status_code"]) for entry in log] == [
        ("email.sent", "delivered", 204)
    ]
