"""Bearer tokens: minted for a tenant and role, verified with HS256 pinned, every forgery and shortcut refused."""

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from emailseq.auth import AUDIENCE, ISSUER, InvalidToken, Principal, Role, mint_token, verify_token

SECRET = "unit-test-secret-" + "s" * 48  # 64 bytes: long enough for every HMAC size
OTHER_SECRET = "another-secret-also-32-bytes-long"
HOUR = timedelta(hours=1)


def _now() -> datetime:
    # verify_token checks exp/iat against the real clock, so tokens are minted around the real now
    return datetime.now(UTC)


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(_now().timestamp())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "dev:abc",
        "tenant": "acme",
        "role": "editor",
        "iat": now,
        "exp": now + 3600,
    }
    claims.update(overrides)
    return {key: value for key, value in claims.items() if value is not None}


@pytest.mark.parametrize("role", list(Role))
def test_a_minted_token_verifies_to_its_tenant_role_and_subject(role: Role) -> None:
    # Given a token minted for acme with a role / When verified with the same secret
    token = mint_token(SECRET, "acme", role, _now(), HOUR)
    principal = verify_token(SECRET, f"Bearer {token}")
    # Then it names that tenant and role, and a dev subject
    assert (principal.tenant_id, principal.role) == ("acme", role)
    assert principal.subject.startswith("dev:")
    assert isinstance(principal, Principal)


def test_each_minted_token_has_its_own_subject() -> None:
    first, second = (
        verify_token(SECRET, "Bearer " + mint_token(SECRET, "acme", Role.OWNER, _now(), HOUR)) for _ in range(2)
    )
    assert first.subject != second.subject


def test_a_token_signed_with_another_secret_is_refused() -> None:
    token = mint_token(OTHER_SECRET, "acme", Role.OWNER, _now(), HOUR)
    with pytest.raises(InvalidToken, match="Signature verification failed"):
        verify_token(SECRET, f"Bearer {token}")


def test_an_expired_token_is_refused() -> None:
    # Given a token minted two hours ago for one hour / When verified now / Then it has expired
    token = mint_token(SECRET, "acme", Role.OWNER, _now() - 2 * HOUR, HOUR)
    with pytest.raises(InvalidToken, match="expired"):
        verify_token(SECRET, f"Bearer {token}")


def test_an_unsigned_alg_none_token_is_refused() -> None:
    # Given a hand-built token with alg `none`, valid claims and an empty signature
    token = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims(role='owner'))}."
    # When verified / Then it is refused: only HS256 is accepted
    with pytest.raises(InvalidToken, match="alg value is not allowed"):
        verify_token(SECRET, f"Bearer {token}")


def test_a_token_signed_with_another_hmac_algorithm_is_refused() -> None:
    # Given a token with valid claims signed with the right secret but HS512 (the algorithm is pinned)
    token = jwt.encode(_claims(), SECRET, algorithm="HS512")
    with pytest.raises(InvalidToken, match="alg value is not allowed"):
        verify_token(SECRET, f"Bearer {token}")


def test_a_token_whose_claims_were_edited_is_refused() -> None:
    # Given a viewer token for acme whose payload is swapped for an owner/globex one, signature kept
    header, _, signature = mint_token(SECRET, "acme", Role.VIEWER, _now(), HOUR).split(".")
    forged = f"{header}.{_b64(_claims(tenant='globex', role='owner'))}.{signature}"
    # When verified / Then the signature no longer matches
    with pytest.raises(InvalidToken):
        verify_token(SECRET, f"Bearer {forged}")


@pytest.mark.parametrize(
    "authorization",
    [None, "", "TOKEN", "Token {token}", "Basic {token}", "{token}", "Bearer", "Bearer "],
    ids=["absent", "empty", "garbage", "token-scheme", "basic-scheme", "no-scheme", "bearer-alone", "bearer-empty"],
)
def test_an_authorization_header_that_is_not_bearer_and_a_token_is_refused(authorization: str | None) -> None:
    token = mint_token(SECRET, "acme", Role.OWNER, _now(), HOUR)
    header = authorization.format(token=token) if authorization is not None else None
    with pytest.raises(InvalidToken):
        verify_token(SECRET, header)


@pytest.mark.parametrize("missing", ["tenant", "role", "sub", "exp", "iat", "aud", "iss"])
def test_a_token_missing_a_required_claim_is_refused(missing: str) -> None:
    # Given a correctly signed token without one claim / When verified / Then it is refused naming the claim
    token = jwt.encode(_claims(**{missing: None}), SECRET, algorithm="HS256")
    with pytest.raises(InvalidToken, match=missing):
        verify_token(SECRET, f"Bearer {token}")


@pytest.mark.parametrize(
    "wrong",
    [{"aud": "someone-else"}, {"iss": "not-emailseq"}, {"role": "admin"}],
    ids=["audience", "issuer", "unknown-role"],
)
def test_a_token_for_another_audience_issuer_or_with_an_unknown_role_is_refused(wrong: dict[str, str]) -> None:
    token = jwt.encode(_claims(**wrong), SECRET, algorithm="HS256")
    with pytest.raises(InvalidToken):
        verify_token(SECRET, f"Bearer {token}")
