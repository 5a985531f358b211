"""Roles on every route: a viewer reads, an editor also writes, an owner also manages API keys and settings."""

from typing import Any

import pytest
from emailseq.api.app import all_routers
from emailseq.api.errors import Forbidden
from emailseq.api.principal import editor, owner, principal
from emailseq.auth import Principal, Role
from fastapi.routing import APIRoute

OWNER_ONLY = {
    ("PUT", "/v1/settings"),
    ("POST", "/v1/api-keys"),
    ("GET", "/v1/api-keys"),
    ("DELETE", "/v1/api-keys/{key_id}"),
    # Webhook subscriptions send the tenant's events out and hold signing secrets: owners manage them.
    ("POST", "/v1/webhooks"),
    ("PATCH", "/v1/webhooks/{webhook_id}"),
    ("DELETE", "/v1/webhooks/{webhook_id}"),
}


def _guards(dependant: Any) -> set[Any]:
    found = set()
    for dependency in dependant.dependencies:
        found.add(dependency.call)
        found |= _guards(dependency)
    return found


def _routes() -> list[tuple[str, str, set[Any]]]:
    return [
        (method, route.path, _guards(route.dependant))
        for router in all_routers()
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods
    ]


def test_every_route_knows_its_caller_and_every_write_needs_an_editor_or_owner() -> None:
    routes = _routes()
    assert len(routes) > 10
    for method, path, guards in routes:
        assert principal in guards, (method, path)
        if (method, path) in OWNER_ONLY:
            assert owner in guards, (method, path)
        elif method != "GET":
            assert editor in guards, (method, path)


@pytest.mark.parametrize(
    ("role", "may_write", "may_manage"),
    [(Role.VIEWER, False, False), (Role.EDITOR, True, False), (Role.OWNER, True, True)],
)
def test_what_each_role_may_do(role: Role, may_write: bool, may_manage: bool) -> None:
    caller = Principal("acme", role, "dev:x")
    for guard, allowed in ((editor, may_write), (owner, may_manage)):
        if allowed:
            assert guard(caller) is caller
        else:
            with pytest.raises(Forbidden, match=f"role '{role}' may not"):
                guard(caller)
