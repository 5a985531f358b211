"""Flow 2: the apiSequences function applies, reads and reports sequences per tenant and role."""

import copy
import json

import boto3
import pytest
from emailseq.dal.aws import client
from emailseq.dal.clock import SystemClock
from emailseq.dal.sequences import DynamoSequenceRepository
from emailseq.domain.sequence import SequenceDocument
from emailseq.logic.sequences import apply_sequence

T2_OWNER = {"tenant": "t2", "role": "owner", "sub": "dev:y"}
T1_VIEWER = {"tenant": "t1", "role": "viewer", "sub": "dev:v"}


def test_the_stored_put_request_applies_version_1(stack):
    # Given the PUT /v1/sequences/{sequence_id} request exactly as API Gateway delivers it (tests/events)
    request = stack.load_event("apigw_http_v2_put_sequence.json")

    # When the apiSequences function handles it
    response = stack.call_api("apiSequences", request)

    # Then version 1 is created and the canonical document comes back
    assert response.status == 200
    assert response.body["id"] == "welcome"
    assert response.body["version"] == 1
    assert response.body["changed"] is True
    # And the canonical document is the one sent, with the implicit defaults (`where`, `reenroll`) made explicit
    assert response.body["document"] == {
        **json.loads(request["body"]),
        "trigger": {"event": "signed_up", "where": {}},
        "reenroll": "never",
    }
    # And it can be read back
    read = stack.get_sequence("welcome")
    assert read.status == 200
    assert read.body["version"] == 1
    assert read.body["content_hash"] == response.body["content_hash"]


def test_reapplying_the_same_document_changes_nothing_and_a_change_makes_version_2(stack, welcome_sequence):
    # Given version 1 of the welcome sequence
    first = stack.put_sequence(welcome_sequence)
    assert (first.status, first.body["version"], first.body["changed"]) == (200, 1, True)

    # When the same document is applied again, also with the wait written differently ("48h" is "2d")
    again = stack.put_sequence(welcome_sequence)
    same_meaning = copy.deepcopy(welcome_sequence)
    same_meaning["steps"][1] = {"wait": "48h"}
    rewritten = stack.put_sequence(same_meaning)

    # Then nothing changes
    for response in (again, rewritten):
        assert response.status == 200
        assert response.body["version"] == 1
        assert response.body["changed"] is False
        assert response.body["content_hash"] == first.body["content_hash"]

    # When the content really changes
    changed = copy.deepcopy(welcome_sequence)
    changed["steps"][2]["email"]["subject"] = "Two days in"
    second = stack.put_sequence(changed)

    # Then it is version 2, and the head moves to it
    assert (second.status, second.body["version"], second.body["changed"]) == (200, 2, True)
    assert stack.get_sequence("welcome").body["document"]["steps"][2]["email"]["subject"] == "Two days in"


def _unknown_step_kind(document):
    document["steps"].insert(1, {"id": "nudge", "sms": {"text": "hi"}})


def _unsafe_template(document):
    document["steps"][0]["email"]["html"] = "<p>{{ ''.__class__.__mro__ }}</p>"


def _id_differs_from_path(document):
    document["id"] = "other"


def _bad_wait(document):
    document["steps"][1] = {"wait": "2 fortnights"}


def _empty_subject(document):
    document["steps"][0]["email"]["subject"] = ""


def _bad_wait_inside_a_branch(document):
    document["steps"].append(
        {"id": "opened", "branch": {"if": {"opened": "welcome"}, "then": [{"wait": "2 fortnights"}]}}
    )


def _zero_timeout_inside_a_split(document):
    variant = {"name": "a", "steps": [{"wait_until": {"event": "activated", "timeout": "0s"}}]}
    document["steps"].append({"id": "ab", "split": [variant, {"name": "b"}]})


def _webhook_not_http(document):
    document["steps"].append({"id": "crm", "webhook": {"url": "ftp://crm.example.com/hook"}})


def _unknown_timezone(document):
    document["send_window"] = {"from": "09:00", "to": "17:00", "timezone": "Mars/Olympus"}


def _unknown_reenroll_policy(document):
    document["reenroll"] = "sometimes"


@pytest.mark.parametrize(
    ("break_it", "field", "reason"),
    [
        pytest.param(_unknown_step_kind, "steps[1]", "exactly one of: email, wait", id="unknown-step-kind"),
        pytest.param(_unsafe_template, "steps[0].email.html", "unsafe", id="unsafe-template"),
        pytest.param(_id_differs_from_path, "id", "differs from the path", id="id-mismatch"),
        pytest.param(_bad_wait, "steps[1].wait", "not a duration", id="bad-wait"),
        pytest.param(_empty_subject, "steps[0].email.subject", "at least 1", id="empty-subject"),
        pytest.param(_bad_wait_inside_a_branch, "steps[3].branch.then[0].wait", "not a duration", id="nested-wait"),
        pytest.param(
            _zero_timeout_inside_a_split,
            "steps[3].split[0].steps[0].wait_until.timeout",
            "longer than zero",
            id="split-timeout",
        ),
        pytest.param(_webhook_not_http, "steps[3].webhook.url", "http", id="webhook-scheme"),
        pytest.param(_unknown_timezone, "send_window.timezone", "IANA timezone", id="window-timezone"),
        pytest.param(_unknown_reenroll_policy, "reenroll", "after <duration>", id="reenroll-policy"),
    ],
)
def test_an_invalid_document_is_422_naming_the_field(stack, welcome_sequence, break_it, field, reason):
    # Given a sequence document with one mistake
    document = copy.deepcopy(welcome_sequence)
    break_it(document)

    # When it is applied (to the path of the valid document)
    event = stack.http_event(
        "PUT",
        "/v1/sequences/welcome",
        route_key="PUT /v1/sequences/{sequence_id}",
        body=document,
        path_parameters={"sequence_id": "welcome"},
    )
    response = stack.call_api("apiSequences", event)

    # Then it is refused with 422, naming the field and why
    assert response.status == 422
    assert response.body["error"] == "invalid request"
    assert [e["field"] for e in response.body["errors"]] == [field]
    assert reason in response.body["errors"][0]["reason"]
    # And nothing was stored
    assert stack.get_sequence("welcome").status == 404


def test_another_tenants_sequence_is_not_found(stack, welcome_sequence):
    # Given tenant t1's welcome sequence
    assert stack.put_sequence(welcome_sequence).status == 200

    # When tenant t2 reads it, or its report
    read = stack.get_sequence("welcome", caller=T2_OWNER)
    report = stack.get_sequence("welcome", caller=T2_OWNER, report=True)

    # Then neither exists for t2
    assert read.status == 404
    assert read.body == {"error": "sequence 'welcome' not found", "errors": []}
    assert report.status == 404

    # And t2 applying the same id makes its own version 1, leaving t1's untouched
    own = copy.deepcopy(welcome_sequence)
    own["name"] = "t2's welcome"
    assert stack.put_sequence(own, caller=T2_OWNER).body["version"] == 1
    assert stack.get_sequence("welcome").body["document"]["name"] == "Welcome journey"


def test_a_viewer_may_read_but_not_apply(stack, welcome_sequence):
    # Given t1's welcome sequence
    stack.put_sequence(welcome_sequence)
    changed = copy.deepcopy(welcome_sequence)
    changed["name"] = "Renamed by a viewer"

    # When a viewer of t1 applies a change
    response = stack.put_sequence(changed, caller=T1_VIEWER)

    # Then it is forbidden and the sequence is unchanged, while reading is allowed
    assert response.status == 403
    assert "role 'viewer' may not change data" in response.body["error"]
    read = stack.get_sequence("welcome", caller=T1_VIEWER)
    assert read.status == 200
    assert (read.body["version"], read.body["document"]["name"]) == (1, "Welcome journey")


def _apply_while_a_rival_commits_first(stack, welcome_sequence):
    """Apply a change while another API container commits its own change to the same sequence in between."""
    stack.put_sequence(welcome_sequence)
    rival = SequenceDocument.model_validate({**welcome_sequence, "name": "Rival change"})
    other_container = DynamoSequenceRepository(boto3.client("dynamodb"), stack.refs["DataTable"])
    raced: list[int] = []

    def rival_commits_first(**_: object) -> None:
        if not raced:
            raced.append(1)
            apply_sequence(other_container, SystemClock(), "t1", rival)

    client("dynamodb").meta.events.register("before-call.dynamodb.TransactWriteItems", rival_commits_first)
    response = stack.put_sequence({**welcome_sequence, "name": "My change"})
    assert raced
    return response


def test_an_apply_that_loses_a_race_does_not_overwrite_the_winner(stack, welcome_sequence):
    # Given version 1, when this request's version 2 reaches DynamoDB after a rival's version 2
    response = _apply_while_a_rival_commits_first(stack, welcome_sequence)

    # Then the request is not reported as applied, and the rival's version 2 stands
    assert response.status != 200
    current = stack.get_sequence("welcome").body
    assert (current["version"], current["document"]["name"]) == (2, "Rival change")


def test_an_apply_that_loses_a_race_is_409_conflict(stack, welcome_sequence):
    # Given version 1, when this request's version 2 reaches DynamoDB after a rival's version 2
    response = _apply_while_a_rival_commits_first(stack, welcome_sequence)

    # Then the caller learns it lost a race it may retry, in the API's JSON error model
    assert response.status == 409
    assert response.body["error"]


def test_a_template_touching_python_internals_is_rejected_even_without_a_second_hop(stack, welcome_sequence):
    # Given a template that reads `__class__` once (the sandbox blocks it, so it would render empty)
    document = copy.deepcopy(welcome_sequence)
    document["steps"][0]["email"]["subject"] = "Hi {{ ''.__class__ }}"

    # When it is applied
    response = stack.put_sequence(document)

    # Then, as the module promises, it is refused naming the template
    assert response.status == 422
    assert response.body["errors"][0]["field"] == "steps[0].email.subject"


def test_a_warm_worker_reads_each_sequence_version_once(stack, welcome_sequence):
    # Given version 1 applied, and a step worker's repository counting its reads
    stack.put_sequence(welcome_sequence)
    worker = DynamoSequenceRepository(boto3.client("dynamodb"), stack.refs["DataTable"])
    reads: list[str] = []
    worker._db.meta.events.register("before-call.dynamodb.GetItem", lambda **_: reads.append("GetItem"))

    # When it asks for version 1 three times, and once for a version that does not exist
    first, again, third = (worker.version("t1", "welcome", 1) for _ in range(3))
    missing = [worker.version("t1", "welcome", 9), worker.version("t1", "welcome", 9)]

    # Then version 1 was read from the table once (versions never change) and every answer is that version
    assert first is not None
    assert first.document.id == "welcome"
    assert again is first
    assert third is first
    # And a version not (yet) there is asked for each time, never remembered as missing
    assert missing == [None, None]
    assert reads == ["GetItem"] * 3
