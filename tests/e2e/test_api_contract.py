"""The HTTP API's contract on the running stack: auth, tenancy, validation errors, the spec."""

from tests.support.local_stack import LocalStack, cli

DOCUMENT = {
    "name": "Contract",
    "trigger": {"event": "contract.checked"},
    "steps": [{"id": "only", "email": {"subject": "Hi", "html": "<p>Hi</p>"}}],
}


def test_a_missing_or_forged_token_is_401(stack: LocalStack, unique):
    missing = stack.http("GET", f"/v1/sequences/s-{unique}", token="")
    forged = stack.http("GET", f"/v1/sequences/s-{unique}", token=stack.token[:-4] + "AAAA")
    assert missing.status_code == 401
    assert forged.status_code == 401
    assert "invalid token" in forged.json()["error"]


def test_another_tenants_sequence_is_not_found(stack: LocalStack, unique):
    # Given a sequence of the demo tenant
    assert stack.http("PUT", f"/v1/sequences/c-{unique}", json=DOCUMENT).status_code == 200
    # When another tenant asks for it, it does not exist for them
    other = cli("tokens", "create", "--tenant", f"other-{unique}").stdout.strip()
    assert stack.http("GET", f"/v1/sequences/c-{unique}", token=other).status_code == 404
    assert stack.http("GET", f"/v1/sequences/c-{unique}").status_code == 200


def test_a_viewer_cannot_change_anything(stack: LocalStack, unique):
    viewer = cli("tokens", "create", "--tenant", "demo", "--role", "viewer").stdout.strip()
    response = stack.http("PUT", f"/v1/sequences/v-{unique}", token=viewer, json=DOCUMENT)
    assert response.status_code == 403


def test_bad_input_gets_422_with_the_field_and_the_reason(stack: LocalStack, unique):
    bad_step = {**DOCUMENT, "steps": [{"id": "x", "sms": {"text": "hi"}}]}
    response = stack.http("PUT", f"/v1/sequences/b-{unique}", json=bad_step)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "steps[0]"

    injected = {**DOCUMENT, "steps": [{"id": "evil", "email": {"subject": "{{ ''.__class__.__mro__ }}", "html": "x"}}]}
    response = stack.http("PUT", f"/v1/sequences/i-{unique}", json=injected)
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "steps[0].email.subject"
    assert "evil" in error["reason"]

    event = {"type": "contract.checked", "contact": {"email": "not-an-address"}}
    response = stack.http("POST", "/v1/events", json=event)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "contact.email"


def test_the_openapi_spec_is_public_and_lists_every_route(stack: LocalStack):
    response = stack.http("GET", "/openapi.json", token="")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/v1/sequences/{sequence_id}", "/v1/events", "/v1/contacts"} <= set(paths)


def test_cli_errors_are_one_line_with_a_non_zero_status(stack: LocalStack, tmp_path):
    result = cli("sequences", "apply", str(tmp_path / "missing.yaml"), check=False)
    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1
    assert "no such file" in result.stderr
