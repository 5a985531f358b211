"""Flow 3: POST /v1/events takes a contact event in once per id and puts it on the bus, whose rule feeds the
enroll queue."""

import json
import re

T1_VIEWER = {"tenant": "t1", "role": "viewer", "sub": "dev:v"}
T2_EDITOR = {"tenant": "t2", "role": "editor", "sub": "dev:e"}


def _envelopes(stack):
    return [json.loads(message["Body"]) for message in stack.drain("EnrollQueue")]


def test_the_stored_post_request_is_accepted_and_reaches_the_enroll_queue(stack):
    # Given the POST /v1/events request exactly as API Gateway delivers it (tests/events)
    request = stack.load_event("apigw_http_v2_post_events.json")

    # When the apiEvents function handles it
    response = stack.call_api("apiEvents", request)

    # Then it is accepted
    assert response.status == 202
    assert response.body == {"id": "evt-0001", "status": "accepted"}
    # And the bus rule delivered exactly one EventBridge envelope to the enroll queue, carrying the RecordEvent
    (envelope,) = _envelopes(stack)
    assert envelope["source"] == "emailseq"
    assert envelope["detail-type"] == "contact.event"
    detail = envelope["detail"]
    assert detail["tenant_id"] == "t1"  # from the authorizer's context, never from the body
    assert detail["id"] == "evt-0001"
    assert detail["type"] == "signed_up"
    assert detail["contact"]["email"] == "ada@example.com"
    assert detail["contact"]["first_name"] == "Ada"
    assert detail["properties"] == {"plan": "pro"}
    assert detail["occurred_at"]


def test_the_same_id_again_is_a_duplicate_and_is_not_published_twice(stack):
    # Given an accepted event
    event = {"id": "evt-1", "type": "signed_up", "contact": {"email": "ada@example.com"}}
    assert stack.post_event(event).body == {"id": "evt-1", "status": "accepted"}

    # When the client retries it with the same id (even with a changed body)
    retried = stack.post_event({**event, "properties": {"retry": True}})

    # Then it is answered 202 duplicate and only the first one is on the enroll queue
    assert retried.status == 202
    assert retried.body == {"id": "evt-1", "status": "duplicate"}
    assert [e["detail"]["id"] for e in _envelopes(stack)] == ["evt-1"]

    # And ids are per tenant: tenant t2 may use the same id
    assert stack.post_event(event, caller=T2_EDITOR).body == {"id": "evt-1", "status": "accepted"}
    assert [e["detail"]["tenant_id"] for e in _envelopes(stack)] == ["t2"]


def test_an_invalid_email_is_422_naming_contact_email_and_does_not_use_up_the_id(stack):
    # Given an event whose contact email is not an address
    event = {"id": "evt-2", "type": "signed_up", "contact": {"email": "not-an-address"}}

    # When it is posted
    response = stack.post_event(event)

    # Then it is refused naming contact.email, and nothing is published
    assert response.status == 422
    assert response.body["error"] == "invalid request"
    assert [e["field"] for e in response.body["errors"]] == ["contact.email"]
    assert "@" in response.body["errors"][0]["reason"]
    assert _envelopes(stack) == []
    # And the corrected event with the same id is still accepted
    fixed = stack.post_event({**event, "contact": {"email": "grace@example.com"}})
    assert fixed.body == {"id": "evt-2", "status": "accepted"}


def test_without_an_id_the_server_assigns_one(stack):
    # When an event is posted without an id
    response = stack.post_event({"type": "signed_up", "contact": {"email": "ada@example.com"}})

    # Then it is accepted under a generated id, which is the one published
    assert response.status == 202
    assert re.fullmatch(r"[0-9a-f]{32}", response.body["id"])
    assert [e["detail"]["id"] for e in _envelopes(stack)] == [response.body["id"]]


def test_a_viewer_may_not_post_events(stack):
    # When a viewer posts an event
    response = stack.post_event({"id": "evt-3", "type": "signed_up", "contact": {"email": "a@example.com"}}, T1_VIEWER)

    # Then it is forbidden and nothing is published
    assert response.status == 403
    assert _envelopes(stack) == []
