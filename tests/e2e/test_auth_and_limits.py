"""Auth and limits on the running stack, over HTTP as a client sees them: 401 for every bad credential, 403 for a
role that may not, 404 across tenants, 4xx naming the field for bad input, API keys, and 429 over the event rate."""

import base64
import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from emailseq.auth import KeySet, Role, mint_token
from emailseq_cli.local.paths import local_paths
from emailseq_cli.local.stack import StackInfo, token_secret

from tests.support.local_stack import LocalStack, cli

DOCUMENT = {
    "name": "Auth",
    "trigger": {"event": "auth.checked"},
    "steps": [{"id": "only", "email": {"subject": "Hi", "html": "<p>Hi</p>"}}],
}


def _token(tenant: str, role: str = "owner") -> str:
    return cli("tokens", "create", "--tenant", tenant, "--role", role).stdout.strip()


def _claims(tenant: str, **changes: object) -> dict[str, object]:
    now = datetime.now(UTC)
    claims: dict[str, object] = {
        "iss": "emailseq",
        "aud": "emailseq-api",
        "sub": "dev:e2e",
        "tenant": tenant,
        "role": "owner",
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(hours=1)).timestamp()),
    }
    return {**claims, **changes}


def _b64(part: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()


def test_no_token_is_401(stack: LocalStack, unique):
    response = stack.http("GET", f"/v1/sequences/s-{unique}", token="")
    assert response.status_code == 401


def _keys() -> KeySet:
    """The local stack's signing keys, as the CLI reads them (to mint a genuinely expired token)."""
    return KeySet.parse(token_secret(StackInfo.load(local_paths())))


@pytest.mark.parametrize("forgery", ["another-key", "alg-none", "expired", "unknown-kid", "no-kid"])
def test_a_forged_unsigned_expired_or_unknown_key_token_is_401_with_the_reason(stack: LocalStack, unique, forgery):
    # Given a token built to fail one way (each otherwise well-formed, for a real tenant)
    tenant = f"a-{unique}"
    keys = _keys()
    kid, claims = keys.current, _claims(tenant)
    token = {
        "another-key": lambda: jwt.encode(claims, "not-our-key-" * 4, algorithm="HS256", headers={"kid": kid}),
        "alg-none": lambda: f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': kid})}.{_b64(claims)}.",
        "expired": lambda: mint_token(
            keys, tenant, Role.OWNER, datetime.now(UTC) - timedelta(hours=2), timedelta(hours=1)
        ),
        "unknown-kid": lambda: jwt.encode(claims, keys.keys[kid], algorithm="HS256", headers={"kid": "k999"}),
        "no-kid": lambda: jwt.encode(claims, keys.keys[kid], algorithm="HS256"),
    }[forgery]()
    # When it is used / Then 401, saying why
    response = stack.http("GET", f"/v1/sequences/s-{unique}", token=token)
    assert response.status_code == 401
    assert response.json()["error"].startswith("invalid token: ")
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    # while the genuine token of the same tenant gets through (404: it has no such sequence)
    assert stack.http("GET", f"/v1/sequences/s-{unique}", token=_token(tenant)).status_code == 404


def test_a_viewer_reads_but_cannot_write_and_an_editor_cannot_manage_keys(stack: LocalStack, unique):
    tenant = f"v-{unique}"
    assert stack.http("PUT", f"/v1/sequences/s-{unique}", token=_token(tenant), json=DOCUMENT).status_code == 200
    viewer = _token(tenant, "viewer")
    assert stack.http("GET", f"/v1/sequences/s-{unique}", token=viewer).status_code == 200
    for method, path, body in [
        ("PUT", f"/v1/sequences/s-{unique}", DOCUMENT),
        ("POST", "/v1/events", {"type": "auth.checked", "contact": {"email": f"v-{unique}@example.com"}}),
        ("PUT", "/v1/settings", {}),
        ("POST", "/v1/api-keys", {"name": "x"}),
    ]:
        response = stack.http(method, path, token=viewer, json=body)
        assert response.status_code == 403, (method, path)
        assert response.json()["error"].startswith("role 'viewer' may not"), response.json()
    editor = _token(tenant, "editor")
    refused = stack.http("POST", "/v1/api-keys", token=editor, json={"name": "x"})
    assert refused.status_code == 403
    assert "an owner token is needed" in refused.json()["error"]


def test_tenant_b_cannot_see_tenant_as_contact_or_sequence(stack: LocalStack, unique):
    # Given tenant A has a sequence and a contact
    a, b = _token(f"ta-{unique}"), _token(f"tb-{unique}")
    email = f"private-{unique}@example.com"
    assert stack.http("PUT", f"/v1/sequences/p-{unique}", token=a, json=DOCUMENT).status_code == 200
    event = {"id": f"evt-{unique}", "type": "auth.checked", "contact": {"email": email}}
    assert stack.http("POST", "/v1/events", token=a, json=event).status_code == 202
    contact = _eventually(lambda: stack.http("GET", "/v1/contacts", token=a, params={"email": email}))
    assert contact.status_code == 200
    # When tenant B asks for them / Then they do not exist for B
    assert stack.http("GET", f"/v1/sequences/p-{unique}", token=b).status_code == 404
    assert stack.http("GET", f"/v1/sequences/p-{unique}/report", token=b).status_code == 404
    assert stack.http("GET", "/v1/contacts", token=b, params={"email": email}).status_code == 404


def _eventually(call, seconds: float = 30):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while True:
        response = call()
        if response.status_code == 200 or time.monotonic() > deadline:
            return response
        time.sleep(0.5)


@pytest.mark.parametrize(
    ("body", "status", "field", "reason"),
    [
        ({"contact": {"email": "a@example.com"}}, 422, "type", "Field required"),
        ({"type": "x", "contact": {"email": "not-an-address"}}, 422, "contact.email", "@"),
        (
            {"type": "x", "contact": {"email": "a@example.com", "attributes": {"bio": "b" * 2000}}},
            422,
            "contact.attributes.bio",
            "at most 1024",
        ),
        (
            {"type": "x", "contact": {"email": "a@example.com"}, "properties": {"p": "x" * 2**20}},
            413,
            "body",
            "the limit is 262144 bytes",
        ),
    ],
    ids=["missing-type", "bad-email", "attribute-too-long", "1mb-body"],
)
def test_a_malformed_event_is_4xx_naming_the_field(stack: LocalStack, body, status, field, reason):
    response = stack.http("POST", "/v1/events", json=body)
    assert response.status_code == status
    (error,) = response.json()["errors"]
    assert error["field"] == field
    assert reason in error["reason"]


def test_an_api_key_works_and_a_revoked_one_is_401(stack: LocalStack, unique):
    # Given an owner of a tenant creates an editor API key (shown once)
    tenant = f"k-{unique}"
    owner = _token(tenant)
    created = stack.http("POST", "/v1/api-keys", token=owner, json={"name": "crm", "role": "editor"})
    assert created.status_code == 201
    key = created.json()["key"]
    assert key.startswith(f"esk_{tenant}_")
    # Then it writes as that tenant, and the list shows it without the secret
    event = {"id": f"evt-{unique}", "type": "auth.checked", "contact": {"email": f"k-{unique}@example.com"}}
    assert stack.http("POST", "/v1/events", token=key, json=event).status_code == 202
    listed = stack.http("GET", "/v1/api-keys", token=owner).json()["items"]
    assert [item["id"] for item in listed] == [created.json()["id"]]
    assert key not in json.dumps(listed)
    # When the owner revokes it / Then it is refused
    assert stack.http("DELETE", f"/v1/api-keys/{created.json()['id']}", token=owner).status_code == 204
    refused = stack.http("POST", "/v1/events", token=key, json=event)
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid token: unknown or revoked API key"


def test_a_burst_over_the_tenants_event_rate_is_429_with_retry_after(stack: LocalStack, unique):
    # Given a tenant that allows itself 1 event per second
    token = _token(f"r-{unique}")
    assert stack.http("PUT", "/v1/settings", token=token, json={"max_events_per_second": 1}).status_code == 200

    def send(i: int):  # type: ignore[no-untyped-def]
        event = {"id": f"evt-{unique}-{i}", "type": "auth.checked", "contact": {"email": f"r{i}-{unique}@example.com"}}
        return stack.http("POST", "/v1/events", token=token, json=event)

    # (one first on its own: a just-deployed function's cold starts, two at once, can outlast the client's timeout;
    # then a pair, so the authorizer and the function each have two warm workers before the burst)
    assert send(0).status_code == 202
    with ThreadPoolExecutor(max_workers=2) as pool:
        assert {response.status_code for response in pool.map(send, (1, 2))} <= {202, 429}
    # When it sends bursts of 8 events two at a time, until one is refused (the emulator runs few Lambdas at once,
    # so a wider burst only queues; on a loaded machine one burst's requests can reach the function more than a
    # second apart, and then none of them is over the rate)
    responses = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        for burst in range(3):
            responses += list(pool.map(send, range(10 * burst + 10, 10 * burst + 18)))
            if any(response.status_code == 429 for response in responses):
                break
    # Then some are accepted and the rest are 429 with a Retry-After
    statuses = [response.status_code for response in responses]
    assert set(statuses) == {202, 429}, statuses
    refused = next(response for response in responses if response.status_code == 429)
    assert refused.headers["retry-after"] == "1"
    assert "over the limit of 1 per second" in refused.json()["error"]


def test_a_rotated_signing_key_signs_new_tokens_and_old_tokens_keep_working(stack: LocalStack, unique):
    # Given a token signed with the current key
    tenant = f"rot-{unique}"
    old = _token(tenant)
    old_kid = jwt.get_unverified_header(old)["kid"]
    # When the key set is rotated
    assert "new signing key" in cli("tokens", "rotate-key").stdout
    new = _token(tenant)
    # Then new tokens name the new key, and both are accepted (a warm authorizer re-reads keys for a new kid)
    assert jwt.get_unverified_header(new)["kid"] != old_kid
    assert _eventually(lambda: stack.http("GET", "/v1/settings", token=new)).status_code == 200
    assert stack.http("GET", "/v1/settings", token=old).status_code == 200
