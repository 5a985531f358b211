"""AI drafting: the apiAi function, its real OpenAI client talking to the test double of an OpenAI-compatible
server (tests/support/openai_double.py), its key read from the stage's secret emailseq/<stage>/openai."""

import json
from collections.abc import Iterator

import pytest
from emailseq.dal.aws import client

from tests.support.openai_double import API_KEY, OpenAiDouble, openai_double

SECRET_ID = "emailseq/test/openai"


@pytest.fixture
def double(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAiDouble]:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):  # a developer's own key must not leak into the test
        monkeypatch.delenv(name, raising=False)
    with openai_double() as running:
        yield running


def _configure(double: OpenAiDouble) -> None:
    value = {"api_key": API_KEY, "base_url": double.base_url, "model": "gpt-test"}
    client("secretsmanager").create_secret(Name=SECRET_ID, SecretString=json.dumps(value))


def _post(stack, path: str, body: dict) -> object:  # type: ignore[no-untyped-def]
    event = stack.http_event("POST", path, route_key=f"POST {path}", body=body)
    return stack.call_api("apiAi", event)


def test_without_a_key_drafting_answers_not_configured(stack, double):
    # Given a deployment whose OpenAI secret was never stored / When a draft is asked for
    response = _post(stack, "/v1/ai/drafts", {"brief": "A CRM for bakeries"})
    # Then a 409 says what to configure, and the model was never called
    assert response.status == 409
    assert "not configured" in response.body["error"]
    assert double.requests == []


def test_a_drafted_document_is_accepted_by_apply(stack, double):
    # Given the key stored in the stage's secret, pointing at the OpenAI-compatible double
    _configure(double)
    # When a four-email sequence is drafted
    response = _post(stack, "/v1/ai/drafts", {"brief": "A CRM for bakeries", "emails": 4, "tone": "playful"})
    # Then the document has four emails, and `PUT /v1/sequences/{id}` (what `sequences apply` calls) accepts it
    assert response.status == 200, response.body
    document = response.body["document"]
    assert len([s for s in document["steps"] if "email" in s]) == 4
    applied = stack.put_sequence(document)
    assert (applied.status, applied.body["version"]) == (200, 1)
    # And the model was asked with the secret's model, in the structured-output shape, strictly
    asked = double.requests[0]
    assert asked["model"] == "gpt-test"
    assert asked["text"]["format"]["name"] == "DraftedSequence"
    assert asked["text"]["format"]["strict"] is True


def test_subjects_and_a_rewrite_start_from_the_stored_sequence(stack, double, welcome_sequence):
    # Given a stored sequence and a configured model
    _configure(double)
    assert stack.put_sequence(welcome_sequence).status == 200
    step = next(s["id"] for s in welcome_sequence["steps"] if "email" in s)
    # When subject variants and a rewrite for a reading level are asked for
    subjects = _post(stack, "/v1/ai/subjects", {"sequence_id": welcome_sequence["id"], "step_id": step, "count": 3})
    rewrite = _post(
        stack, "/v1/ai/rewrites", {"sequence_id": welcome_sequence["id"], "step_id": step, "reading_level": "grade 5"}
    )
    # Then three variants come back, and a whole document with the step rewritten that apply accepts
    assert subjects.status == 200
    assert len(subjects.body["subjects"]) == 3
    assert rewrite.status == 200
    assert rewrite.body["email"]["subject"] == "Quick hello"
    assert stack.put_sequence(rewrite.body["document"]).body["version"] == 2


def test_a_model_that_fails_is_a_502_not_a_500(stack, double):
    # Given a key the server refuses (401 from the double)
    value = {"api_key": "sk-wrong", "base_url": double.base_url}
    client("secretsmanager").create_secret(Name=SECRET_ID, SecretString=json.dumps(value))
    # When a draft is asked for / Then the API answers 502 naming the model's failure
    response = _post(stack, "/v1/ai/drafts", {"brief": "b"})
    assert response.status == 502
    assert "AuthenticationError" in response.body["error"]


def test_a_bad_brief_is_a_422_naming_the_field(stack, double):
    response = _post(stack, "/v1/ai/drafts", {"brief": "b", "emails": 50})
    assert response.status == 422
    assert response.body["errors"][0]["field"] == "emails"
