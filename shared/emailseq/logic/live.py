"""The live feed: dashboards connect with their tenant token; domain events are pushed to that tenant's sockets."""

from dataclasses import dataclass
from typing import Any

from emailseq.domain.live import feed_message
from emailseq.domain.ports import ApiKeyStore, Clock, LiveConnections, LivePusher, TokenKeys
from emailseq.logic.authenticate import authenticate


@dataclass(frozen=True)
class LivePorts:
    connections: LiveConnections
    clock: Clock


@dataclass(frozen=True)
class ConnectPorts(LivePorts):
    keys: TokenKeys
    api_keys: ApiKeyStore


def connect(ports: ConnectPorts, connection_id: str, token: str | None) -> str:
    """Register a connection under the token's tenant; InvalidToken (the reason) when the token does not verify.

    Browsers cannot set headers on a WebSocket, so the token comes in the query string (`?token=`)."""
    principal = authenticate(f"Bearer {token or ''}", ports.keys, ports.api_keys)
    ports.connections.add(principal.tenant_id, connection_id, ports.clock.now())
    return principal.tenant_id


def disconnect(ports: LivePorts, connection_id: str) -> None:
    ports.connections.remove(connection_id)


def broadcast(ports: LivePorts, pusher: LivePusher, detail_type: str, detail: dict[str, Any]) -> int:
    """Push one domain event to every live connection of its tenant; returns how many received it.

    Connections that are gone are forgotten on the way."""
    message = feed_message(detail_type, detail)
    if message is None:
        return 0
    delivered = 0
    wire = message.wire()
    for connection_id in ports.connections.of_tenant(message.tenant_id):
        if pusher.push(connection_id, wire):
            delivered += 1
        else:
            ports.connections.remove(connection_id)
    return delivered
