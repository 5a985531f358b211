"""The live feed on the local stack: a dashboard's socket receives its tenant's sends as they happen."""

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from emailseq_cli.local.clock import current_offset
from emailseq_cli.local.paths import LocalPaths
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from tests.support.local_stack import ROOT, LocalStack, cli

LIVE_SEQUENCE = """
id: live-{unique}
name: Live {unique}
trigger: {{event: live.started}}
steps:
  - id: hello
    email: {{subject: "Hello live", html: "<p>Hi</p>"}}
"""


def live_url() -> str:
    """Where dashboards connect: the config.json the local stack gives the dashboard."""
    env = dict(line.split("=", 1) for line in cli("local", "env").stdout.splitlines() if "=" in line)
    dashboard = env["EMAILSEQ_DASHBOARD_URL"]
    assert dashboard, "the local stack printed no dashboard URL"
    config: dict[str, Any] = httpx.get(dashboard.rsplit("/", 1)[0] + "/config.json", timeout=10).json()
    return str(config["liveUrl"])


def receive_until(socket: ClientConnection, kind: str, timeout: float) -> tuple[dict[str, Any], float]:
    """The first message of `kind` and the wall-clock time it arrived."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        message = json.loads(socket.recv(timeout=left))
        if message["type"] == kind:
            return message, time.time()
    raise AssertionError(f"no {kind} within {timeout} s")


def test_a_connected_dashboard_receives_the_send_within_two_seconds(
    stack: LocalStack, unique: str, write_sequence: Any
) -> None:
    # Given a tenant with a one-email sequence and a dashboard connected with its token
    tenant = f"live{unique}"
    token = cli("tokens", "create", "--tenant", tenant).stdout.strip()
    as_tenant = (stack.api_url, token)
    cli("sequences", "apply", str(write_sequence("live", LIVE_SEQUENCE.format(unique=unique))), as_tenant=as_tenant)
    with connect(f"{live_url()}?token={token}", open_timeout=30) as socket:
        # When an event enrolls a contact, which is sent the email
        cli("events", "send", "live.started", "--email", f"ada-{unique}@example.com", as_tenant=as_tenant)
        enrolled, _ = receive_until(socket, "contact.enrolled", timeout=120)
        sent, arrived = receive_until(socket, "email.sent", timeout=120)
    # Then both reached the socket, naming the sequence, and the send arrived within 2 s of being sent
    assert enrolled["data"]["sequence_id"] == sent["data"]["sequence_id"] == f"live-{unique}"
    assert sent["data"]["step_id"] == "hello"
    offset = current_offset(LocalPaths(Path(ROOT)))  # the stack's clock runs ahead by `emailseq clock` travel
    sent_at = datetime.fromisoformat(sent["at"]).astimezone(UTC).timestamp() - offset
    latency = arrived - sent_at
    assert latency < 2.0, f"email.sent reached the socket {latency:.2f} s after the send"


def first_message(url: str) -> str | bytes:
    with connect(url, open_timeout=30) as socket:
        return socket.recv(timeout=10)


def test_a_socket_without_a_valid_token_is_refused(stack: LocalStack) -> None:
    # When a client connects with a forged token / Then the handshake is refused (never a socket that stays open)
    with pytest.raises((InvalidStatus, ConnectionClosed)):
        first_message(f"{live_url()}?token=forged")
