"""The live feed: who may connect, which events reach whom, and what a dashboard receives."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from emailseq.auth import InvalidToken, KeySet, Role, mint_token
from emailseq.domain.live import feed_message
from emailseq.logic.live import ConnectPorts, LivePorts, broadcast, connect, disconnect
from fakes import T0, FakeApiKeyStore, FakeClock, FakeLiveConnections, FakeLivePusher

KEYS = KeySet(current="k1", keys={"k1": "unit-test-secret-" + "s" * 48})
SENT = {
    "tenant_id": "acme",
    "contact_id": "c1",
    "sequence_id": "welcome",
    "step_id": "hello",
    "message_id": "m-1",
    "sent_at": "2025-01-06T09:00:00Z",
}


class _Keys:
    def key_for(self, kid: str) -> str | None:
        return KEYS.keys.get(kid)


def _connect_ports(connections: FakeLiveConnections) -> ConnectPorts:
    return ConnectPorts(connections, FakeClock(T0), _Keys(), FakeApiKeyStore())


def _token(tenant: str) -> str:
    return mint_token(KEYS, tenant, Role.VIEWER, datetime.now(UTC), timedelta(hours=1))


def test_a_connection_with_a_valid_token_is_registered_under_its_tenant() -> None:
    # Given a viewer token of acme / When a dashboard connects with it
    connections = FakeLiveConnections()
    tenant = connect(_connect_ports(connections), "conn-1", _token("acme"))
    # Then the connection belongs to acme and expires on its own
    assert tenant == "acme"
    assert connections.of_tenant("acme") == ["conn-1"]
    assert connections.connections["conn-1"][1] > T0


@pytest.mark.parametrize("token", [None, "", "not-a-jwt", _token("acme")[:-3] + "abc"])
def test_a_connection_without_a_valid_token_is_refused_and_not_kept(token: str | None) -> None:
    connections = FakeLiveConnections()
    with pytest.raises(InvalidToken):
        connect(_connect_ports(connections), "conn-1", token)
    assert connections.connections == {}


def test_an_event_reaches_only_its_tenants_connections_and_carries_no_tenant_or_address() -> None:
    # Given two acme dashboards and one of globex
    connections = FakeLiveConnections()
    for cid, tenant in [("a1", "acme"), ("a2", "acme"), ("g1", "globex")]:
        connections.add(tenant, cid, T0)
    pusher = FakeLivePusher()
    # When acme's email is sent
    delivered = broadcast(LivePorts(connections, FakeClock(T0)), pusher, "EmailSent", SENT)
    # Then both acme sockets got it, globex's did not, and the message names ids only
    assert delivered == 2
    assert set(pusher.received) == {"a1", "a2"}
    message = json.loads(pusher.received["a1"][0])
    assert message == {
        "type": "email.sent",
        "at": "2025-01-06T09:00:00Z",
        "data": {"contact_id": "c1", "sequence_id": "welcome", "step_id": "hello"},
    }


def test_a_connection_that_is_gone_is_forgotten_when_a_push_fails() -> None:
    connections = FakeLiveConnections()
    connections.add("acme", "alive", T0)
    connections.add("acme", "gone", T0)
    pusher = FakeLivePusher(gone={"gone"})
    assert broadcast(LivePorts(connections, FakeClock(T0)), pusher, "EmailSent", SENT) == 1
    assert connections.of_tenant("acme") == ["alive"]


def test_a_disconnect_removes_the_connection() -> None:
    connections = FakeLiveConnections()
    connections.add("acme", "conn-1", T0)
    disconnect(LivePorts(connections, FakeClock(T0)), "conn-1")
    assert connections.of_tenant("acme") == []


@pytest.mark.parametrize(
    ("detail_type", "moment", "expected"),
    [
        ("ContactEnrolled", "enrolled_at", "contact.enrolled"),
        ("EmailOpened", "opened_at", "email.opened"),
        ("LinkClicked", "clicked_at", "email.clicked"),
        ("EnrollmentConverted", "converted_at", "sequence.converted"),
    ],
)
def test_each_shown_domain_event_has_its_feed_name_and_time(detail_type: str, moment: str, expected: str) -> None:
    message = feed_message(detail_type, {"tenant_id": "acme", "contact_id": "c1", moment: "2025-01-06T10:00:00Z"})
    assert message is not None
    assert (message.type, message.at, message.tenant_id) == (expected, "2025-01-06T10:00:00Z", "acme")


def test_events_the_feed_does_not_show_or_without_a_tenant_are_dropped() -> None:
    assert feed_message("contact.event", {"tenant_id": "acme"}) is None
    assert feed_message("EmailSent", {**SENT, "tenant_id": ""}) is None
    pusher = FakeLivePusher()
    connections = FakeLiveConnections()
    connections.add("acme", "a1", T0)
    assert broadcast(LivePorts(connections, FakeClock(T0)), pusher, "contact.event", {"tenant_id": "acme"}) == 0
    assert pusher.received == {}


def test_a_machine_open_is_left_out_of_the_feed_but_a_human_one_is_shown() -> None:
    # Given the same open published for a privacy proxy's fetch and for a reader
    base = {"tenant_id": "t1", "contact_id": "c1", "sequence_id": "s", "step_id": "w", "opened_at": "2026-01-01"}
    # Then only the reader's open becomes a feed message
    assert feed_message("EmailOpened", {**base, "machine": True}) is None
    shown = feed_message("EmailOpened", {**base, "machine": False})
    assert shown is not None
    assert shown.type == "email.opened"
