"""Bearer tokens: minted for a tenant and role, verified with HS256 pinned, every forgery and shortcut refused."""

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from emailseq.auth import AUDIENCE, ISSUER, InvalidToken, KeySet, Principal, Role, bearer, mint_token, verify_token

SECRET = "unit-test-secret-" + "s" * 48  # 64 bytes: long enough for every HMAC size
OTHER_SECRET = "another-secret-also-32-bytes-long"
KEYS = KeySet(current="k1", keys={"k1": SECRET})
OTHER_KEYS = KeySet(current="k1", keys={"k1": OTHER_SECRET})
HOUR = timedelta(hours=1)


def _now() -> datetime:
    # verify_token checks exp/iat against the real clock, so tokens are minted around the real now
    return datetime.now(UTC)


def _verify(authorization: str | None, keys: KeySet = KEYS) -> Principal:
    return verify_token(keys.keys.get, bearer(authorization))


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
    token = mint_token(KEYS, "acme", role, _now(), HOUR)
    principal = _verify(f"Bearer {token}")
    # Then it names that tenant and role, and a dev subject
    assert (principal.tenant_id, principal.role) == ("acme", role)
    assert principal.subject.startswith("dev:")
    assert isinstance(principal, Principal)


def test_each_minted_token_has_its_own_subject() -> None:
    first, second = (_verify("Bearer " + mint_token(KEYS, "acme", Role.OWNER, _now(), HOUR)) for _ in range(2))
    assert first.subject != second.subject


def test_a_token_signed_with_another_secret_is_refused() -> None:
    token = mint_token(OTHER_KEYS, "acme", Role.OWNER, _now(), HOUR)
    with pytest.raises(InvalidToken, match="Signature verification failed"):
        _verify(f"Bearer {token}")


def test_an_expired_token_is_refused() -> None:
    # Given a token minted two hours ago for one hour / When verified now / Then it has expired
    token = mint_token(KEYS, "acme", Role.OWNER, _now() - 2 * HOUR, HOUR)
    with pytest.raises(InvalidToken, match="expired"):
        _verify(f"Bearer {token}")


def test_an_unsigned_alg_none_token_is_refused() -> None:
    # Given a hand-built token with alg `none`, valid claims and an empty signature
    token = f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': 'k1'})}.{_b64(_claims(role='owner'))}."
    # When verified / Then it is refused: only HS256 is accepted
    with pytest.raises(InvalidToken, match=r"alg.*'none' refused"):
        _verify(f"Bearer {token}")


def test_a_token_signed_with_another_hmac_algorithm_is_refused() -> None:
    # Given a token with valid claims signed with the right secret but HS512 (the algorithm is pinned)
    token = jwt.encode(_claims(), SECRET, algorithm="HS512", headers={"kid": "k1"})
    with pytest.raises(InvalidToken, match=r"alg.*'HS512' refused"):
        _verify(f"Bearer {token}")


def test_a_token_whose_claims_were_edited_is_refused() -> None:
    # Given a viewer token for acme whose payload is swapped for an owner/globex one, signature kept
    header, _, signature = mint_token(KEYS, "acme", Role.VIEWER, _now(), HOUR).split(".")
    forged = f"{header}.{_b64(_claims(tenant='globex', role='owner'))}.{signature}"
    # When verified / Then the signature no longer matches
    with pytest.raises(InvalidToken):
        _verify(f"Bearer {forged}")


@pytest.mark.parametrize(
    "authorization",
    [None, "", "TOKEN", "Token {token}", "Basic {token}", "{token}", "Bearer", "Bearer "],
    ids=["absent", "empty", "garbage", "token-scheme", "basic-scheme", "no-scheme", "bearer-alone", "bearer-empty"],
)
def test_an_authorization_header_that_is_not_bearer_and_a_token_is_refused(authorization: str | None) -> None:
    token = mint_token(KEYS, "acme", Role.OWNER, _now(), HOUR)
    header = authorization.format(token=token) if authorization is not None else None
    with pytest.raises(InvalidToken):
        _verify(header)


@pytest.mark.parametrize("missing", ["tenant", "role", "sub", "exp", "iat", "aud", "iss"])
def test_a_token_missing_a_required_claim_is_refused(missing: str) -> None:
    # Given a correctly signed token without one claim / When verified / Then it is refused naming the claim
    token = jwt.encode(_claims(**{missing: None}), SECRET, algorithm="HS256", headers={"kid": "k1"})
    with pytest.raises(InvalidToken, match=missing):
        _verify(f"Bearer {token}")


@pytest.mark.parametrize(
    "wrong",
    [{"aud": "someone-else"}, {"iss": "not-emailseq"}, {"role": "admin"}],
    ids=["audience", "issuer", "unknown-role"],
)
def test_a_token_for_another_audience_issuer_or_with_an_unknown_role_is_refused(wrong: dict[str, str]) -> None:
    token = jwt.encode(_claims(**wrong), SECRET, algorithm="HS256", headers={"kid": "k1"})
    with pytest.raises(InvalidToken):
        _verify(f"Bearer {token}")


# --- key rotation by kid ----------------------------------------------------------------------------------------


def test_a_minted_token_names_the_current_key_in_its_header() -> None:
    token = mint_token(KEYS, "acme", Role.OWNER, _now(), HOUR)
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT", "kid": "k1"}


def test_after_rotation_new_tokens_use_the_new_key_and_old_tokens_still_verify() -> None:
    # Given a token signed before a rotation
    old_token = mint_token(KEYS, "acme", Role.EDITOR, _now(), HOUR)
    # When the key set is rotated (a new current key is added)
    rotated = KEYS.rotated()
    new_token = mint_token(rotated, "acme", Role.EDITOR, _now(), HOUR)
    # Then the new key is current, new tokens carry its id, and both tokens verify against the rotated set
    assert rotated.current == "k2"
    assert set(rotated.keys) == {"k1", "k2"}
    assert jwt.get_unverified_header(new_token)["kid"] == "k2"
    assert _verify(f"Bearer {old_token}", rotated).tenant_id == "acme"
    assert _verify(f"Bearer {new_token}", rotated).tenant_id == "acme"


def test_a_retired_key_no_longer_verifies_its_tokens_and_the_current_key_cannot_be_retired() -> None:
    old_token = mint_token(KEYS, "acme", Role.EDITOR, _now(), HOUR)
    pruned = KEYS.rotated().without("k1")
    with pytest.raises(InvalidToken, match="unknown signing key id"):
        _verify(f"Bearer {old_token}", pruned)
    with pytest.raises(ValueError, match="current signing key"):
        pruned.without("k2")


def test_a_token_without_a_kid_or_with_an_unknown_kid_is_refused() -> None:
    no_kid = jwt.encode(_claims(), SECRET, algorithm="HS256")
    with pytest.raises(InvalidToken, match="no key id"):
        _verify(f"Bearer {no_kid}")
    # a key id the set does not have, even with the right secret behind it elsewhere
    unknown = jwt.encode(_claims(), SECRET, algorithm="HS256", headers={"kid": "k9"})
    with pytest.raises(InvalidToken, match="unknown signing key id"):
        _verify(f"Bearer {unknown}")


def test_a_token_signed_with_one_key_but_naming_another_kid_is_refused() -> None:
    # Given two keys; a token signed with k1's secret claims to be k2's
    keys = KEYS.rotated()
    forged = jwt.encode(_claims(), SECRET, algorithm="HS256", headers={"kid": "k2"})
    with pytest.raises(InvalidToken, match="Signature verification failed"):
        _verify(f"Bearer {forged}", keys)


def test_the_key_set_round_trips_through_its_stored_form_and_a_plain_legacy_secret_is_key_k0() -> None:
    keys = KEYS.rotated()
    assert KeySet.parse(keys.serialise()) == keys
    assert KeySet.parse("plain-secret") == KeySet(current="k0", keys={"k0": "plain-secret"})
    with pytest.raises(ValueError, match="current"):
        KeySet.parse('{"current": "k3", "k1": "x"}')


@pytest.mark.parametrize("tenant", ["", "a#b", "x" * 65, "-lead", "sp ace"])
def test_a_tenant_id_that_could_bend_a_storage_key_is_refused_when_minting_and_verifying(tenant: str) -> None:
    with pytest.raises(InvalidToken, match="tenant id"):
        mint_token(KEYS, tenant, Role.OWNER, _now(), HOUR)
    token = jwt.encode(_claims(tenant=tenant or None), SECRET, algorithm="HS256", headers={"kid": "k1"})
    with pytest.raises(InvalidToken, match="tenant"):
        _verify(f"Bearer {token}")
