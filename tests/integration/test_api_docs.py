"""Flow 7: the public docs function serves the merged OpenAPI spec; every route of serverless.yml is served."""

import re

import pytest

ROUTES = {
    "/v1/sequences/{sequence_id}": {"get", "put"},
    "/v1/sequences/{sequence_id}/report": {"get"},
    "/v1/events": {"post"},
    "/v1/contacts": {"get"},
    "/v1/attributes/{name}": {"put"},
    "/v1/lists/{list_id}/members": {"get", "post"},
    "/v1/segments/{segment_id}/members": {"get"},
    "/v1/imports": {"post"},
    "/v1/imports/{import_id}": {"get"},
}


def test_openapi_json_lists_every_capabilitys_routes(stack):
    # Given the public GET /openapi.json request (no authorizer on this route)
    event = stack.http_event("GET", "/openapi.json", route_key="GET /openapi.json", caller=None)

    # When the apiDocs function handles it
    response = stack.call_api("apiDocs", event)

    # Then it answers the merged spec with the routes of all three capabilities
    assert response.status == 200
    spec = response.body
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] == "emailseq API"
    for path, methods in ROUTES.items():
        assert path in spec["paths"], path
        assert set(spec["paths"][path]) >= methods, path


# A value for each path parameter serverless.yml's routes use (a tracking token that is not ours).
PATH_VALUES = {
    "sequence_id": "welcome",
    "contact_id": "0f8fad5bd9cb469fa16570867728950e",
    "token": "bm90LW91cnM.c2ln",
    "step_id": "welcome",
    "name": "plan",
    "list_id": "a1b2c3d4e5f60718",
    "segment_id": "vip",
    "import_id": "0f8fad5bd9cb469fa16570867728950e",
    "key_id": "0123456789abcdef",
    "job_id": "0f8fad5bd9cb469fa16570867728950e",
    "webhook_id": "0f8fad5bd9cb469fa16570867728950e",
    "collection": "blog",
    "block_id": "hello-world",
}
TRACKING_ROUTES = {
    ("tracking", "GET", "/t/o/{token}"),
    ("tracking", "GET", "/t/c/{token}"),
    ("tracking", "GET", "/t/u/{token}"),
    ("tracking", "POST", "/t/u/{token}"),
}


def test_every_route_serverless_yml_sends_to_a_function_is_one_its_app_serves(stack):
    # Given every httpApi route of serverless.yml and the function it is wired to (the API's and the tracking ones)
    routes = stack.http_routes()
    assert set(routes) >= {
        ("apiSequences", "PUT", "/v1/sequences/{sequence_id}"),
        ("apiSequences", "GET", "/v1/sequences/{sequence_id}/report"),
        ("apiEvents", "POST", "/v1/events"),
        ("apiContacts", "GET", "/v1/contacts"),
        ("apiDocs", "GET", "/openapi.json"),
        *TRACKING_ROUTES,
    }

    for function, method, path in routes:
        # When API Gateway forwards that route to that function
        names = re.findall(r"\{(\w+)\}", path)
        concrete = path.format(**{name: PATH_VALUES[name] for name in names})
        public = path == "/openapi.json" or path.startswith("/t/")
        event = stack.http_event(
            method,
            concrete,
            route_key=f"{method} {path}",
            caller=None if public else {"tenant": "t1", "role": "owner", "sub": "dev:x"},
            path_parameters={name: PATH_VALUES[name] for name in names} or None,
        )
        response = stack.call_api(function, event)

        # Then the function's app has the route: whatever it answers, it is not the router's 404 / 405
        assert response.status != 405, (function, method, path)
        if path.startswith("/t/"):
            # the tracking route's own answer to a token that fails verification, not the resolver's JSON 404
            assert response.status == 404, (function, method, path)
            assert response.headers["content-type"].startswith("text/html"), (function, method, path)
            assert "This link is not valid" in response.body, (function, method, path)
            continue
        error = response.body.get("error") if isinstance(response.body, dict) else None
        assert error != "Not Found", (function, method, path)
        assert response.status in {200, 201, 404, 409, 422}, (function, method, path, response)


def test_the_tracking_function_does_not_serve_routes_it_was_not_given(stack):
    # When the tracking function is asked for an API route and for an unknown /t/ kind
    answers = [
        stack.call_api("tracking", stack.http_event(method, path, route_key=f"{method} {path}", caller=None))
        for method, path in [("GET", "/v1/contacts"), ("GET", "/t/x/abc.def"), ("PUT", "/t/u/abc.def")]
    ]

    # Then each is its resolver's JSON not found, never a page or a redirect
    assert [(a.status, a.body) for a in answers] == [(404, {"statusCode": 404, "message": "Not found"})] * 3
    assert all("location" not in a.headers for a in answers)


@pytest.mark.parametrize("function", ["apiSequences", "apiEvents", "apiContacts"])
def test_the_capability_functions_do_not_serve_the_spec_themselves(stack, function):
    # When an authenticated capability function is asked for /openapi.json
    response = stack.call_api(
        function, stack.http_event("GET", "/openapi.json", route_key="GET /openapi.json", caller=None)
    )

    # Then only the docs function serves it
    assert response.status == 404
