"""Tenant-scoped bearer tokens (JWT, HS256 pinned): minted for a tenant and role, verified by the authorizer."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import jwt

ALGORITHM = "HS256"
ISSUER = "emailseq"
AUDIENCE = "emailseq-api"


class Role(StrEnum):
    OWNER = "owner"
    EDITOR = "editor"
    VIEWER = "viewer"


@dataclass(frozen=True)
class Principal:
    tenant_id: str
    role: Role
    subject: str


class InvalidToken(Exception):
    """The token is missing, forged, expired or not for us."""


def mint_token(secret: str, tenant_id: str, role: Role, now: datetime, lifetime: timedelta) -> str:
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": f"dev:{uuid.uuid4().hex[:12]}",
        "tenant": tenant_id,
        "role": role.value,
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify_token(secret: str, authorization: str | None) -> Principal:
    if not authorization or not authorization.startswith("Bearer "):
        raise InvalidToken("expected 'Authorization: Bearer <token>'")
    try:
        claims = jwt.decode(
            authorization.removeprefix("Bearer ").strip(),
            secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "iat", "tenant", "role", "sub"]},
        )
        return Principal(tenant_id=str(claims["tenant"]), role=Role(claims["role"]), subject=str(claims["sub"]))
    except (jwt.PyJWTError, ValueError) as error:
        raise InvalidToken(str(error)) from error
