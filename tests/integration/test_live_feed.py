"""The live feed's functions on real event shapes: $connect with the tenant token, the broadcaster fed by the bus
(EventBridge → SQS → Lambda, in batches), @connections pushes through the management API, $disconnect."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from emailseq.auth import Role, mint_token
from emailseq.dal.items import tenant_key
from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends

from tests.integration.conftest import ACCOUNT, REGION

CONNECTION = "PbxvCeyHoAMCIXQ="


def _connect_event(stack: Any, token: str) -> dict[str, Any]:
    event = stack.load_event("apigw_ws_connect.json")
    event["queryStringParameters"] = {"token": token}
    event["multiValueQueryStringParameters"] = {"token": [token]}
    return event


def _pushed(connection_id: str) -> list[dict[str, Any]]:
    # moto keys connections by the id as it appears in the request path (URL-encoded)
    connection = apigatewaymanagementapi_backends[ACCOUNT][REGION].connections.get(quote(connection_id, safe=""))
    data = connection.data if connection is not None else b""
    return [json.loads(message) for message in _split(data.decode())]


def _split(text: str) -> list[str]:
    """Pushed messages are concatenated by moto's stand-in; each is one JSON object."""
    decoder, found, index = json.JSONDecoder(), [], 0
    while index < len(text):
        obj, index = decoder.raw_decode(text, index)
        found.append(json.dumps(obj))
    return found


def _broadcast(stack: Any, *events: dict[str, Any]) -> Any:
    """The broadcaster given a batch of the live queue's records, each a domain event as the bus's rule wrote it."""
    records = [stack.sqs_record("LiveQueue", json.dumps(event)) for event in events]
    return stack.cold_start("liveBroadcast").invoke({"Records": records})


def test_a_dashboard_connects_with_its_token_and_receives_its_tenants_sends(stack: Any) -> None:
    # Given a dashboard of tenant t1 connected with a viewer token
    token = mint_token(stack.token_keys, "t1", Role.VIEWER, datetime.now(UTC), timedelta(hours=1))
    answer = stack.cold_start("liveConnect").invoke(_connect_event(stack, token))
    assert answer["statusCode"] == 200
    item = stack.item(tenant_key("t1", "LIVE"), f"CONN#{CONNECTION}")
    assert item is not None
    assert item["expires_at"] > datetime.now(UTC).timestamp()  # the table's TTL removes it if $disconnect never comes
    # When the bus hands the broadcaster t1's EmailSent
    result = _broadcast(stack, stack.load_event("eventbridge_email_sent.json"))
    # Then the socket received it, with ids only
    assert result == {"batchItemFailures": []}
    (message,) = _pushed(CONNECTION)
    assert message["type"] == "email.sent"
    assert message["data"]["sequence_id"] == "welcome"
    assert "tenant_id" not in message


def test_another_tenants_event_is_not_pushed_and_a_disconnect_forgets_the_socket(stack: Any) -> None:
    token = mint_token(stack.token_keys, "t1", Role.VIEWER, datetime.now(UTC), timedelta(hours=1))
    stack.cold_start("liveConnect").invoke(_connect_event(stack, token))
    other = stack.load_event("eventbridge_email_sent.json")
    other["detail"]["tenant_id"] = "t2"
    assert _broadcast(stack, other) == {"batchItemFailures": []}
    assert _pushed(CONNECTION) == []
    # When the socket closes
    stack.cold_start("liveDisconnect").invoke(stack.load_event("apigw_ws_disconnect.json"))
    # Then both of its items are gone and nothing more is pushed to it
    assert stack.item(tenant_key("t1", "LIVE"), f"CONN#{CONNECTION}") is None
    assert _broadcast(stack, stack.load_event("eventbridge_email_sent.json")) == {"batchItemFailures": []}
    assert _pushed(CONNECTION) == []


def test_a_forged_token_is_refused_with_401_and_nothing_is_stored(stack: Any) -> None:
    answer = stack.cold_start("liveConnect").invoke(_connect_event(stack, "forged"))
    assert answer["statusCode"] == 401
    assert stack.item(tenant_key("t1", "LIVE"), f"CONN#{CONNECTION}") is None
