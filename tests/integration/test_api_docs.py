"""Flow 7: the public docs function serves the merged OpenAPI spec; every route of serverless.yml is served."""

import pytest

ROUTES = {
    "/v1/sequences/{sequence_id}": {"get", "put"},
    "/v1/sequences/{sequence_id}/report": {"get"},
    "/v1/events": {"post"},
    "/v1/contacts": {"get"},
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


def test_every_route_serverless_yml_sends_to_a_function_is_one_its_app_serves(stack):
    # Given every httpApi route of serverless.yml and the function it is wired to
    routes = stack.http_routes()
    assert len(routes) == 6

    for function, method, path in routes:
        # When API Gateway forwards that route to that function
        concrete = path.replace("{sequence_id}", "welcome")
        event = stack.http_event(
            method,
            concrete,
            route_key=f"{method} {path}",
            caller=None if path == "/openapi.json" else {"tenant": "t1", "role": "owner", "sub": "dev:x"},
            path_parameters={"sequence_id": "welcome"} if "{sequence_id}" in path else None,
        )
        response = stack.call_api(function, event)

        # Then the function's app has the route: whatever it answers, it is not the router's 404 / 405
        error = response.body.get("error") if isinstance(response.body, dict) else None
        assert response.status != 405, (function, method, path)
        assert error != "Not Found", (function, method, path)
        assert response.status in {200, 404, 422}, (function, method, path, response)


@pytest.mark.parametrize("function", ["apiSequences", "apiEvents", "apiContacts"])
def test_the_capability_functions_do_not_serve_the_spec_themselves(stack, function):
    # When an authenticated capability function is asked for /openapi.json
    response = stack.call_api(
        function, stack.http_event("GET", "/openapi.json", route_key="GET /openapi.json", caller=None)
    )

    # Then only the docs function serves it
    assert response.status == 404
