"""Limits: events per second per tenant (429), request body size (413), field sizes and counts (422)."""

import json
from datetime import timedelta

import pytest
from emailseq.api import events
from emailseq.api.app import create_app
from emailseq.api.limits import MAX_BODY_BYTES, BodySizeLimit
from emailseq.domain.errors import RateLimited
from emailseq.domain.messages import ContactData, RecordEvent
from emailseq.domain.tenant import TenantSettings
from emailseq.logic.events import admit_event, events_per_second
from fakes import T0, TENANT, FakeClock, FakeEventRateLimiter
from pydantic import ValidationError
from starlette.responses import PlainTextResponse
from starlette.testclient import TestClient
from starlette.types import Receive, Scope, Send


def test_events_beyond_the_per_second_limit_are_refused_until_the_next_second() -> None:
    # Given a limit of 3 events per second
    limiter, clock = FakeEventRateLimiter(), FakeClock(T0)
    # When 3 events come within one second, then a 4th
    for _ in range(3):
        admit_event(limiter, clock, TENANT, 3)
    with pytest.raises(RateLimited) as refused:
        admit_event(limiter, clock, TENANT, 3)
    # Then the 4th is refused with a retry hint, another tenant is unaffected, and the next second admits again
    assert refused.value.retry_after_seconds == 1
    assert "limit of 3 per second" in str(refused.value)
    admit_event(limiter, clock, "other-tenant", 3)
    clock.advance(timedelta(seconds=1))
    admit_event(limiter, clock, TENANT, 3)


@pytest.mark.parametrize(("own", "effective"), [(None, 100), (5, 5), (500, 100)])
def test_a_tenant_may_lower_its_event_rate_but_never_raise_it(own: int | None, effective: int) -> None:
    assert events_per_second(100, TenantSettings(max_events_per_second=own)) == effective


def _client() -> TestClient:
    return TestClient(create_app(events.router), raise_server_exceptions=True)


def test_a_body_over_the_limit_is_413_naming_the_limit_before_any_route_runs() -> None:
    # Given a 1 MB JSON body (the route's dependencies are never reached: no AWS is configured here)
    body = json.dumps({"type": "x", "contact": {"email": "a@example.com"}, "properties": {"p": "x" * 2**20}})
    # When posted
    response = _client().post("/v1/events", content=body, headers={"content-type": "application/json"})
    # Then 413, naming the body and the limit
    assert response.status_code == 413
    assert response.json() == {
        "error": "request body too large",
        "errors": [
            {"field": "body", "reason": f"{len(body)} bytes; the limit is {MAX_BODY_BYTES} bytes (256 KB)"},
        ],
    }


def test_a_body_under_the_limit_reaches_the_app_whole() -> None:
    # Given an app that echoes the size of what it received, behind the limit
    async def echo(scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        await PlainTextResponse(str(len(body)))(scope, receive, send)

    client = TestClient(BodySizeLimit(echo))
    # When a body just under the limit is posted, Then the app got every byte of it
    assert client.post("/", content=b"x" * MAX_BODY_BYTES).text == str(MAX_BODY_BYTES)
    assert client.post("/", content=b"x" * (MAX_BODY_BYTES + 1)).status_code == 413


def _contact(**changes: object) -> ContactData:
    return ContactData.model_validate({"email": "a@example.com", **changes})


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"attributes": {f"a{i}": i for i in range(101)}}, "attributes", "at most 100"),
        ({"attributes": {"x" * 65: 1}}, "attributes.", "pattern"),
        ({"attributes": {"bio": "y" * 1025}}, "attributes.bio", "at most 1024"),
        ({"first_name": "n" * 201}, "first_name", "at most 200"),
        ({"email": "not-an-address"}, "email", "@"),
    ],
    ids=["attribute-count", "attribute-name", "attribute-value", "name-length", "email"],
)
def test_contact_fields_over_their_limits_are_refused_naming_the_field(changes: dict, field: str, reason: str) -> None:
    with pytest.raises(ValidationError) as refused:
        _contact(**changes)
    (error,) = refused.value.errors()
    assert ".".join(str(part) for part in error["loc"]).startswith(field)
    assert reason in error["msg"]


def test_event_properties_are_bounded_in_count_name_and_total_size() -> None:
    base = {"tenant_id": TENANT, "id": "e1", "type": "x", "contact": {"email": "a@example.com"}, "occurred_at": T0}
    for properties, reason in [
        ({f"p{i}": i for i in range(101)}, "at most 100"),
        ({"p" * 65: 1}, "at most 64"),
        ({"blob": "z" * 17_000}, "at most 16384 bytes"),
    ]:
        with pytest.raises(ValidationError, match=reason):
            RecordEvent.model_validate({**base, "properties": properties})
    assert RecordEvent.model_validate({**base, "properties": {"plan": "pro", "seats": 3}}).properties["seats"] == 3
