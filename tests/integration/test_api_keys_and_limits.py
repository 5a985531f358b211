"""API keys through the real apiKeys and authorizer handlers on moto; key rotation read from Secrets Manager; the
per-tenant event rate counted in DynamoDB."""

from datetime import UTC, datetime, timedelta
from typing import Any

from emailseq.auth import Role, mint_token
from emailseq.dal.aws import client
from emailseq.dal.items import tenant_key
from emailseq.dal.token_keys import MAX_AGE_SECONDS, SecretsManagerKeyRing, write_key_set
from emailseq.domain.api_keys import key_hash

OWNER = {"tenant": "t1", "role": "owner", "sub": "dev:x"}
EDITOR = {"tenant": "t1", "role": "editor", "sub": "dev:y"}


def _keys_call(stack: Any, method: str, path: str = "/v1/api-keys", body: Any = None, caller: Any = OWNER) -> Any:
    route = "DELETE /v1/api-keys/{key_id}" if method == "DELETE" else f"{method} /v1/api-keys"
    parameters = {"key_id": path.rsplit("/", 1)[1]} if method == "DELETE" else None
    event = stack.http_event(method, path, route_key=route, body=body, caller=caller, path_parameters=parameters)
    return stack.call_api("apiKeys", event)


def _authorize(stack: Any, header: str) -> dict[str, str]:
    return dict(stack.warm("authorizer").invoke(stack.authorizer_request(header))["context"])


def test_an_owner_issues_a_key_that_authenticates_lists_without_its_secret_and_stops_when_revoked(stack):
    # Given an owner of t1 creates an editor key
    created = _keys_call(stack, "POST", body={"name": "crm sync", "role": "editor"})
    assert created.status == 201, created.body
    key, key_id = created.body["key"], created.body["id"]
    # Then the table holds its hash, never the key
    item = stack.item(tenant_key("t1", "APIKEYS"), f"APIKEY#{key_hash(key)}")
    assert item is not None
    assert item["role"] == "editor"
    assert key_hash(key).startswith(key_id)
    assert key[-20:] not in str(item)  # nothing of the secret part but the 4-character hint
    listed = _keys_call(stack, "GET")
    assert [entry["id"] for entry in listed.body["items"]] == [key_id]
    assert key not in str(listed.body)
    assert "key" not in listed.body["items"][0]
    # When the authorizer is asked about a request carrying it
    context = _authorize(stack, f"Bearer {key}")
    # Then it is t1's editor, and the route acts for t1
    assert (context["tenant"], context["role"], context["sub"]) == ("t1", "editor", f"key:{key_id}")
    posted = stack.post_event({"id": "evt-k", "type": "signed_up", "contact": {"email": "k@example.com"}}, context)
    assert posted.status == 202
    # When the owner revokes it, Then the next authorization refuses it
    assert _keys_call(stack, "DELETE", f"/v1/api-keys/{key_id}").status == 204
    assert _authorize(stack, f"Bearer {key}")["denied"] == "unknown or revoked API key"
    assert _keys_call(stack, "GET").body == {"items": []}
    assert _keys_call(stack, "DELETE", f"/v1/api-keys/{key_id}").status == 404


def test_only_an_owner_manages_keys_and_settings(stack):
    refused = _keys_call(stack, "POST", body={"name": "x"}, caller=EDITOR)
    assert refused.status == 403
    assert refused.body["error"] == "role 'editor' may not manage API keys or settings; an owner token is needed"
    event = stack.http_event("PUT", "/v1/settings", route_key="PUT /v1/settings", body={}, caller=EDITOR)
    assert stack.call_api("apiSequences", event).status == 403


def test_a_rotated_key_verifies_new_tokens_in_a_warm_authorizer_and_old_tokens_until_retired(stack):
    # Given a warm authorizer and a token signed with the first key
    old_token = mint_token(stack.token_keys, "t1", Role.EDITOR, datetime.now(UTC), timedelta(hours=1))
    assert _authorize(stack, f"Bearer {old_token}")["tenant"] == "t1"
    # When the key set is rotated in Secrets Manager and a token is signed with the new key
    secretsmanager = client("secretsmanager")
    rotated = stack.token_keys.rotated()
    write_key_set(secretsmanager, stack.refs["TokenSecret"], rotated)
    new_token = mint_token(rotated, "t1", Role.EDITOR, datetime.now(UTC), timedelta(hours=1))
    # Then a fresh authorizer verifies both, and after the old key is retired only the new one
    fresh = stack.cold_start("authorizer")
    assert fresh.invoke(stack.authorizer_request(f"Bearer {new_token}"))["context"]["tenant"] == "t1"
    assert fresh.invoke(stack.authorizer_request(f"Bearer {old_token}"))["context"]["tenant"] == "t1"
    write_key_set(secretsmanager, stack.refs["TokenSecret"], rotated.without("k1"))
    assert (
        "unknown signing key"
        in stack.cold_start("authorizer").invoke(stack.authorizer_request(f"Bearer {old_token}"))["context"]["denied"]
    )


def test_a_warm_key_ring_rereads_the_secret_for_a_new_kid_and_when_it_is_old(stack):
    now = [1000.0]
    secretsmanager = client("secretsmanager")
    ring = SecretsManagerKeyRing(secretsmanager, stack.refs["TokenSecret"], monotonic=lambda: now[0])
    rotated = stack.token_keys.rotated()
    write_key_set(secretsmanager, stack.refs["TokenSecret"], rotated)
    # An unknown kid right after loading is not re-read at once (a flood of made-up kids costs one read per 10 s)
    assert ring.key_for("k2") is None
    now[0] += 11
    assert ring.key_for("k2") == rotated.keys["k2"]
    # A retired key is forgotten once the set is older than MAX_AGE_SECONDS
    write_key_set(secretsmanager, stack.refs["TokenSecret"], rotated.without("k1"))
    assert ring.key_for("k1") is not None
    now[0] += MAX_AGE_SECONDS + 1
    assert ring.key_for("k1") is None


def test_events_over_the_tenants_rate_are_429_with_retry_after(stack):
    # Given t1 lowered its own event rate to 2 per second
    event = stack.http_event(
        "PUT", "/v1/settings", route_key="PUT /v1/settings", body={"max_events_per_second": 2}, caller=OWNER
    )
    assert stack.call_api("apiSequences", event).status == 200
    # When it posts 6 events as fast as it can
    answers = [
        stack.post_event({"id": f"evt-{i}", "type": "signed_up", "contact": {"email": f"r{i}@example.com"}})
        for i in range(6)
    ]
    # Then some are refused with 429 and a Retry-After, at most 2 per second got through, and nothing was lost
    statuses = [answer.status for answer in answers]
    refused = [answer for answer in answers if answer.status == 429]
    assert refused
    assert set(statuses) == {202, 429}
    assert refused[0].headers["retry-after"] == "1"
    assert "over the limit of 2 per second" in refused[0].body["error"]
    assert len(stack.drain("EnrollQueue")) == statuses.count(202)
    # And another tenant is not affected
    other = {"tenant": "t2", "role": "editor", "sub": "dev:z"}
    assert (
        stack.post_event({"id": "evt-o", "type": "signed_up", "contact": {"email": "o@example.com"}}, other).status
        == 202
    )
