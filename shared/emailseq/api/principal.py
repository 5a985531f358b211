"""Who is calling: the tenant and role the API Gateway authorizer verified, taken from the request context."""

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request

from emailseq.api.errors import Forbidden
from emailseq.auth import Principal, Role


def principal(request: Request) -> Principal:
    event: dict[str, Any] = request.scope.get("aws.event") or {}
    context = event.get("requestContext", {}).get("authorizer", {}).get("lambda") or {}
    if not context.get("tenant") or not context.get("role"):
        # The authorizer refused the token (its reason is in `denied`), or the route has no authorizer at all:
        # either way, no tenant is guessed.
        reason = str(context.get("denied") or "missing token")
        raise HTTPException(
            status_code=401,
            detail=f"invalid token: {reason}",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    return Principal(tenant_id=str(context["tenant"]), role=Role(context["role"]), subject=str(context.get("sub")))


def editor(caller: Annotated[Principal, Depends(principal)]) -> Principal:
    if caller.role not in (Role.OWNER, Role.EDITOR):
        raise Forbidden(f"role '{caller.role}' may not change data; an editor or owner token is needed")
    return caller


def owner(caller: Annotated[Principal, Depends(principal)]) -> Principal:
    if caller.role is not Role.OWNER:
        raise Forbidden(f"role '{caller.role}' may not manage API keys or settings; an owner token is needed")
    return caller


Caller = Annotated[Principal, Depends(principal)]
Editor = Annotated[Principal, Depends(editor)]
Owner = Annotated[Principal, Depends(owner)]
