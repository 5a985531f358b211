"""Flow 1: the authorizer verifies the bearer token against the key set in Secrets Manager (by kid), or an API
key; a refusal travels in its context (an HTTP API simple response can only deny with 403), and the route answers
401 with the reason."""

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from emailseq.auth import AUDIENCE, ISSUER, Role, mint_token

HOUR = timedelta(hours=1)


def _claims(now: datetime, **changes: object) -> dict[str, object]:
    claims: dict[str, object] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "dev:x",
        "tenant": "t1",
        "role": "owner",
        "iat": int(now.timestamp()),
        "exp": int((now + HOUR).timestamp()),
    }
    claims.update(changes)
    return claims


def _signed(claims: dict[str, object], key: str, kid: str = "k1") -> str:
    return jwt.encode(claims, key, algorithm="HS256", headers={"kid": kid})


def test_a_valid_token_is_authorized_and_its_context_lets_the_route_through(stack):
    # Given a token minted for tenant t1 (editor) with the signing key stored in Secrets Manager
    token = mint_token(stack.token_keys, "t1", Role.EDITOR, datetime.now(UTC), HOUR)

    # When API Gateway asks the authorizer about a request carrying it
    verdict = stack.cold_start("authorizer").invoke(stack.authorizer_request(f"Bearer {token}"))

    # Then it is authorized with the token's tenant, role and subject, and no denial
    assert verdict["isAuthorized"] is True
    assert verdict["context"]["tenant"] == "t1"
    assert verdict["context"]["role"] == "editor"
    assert verdict["context"]["sub"].startswith("dev:")
    assert "denied" not in verdict["context"]
    # And the route, given that context as API Gateway passes it, acts for tenant t1
    accepted = stack.post_event(
        {"id": "evt-auth", "type": "signed_up", "contact": {"email": "ada@example.com"}}, caller=verdict["context"]
    )
    assert accepted.status == 202
    assert accepted.body == {"id": "evt-auth", "status": "accepted"}


@pytest.mark.parametrize(
    ("authorization", "reason"),
    [
        pytest.param(lambda keys, now: f"Bearer {_signed(_claims(now), 'x' * 64)}", "Signature", id="forged"),
        pytest.param(
            lambda keys, now: f"Bearer {mint_token(keys, 't1', Role.OWNER, now - 2 * HOUR, HOUR)}",
            "expired",
            id="expired",
        ),
        pytest.param(
            lambda keys, now: f"Bearer {jwt.encode(_claims(now), None, algorithm='none', headers={'kid': 'k1'})}",
            "alg",
            id="alg-none",
        ),
        pytest.param(
            lambda keys, now: f"Bearer {_signed(_claims(now, aud='someone-else'), keys.keys['k1'])}",
            "audience",
            id="wrong-audience",
        ),
        pytest.param(
            lambda keys, now: f"Bearer {_signed(_claims(now, role='root'), keys.keys['k1'])}", "root", id="unknown-role"
        ),
        pytest.param(
            lambda keys, now: f"Bearer {_signed(_claims(now), keys.keys['k1'], kid='k7')}",
            "unknown signing key",
            id="kid",
        ),
        pytest.param(lambda keys, now: "Basic dXNlcjpwYXNz", "Bearer", id="not-bearer"),
        pytest.param(lambda keys, now: "Bearer esk_t1_" + "0" * 64, "unknown or revoked API key", id="api-key"),
    ],
)
def test_a_refused_token_is_denied_in_the_context_without_a_tenant(stack, authorization, reason):
    # Given a request whose Authorization header the authorizer must refuse
    header = authorization(stack.token_keys, datetime.now(UTC))

    # When the authorizer handles it
    verdict = stack.cold_start("authorizer").invoke(stack.authorizer_request(header))

    # Then the call goes through to the route (so it can answer 401) but carries no tenant, only the denial reason
    assert verdict["isAuthorized"] is True
    assert verdict["context"]["tenant"] == ""
    assert verdict["context"]["role"] == ""
    assert reason.lower() in verdict["context"]["denied"].lower()


def test_the_route_answers_401_with_the_denial_and_does_nothing(stack, welcome_sequence):
    # Given the authorizer's verdict on a forged token
    forged = _signed(_claims(datetime.now(UTC)), "not-the-stored-secret-" * 3)
    verdict = stack.cold_start("authorizer").invoke(stack.authorizer_request(f"Bearer {forged}"))
    denied = verdict["context"]

    # When routes are called with that authorizer context
    posted = stack.post_event({"id": "evt-x", "type": "signed_up", "contact": {"email": "a@example.com"}}, denied)
    applied = stack.put_sequence(welcome_sequence, caller=denied)

    # Then each answers 401 with the reason as a JSON error, and the bearer challenge header
    for response in (posted, applied):
        assert response.status == 401
        assert response.body == {"error": f"invalid token: {denied['denied']}", "errors": []}
        assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    # And nothing happened: no event on the bus, no sequence stored
    assert stack.drain("EnrollQueue") == []
    assert stack.get_sequence("welcome").status == 404


def test_a_route_reached_without_any_authorizer_context_is_401(stack):
    # Given a request with no authorizer section at all (a route deployed without the authorizer)
    # When it reaches an authenticated route
    response = stack.get_sequence("welcome", caller=None)

    # Then no tenant is guessed
    assert response.status == 401
    assert response.body["error"] == "invalid token: missing token"
