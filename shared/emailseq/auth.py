"""Tenant-scoped bearer tokens (JWT, HS256 pinned, key chosen by `kid`): minted for a tenant and role, verified by
the authorizer against a key set that rotates (a new current key is added; old keys verify until removed)."""

import json
import re
import secrets
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from emailseq.domain.access import Principal, Role

__all__ = [
    "ALGORITHM",
    "AUDIENCE",
    "ISSUER",
    "InvalidToken",
    "KeySet",
    "Principal",
    "Role",
    "mint_token",
    "verify_token",
]

ALGORITHM = "HS256"
ISSUER = "emailseq"
AUDIENCE = "emailseq-api"
TENANT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
LEGACY_KID = "k0"  # a secret written before key sets (one plain string) is this one key


class InvalidToken(Exception):
    """The token is missing, forged, expired or not for us."""


@dataclass(frozen=True)
class KeySet:
    """The signing keys by id. Stored as one JSON secret: {"current": "k2", "k1": "...", "k2": "..."}."""

    current: str
    keys: Mapping[str, str]

    @classmethod
    def parse(cls, raw: str) -> "KeySet":
        try:
            stored = json.loads(raw)
        except json.JSONDecodeError:
            return cls(current=LEGACY_KID, keys={LEGACY_KID: raw})
        if not isinstance(stored, dict) or stored.get("current") not in stored:
            raise ValueError("the token key set needs a 'current' key id that names one of its keys")
        keys = {str(kid): str(key) for kid, key in stored.items() if kid != "current"}
        return cls(current=str(stored["current"]), keys=keys)

    def serialise(self) -> str:
        return json.dumps({"current": self.current, **self.keys})

    def current_key(self) -> tuple[str, str]:
        return self.current, self.keys[self.current]

    def rotated(self) -> "KeySet":
        """A new random key becomes current; the others keep verifying the tokens they signed."""
        kid = f"k{max((int(k[1:]) for k in self.keys if k[1:].isdigit()), default=0) + 1}"
        return KeySet(current=kid, keys={**self.keys, kid: secrets.token_urlsafe(48)})

    def without(self, kid: str) -> "KeySet":
        """Retire a key: tokens it signed stop verifying. The current key cannot be retired (rotate first)."""
        if kid == self.current:
            raise ValueError(f"key '{kid}' is the current signing key; rotate first, then retire it")
        if kid not in self.keys:
            raise ValueError(f"no key '{kid}' in the key set (it has {', '.join(sorted(self.keys))})")
        return KeySet(current=self.current, keys={k: v for k, v in self.keys.items() if k != kid})


def checked_tenant(value: object) -> str:
    """A tenant id is part of every storage key, so it may not hold the key separator or be empty."""
    text = str(value)
    if not TENANT_ID.fullmatch(text):
        raise InvalidToken(f"tenant id '{text[:64]}' must match {TENANT_ID.pattern}")
    return text


def mint_token(keys: KeySet, tenant_id: str, role: Role, now: datetime, lifetime: timedelta) -> str:
    kid, key = keys.current_key()
    checked_tenant(tenant_id)
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": f"dev:{uuid.uuid4().hex[:12]}",
        "tenant": tenant_id,
        "role": role.value,
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
    }
    return jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": kid})


def bearer(authorization: str | None) -> str:
    if not authorization or not authorization.startswith("Bearer "):
        raise InvalidToken("expected 'Authorization: Bearer <token>'")
    return authorization.removeprefix("Bearer ").strip()


def verify_token(key_for: Callable[[str], str | None], token: str) -> Principal:
    """Check a JWT against the key its `kid` names (`key_for` returns None for an unknown id)."""
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != ALGORITHM:
            raise InvalidToken(
                f"signing algorithm (alg) '{str(header.get('alg'))[:16]}' refused; tokens use {ALGORITHM}"
            )
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("the token has no key id (kid) in its header")
        key = key_for(kid)
        if key is None:
            raise InvalidToken(f"unknown signing key id (kid) '{kid[:32]}'")
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],  # pinned: `none`, RS256 with a public key as secret, etc. are all refused
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "iat", "tenant", "role", "sub"]},
        )
        return Principal(
            tenant_id=checked_tenant(claims["tenant"]), role=Role(claims["role"]), subject=str(claims["sub"])
        )
    except (jwt.PyJWTError, ValueError) as error:
        raise InvalidToken(str(error)) from error
