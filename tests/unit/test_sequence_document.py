"""The sequence document: what validation accepts and rejects, the trigger's `where`, and the canonical form."""

from typing import Any

import pytest
from builders import (
    branch,
    document,
    document_data,
    email,
    exit_step,
    split,
    update_attribute,
    variant,
    wait,
    wait_until,
    webhook,
)
from emailseq.domain.sequence import EmailStep, SequenceDocument, Trigger, WaitStep
from emailseq.domain.steps import (
    BranchStep,
    ExitStep,
    SplitStep,
    UpdateAttributeStep,
    WaitUntilStep,
    WebhookStep,
)
from pydantic import ValidationError


def _errors(data: dict[str, Any]) -> list[dict[str, Any]]:
    with pytest.raises(ValidationError) as caught:
        SequenceDocument.model_validate(data)
    return [dict(error) for error in caught.value.errors()]


# -- what a valid document looks like -----------------------------------------------------------------------------


def test_a_valid_document_parses_into_typed_steps() -> None:
    # Given the onboarding document (email, wait 2d, email, wait 3d, email) / When validated
    doc = document()
    # Then steps are typed, waits are timedeltas and the email steps are listed in order
    assert [type(step) for step in doc.steps] == [EmailStep, WaitStep, EmailStep, WaitStep, EmailStep]
    assert doc.steps[1].wait.days == 2  # type: ignore[union-attr]
    assert [step.id for step in doc.email_steps()] == ["welcome", "tips", "last-call"]
    assert doc.goal is not None
    assert doc.goal.event == "upgraded"


def test_a_wait_may_be_given_in_whole_seconds() -> None:
    # Given a wait written as a number of seconds / When validated / Then it is that duration
    doc = document(steps=[email("a"), wait(3600), email("b")])
    assert doc.steps[1].wait.total_seconds() == 3600  # type: ignore[union-attr]


def test_the_document_is_immutable() -> None:
    # Given a validated document / When a field is assigned / Then it is refused (documents are values)
    doc = document()
    with pytest.raises(ValidationError, match="frozen"):
        doc.name = "renamed"  # type: ignore[misc]


# -- what validation rejects ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "step",
    [
        {"id": "text-them", "sms": {"body": "Hi"}},
        {"id": "nothing"},
        {"id": "both", "email": {"subject": "s", "html": "h"}, "wait": "1d"},
    ],
    ids=["unknown-kind", "no-kind", "two-kinds"],
)
def test_a_step_that_is_not_exactly_one_known_kind_is_rejected_at_its_position(step: dict[str, Any]) -> None:
    # Given a document whose second step is not exactly one of email / wait
    data = document_data(steps=[email("welcome"), step])
    # When validated / Then the error points at steps[1] and lists the kinds that are accepted
    errors = _errors(data)
    assert [(e["loc"], e["type"]) for e in errors] == [(("steps", 1), "step_kind")]
    assert "email, wait" in errors[0]["msg"]


def test_duplicate_step_ids_are_rejected_naming_the_repeated_id() -> None:
    # Given two email steps sharing an id
    data = document_data(steps=[email("hello"), wait("1d"), email("hello"), email("bye")])
    # When validated / Then the error names the repeated id
    (error,) = _errors(data)
    assert "step ids must be unique; repeated: hello" in error["msg"]


def test_a_wait_step_id_may_not_repeat_an_email_step_id() -> None:
    # Given a wait step reusing an email step's id / When validated / Then it is a duplicate too
    data = document_data(steps=[email("pause"), {"id": "pause", "wait": "1d"}, email("next")])
    (error,) = _errors(data)
    assert "repeated: pause" in error["msg"]


def test_waits_without_ids_are_not_duplicates_of_each_other() -> None:
    # Given several anonymous waits / When validated / Then they are accepted
    doc = document(steps=[email("a"), wait("1d"), wait("2h"), email("b")])
    assert len(doc.steps) == 4


def test_a_sequence_without_an_email_step_is_rejected() -> None:
    # Given a document with only waits / When validated / Then it says an email step is needed
    (error,) = _errors(document_data(steps=[wait("1d"), {"id": "w2", "wait": "2d"}]))
    assert "at least one email step" in error["msg"]


def test_a_sequence_without_steps_is_rejected() -> None:
    errors = _errors(document_data(steps=[]))
    assert [(e["loc"], e["type"]) for e in errors] == [(("steps",), "too_short")]


@pytest.mark.parametrize("bad_id", ["Welcome", "-start", ".hidden", "has space", "a" * 65, "", "ünicode", "a/b"])
def test_a_bad_sequence_id_is_rejected(bad_id: str) -> None:
    # Given a sequence id breaking `^[a-z0-9][a-z0-9_.-]{0,63}$` / When validated / Then `id` is rejected
    errors = _errors(document_data(id=bad_id))
    assert [e["loc"] for e in errors] == [("id",)]


@pytest.mark.parametrize("bad_id", ["Tips", "_tips", "tips!", "a" * 65])
def test_a_bad_step_id_is_rejected_at_its_step(bad_id: str) -> None:
    errors = _errors(document_data(steps=[email("ok"), email(bad_id)]))
    assert [e["loc"] for e in errors] == [("steps", 1, "email", "id")]


@pytest.mark.parametrize("good_id", ["a", "0", "a" * 64, "v2.welcome_mail-1"])
def test_ids_at_the_edges_of_the_pattern_are_accepted(good_id: str) -> None:
    doc = document(id=good_id, steps=[email(good_id)])
    assert doc.id == doc.steps[0].id == good_id


@pytest.mark.parametrize("duration", ["0s", "0d", 0, -60, "-1d", "soon", "P1D"])
def test_a_wait_that_is_not_a_positive_duration_is_rejected(duration: object) -> None:
    # Given a wait of zero, a negative one, or text that is not a duration / When validated
    errors = _errors(document_data(steps=[email("a"), wait(duration), email("b")]))  # type: ignore[arg-type]
    # Then the error points at that wait
    assert [e["loc"][:2] for e in errors] == [("steps", 1)]
    assert any(word in errors[0]["msg"] for word in ("longer than zero", "not a duration"))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("description", "not a field"),
        ("trigger", {"event": "signed_up", "filter": {"plan": "pro"}}),
        ("trigger", {"event": "signed up"}),
        ("goal", {"event": "upgraded", "within": "7d"}),
        ("name", ""),
    ],
)
def test_unknown_fields_and_bad_values_are_rejected(field: str, value: object) -> None:
    # Given a misspelt or unknown field / a bad event type / an empty name
    # When validated / Then it is an error rather than silently ignored
    errors = _errors(document_data(**{field: value}))
    assert errors
    assert all(e["loc"][0] == field for e in errors)


def test_an_email_without_a_subject_is_rejected() -> None:
    errors = _errors(document_data(steps=[{"id": "a", "email": {"subject": "", "html": "<p>x</p>"}}]))
    assert [e["loc"] for e in errors] == [("steps", 0, "email", "email", "subject")]


def test_a_wait_too_long_to_schedule_is_rejected_when_validated() -> None:
    # Given a wait of 999999999 days (the largest a timedelta can hold, ~2.7 million years)
    data = document_data(steps=[email("a"), wait("999999999d"), email("b")])
    # When validated / Then it is refused up front, not when a contact is enrolled
    with pytest.raises(ValidationError):
        SequenceDocument.model_validate(data)


# -- the trigger ------------------------------------------------------------------------------------------------


def test_a_trigger_without_where_matches_its_event_type_only() -> None:
    trigger = Trigger(event="signed_up")
    assert trigger.matches("signed_up", {})
    assert trigger.matches("signed_up", {"plan": "pro"})
    assert not trigger.matches("signed_in", {})
    assert not trigger.matches("Signed_Up", {})


def test_a_trigger_with_where_needs_every_pair_to_be_equal() -> None:
    # Given a trigger on signed_up where plan = pro and seats = 5
    trigger = Trigger(event="signed_up", where={"plan": "pro", "seats": 5})
    # Then an event matching both (with extra properties) matches
    assert trigger.matches("signed_up", {"plan": "pro", "seats": 5, "source": "ads"})
    # And an event differing on one, or missing one, does not
    assert not trigger.matches("signed_up", {"plan": "free", "seats": 5})
    assert not trigger.matches("signed_up", {"plan": "pro"})
    assert not trigger.matches("signed_up", {"plan": "pro", "seats": "5"})
    # And the right properties on the wrong event type do not either
    assert not trigger.matches("upgraded", {"plan": "pro", "seats": 5})


def test_a_where_on_a_boolean_does_not_match_a_number() -> None:
    # Given a trigger where paid = true / When the event says paid = 1 (a number, not a boolean)
    trigger = Trigger(event="order_placed", where={"paid": True})
    # Then it does not match: JSON true and 1 are different values
    assert not trigger.matches("order_placed", {"paid": 1})


# -- the canonical form and its hash ----------------------------------------------------------------------------


def test_canonical_writes_waits_as_durations_and_leaves_out_unset_fields() -> None:
    # Given a document with a wait written in hours and no goal or text parts
    doc = document(goal=None, steps=[email("a"), wait("48h"), email("b")])
    # When turned into its canonical data
    canonical = doc.canonical()
    # Then the wait is the shortest duration, no `kind` or unset field appears; `where` and `reenroll` are explicit
    assert canonical == {
        "id": "onboarding",
        "name": "Onboarding",
        "trigger": {"event": "signed_up", "where": {}},
        "reenroll": "never",
        "steps": [
            {"id": "a", "email": {"subject": "Hello", "html": "<p>Hello</p>"}},
            {"wait": "2d"},
            {"id": "b", "email": {"subject": "Hello", "html": "<p>Hello</p>"}},
        ],
    }


@pytest.mark.parametrize("same_wait", ["2d", "48h", "2880m", 172800, " 2 d"])
def test_the_content_hash_is_the_same_however_an_equal_wait_is_written(same_wait: object) -> None:
    # Given the onboarding document with its 2-day wait written another way / When hashed
    reference = document()
    steps = document_data()["steps"]
    steps[1] = wait(same_wait)  # type: ignore[arg-type]
    # Then the hash (and the canonical form) is unchanged
    assert document(steps=steps).content_hash() == reference.content_hash()
    assert document(steps=steps).canonical() == reference.canonical()


def test_the_content_hash_ignores_key_order_and_an_explicit_empty_where() -> None:
    # Given the same document written with keys in another order and `where: {}` spelt out
    data = document_data()
    reordered = {key: data[key] for key in reversed(list(data))}
    reordered["trigger"] = {"where": {}, "event": "signed_up"}
    # When hashed / Then it is the same content
    assert SequenceDocument.model_validate(reordered).content_hash() == document().content_hash()


@pytest.mark.parametrize(
    "change",
    [
        {"name": "Onboarding v2"},
        {"trigger": {"event": "signed_up", "where": {"plan": "pro"}}},
        {"goal": None},
        {"steps": [email("welcome"), wait("3d"), email("tips")]},
    ],
)
def test_the_content_hash_changes_when_the_content_does(change: dict[str, Any]) -> None:
    assert document(**change).content_hash() != document().content_hash()


def test_the_content_hash_is_a_sha256_hex_digest() -> None:
    digest = document().content_hash()
    assert len(digest) == 64
    assert int(digest, 16) >= 0


@pytest.mark.parametrize(
    "steps",
    [
        document_data()["steps"],
        [{"id": "pause", "wait": "90m"}, email("a", text="Hi {{ contact.first_name }}")],
        [email("a"), wait(59), email("b"), wait("1w")],
    ],
    ids=["onboarding", "wait-id-and-text", "seconds-and-trailing-wait"],
)
def test_canonical_data_validates_back_to_an_equal_document(steps: list[dict[str, Any]]) -> None:
    # Given a document (stored by the repository as its canonical JSON)
    doc = document(steps=steps, trigger={"event": "signed_up", "where": {"plan": "pro", "seats": 3, "trial": False}})
    # When its canonical data is validated again / Then it is the same document with the same hash
    again = SequenceDocument.model_validate(doc.canonical())
    assert again == doc
    assert again.content_hash() == doc.content_hash()


@pytest.mark.parametrize("fractional", [1.5, 0.5])
def test_a_fractional_second_wait_is_rejected(fractional: float) -> None:
    # Given a wait given as a fractional number of seconds
    # When validated / Then it is refused (a stored document must read back exactly as applied)
    with pytest.raises(ValidationError, match="whole number of seconds"):
        document(steps=[email("a"), wait(fractional), email("b")])


# -- the engine's step kinds --------------------------------------------------------------------------------------

EVERY_KIND = [
    email("welcome"),
    wait("1d"),
    wait_until("paid", "3d"),
    branch("paid-yet", [email("thanks")], [email("reminder"), exit_step()], event="paid"),
    split("subject-test", variant("a", [email("subject-a")], weight=3), variant("b", [email("subject-b")])),
    update_attribute("tag", stage="onboarded", score=3, vip=False, note=None),
    webhook("crm", body={"stage": "onboarded"}),
]


def test_every_step_kind_parses_into_its_typed_step() -> None:
    # Given a document using every step kind / When validated
    doc = document(steps=EVERY_KIND)
    # Then each step has its type, nested steps included, in document order
    assert [type(step) for step in doc.steps] == [
        EmailStep,
        WaitStep,
        WaitUntilStep,
        BranchStep,
        SplitStep,
        UpdateAttributeStep,
        WebhookStep,
    ]
    assert [step.id for step in doc.email_steps()] == ["welcome", "thanks", "reminder", "subject-a", "subject-b"]
    assert isinstance(doc.steps[3].branch.else_[1], ExitStep)  # type: ignore[union-attr]
    assert [(v.name, v.weight) for v in doc.steps[4].split] == [("a", 3), ("b", 1)]  # type: ignore[union-attr]
    assert doc.steps[2].wait_until.timeout.days == 3  # type: ignore[union-attr]


def test_a_document_with_every_kind_survives_its_canonical_form() -> None:
    doc = document(steps=EVERY_KIND)
    again = SequenceDocument.model_validate(doc.canonical())
    assert (again, again.content_hash()) == (doc, doc.content_hash())


def test_watched_events_are_what_steps_wait_for_or_branch_on_anywhere() -> None:
    doc = document(
        steps=[*EVERY_KIND, split("s", variant("x", [branch("inner", [], event="visited")]), variant("y", []))]
    )
    assert doc.watched_events() == ["paid", "visited"]


def test_an_email_only_inside_a_branch_counts_as_the_sequences_email() -> None:
    doc = document(steps=[wait("1d"), branch("b", [email("only")], event="paid")])
    assert [step.id for step in doc.email_steps()] == ["only"]


@pytest.mark.parametrize(
    "condition",
    [{}, {"opened": "welcome", "event": "paid"}, {"attribute": {}}, {"attribute": {"a": 1, "b": 2}}],
    ids=["none", "two", "empty-attribute", "two-attributes"],
)
def test_a_branch_condition_needs_exactly_one_test(condition: dict[str, Any]) -> None:
    data = document_data(steps=[email("welcome"), {"id": "b", "branch": {"if": condition, "then": []}}])
    assert _errors(data)


@pytest.mark.parametrize("test", ["opened", "clicked"])
def test_a_branch_on_an_email_that_does_not_exist_is_rejected(test: str) -> None:
    data = document_data(steps=[email("welcome"), {"id": "pause", "wait": "1d"}, branch("b", [], **{test: "pause"})])
    (error,) = _errors(data)
    assert "branch 'b' tests 'pause', which is not an email step" in error["msg"]


def test_step_ids_must_be_unique_across_nesting() -> None:
    data = document_data(steps=[email("hello"), branch("b", [email("hello")], event="paid")])
    (error,) = _errors(data)
    assert "repeated: hello" in error["msg"]


@pytest.mark.parametrize(
    "variants",
    [
        [variant("a", [], weight=0), variant("b", [], weight=0)],
        [variant("a", []), variant("a", [])],
        [variant("a", [])],
        [variant("a", [], weight=10_001), variant("b", [])],
        [variant("a", [], weight=-1), variant("b", [])],
    ],
    ids=["all-weights-zero", "duplicate-names", "one-variant", "weight-too-large", "negative-weight"],
)
def test_a_bad_split_is_rejected(variants: list[dict[str, Any]]) -> None:
    assert _errors(document_data(steps=[email("welcome"), split("s", *variants)]))


@pytest.mark.parametrize(
    "step",
    [
        {"id": "w", "webhook": {"url": "ftp://example.com/x"}},
        {"id": "w", "webhook": {"url": "not a url"}},
        {"webhook": {"url": "https://example.com/x"}},
        {"update_attribute": {}},
        {"update_attribute": {"1bad": "x"}},
        {"update_attribute": {"plan": ["a", "list"]}},
        {"exit": False},
        {"wait_until": {"event": "paid", "timeout": "0s"}},
        {"wait_until": {"event": "has space", "timeout": "1d"}},
        {"wait_until": {"event": "paid"}},
    ],
    ids=[
        "webhook-ftp",
        "webhook-not-a-url",
        "webhook-without-id",
        "update-nothing",
        "update-bad-name",
        "update-non-scalar",
        "exit-false",
        "wait-until-zero-timeout",
        "wait-until-bad-event",
        "wait-until-no-timeout",
    ],
)
def test_a_malformed_step_of_the_new_kinds_is_rejected(step: dict[str, Any]) -> None:
    errors = _errors(document_data(steps=[email("welcome"), step]))
    assert all(e["loc"][:2] == ("steps", 1) for e in errors)


# -- send window and re-enrollment ----------------------------------------------------------------------------------


def test_a_send_window_defaults_to_every_day_in_utc() -> None:
    doc = document(send_window={"from": "09:00", "to": "17:00"})
    assert doc.send_window is not None
    assert (doc.send_window.days, doc.send_window.timezone) == (
        ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        "UTC",
    )
    assert doc.canonical()["send_window"] == {
        "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        "from": "09:00",
        "to": "17:00",
        "timezone": "UTC",
    }


@pytest.mark.parametrize(
    "window",
    [
        {"from": "09:00", "to": "17:00", "timezone": "Mars/Olympus_Mons"},
        {"from": "17:00", "to": "09:00"},
        {"from": "09:00", "to": "09:00"},
        {"from": "09:00", "to": "17:00", "days": []},
        {"from": "09:00", "to": "17:00", "days": ["monday"]},
        {"from": "9am", "to": "17:00"},
    ],
    ids=["unknown-zone", "across-midnight", "empty", "no-days", "bad-day", "bad-time"],
)
def test_a_bad_send_window_is_rejected(window: dict[str, Any]) -> None:
    errors = _errors(document_data(send_window=window))
    assert all(e["loc"][0] == "send_window" for e in errors)


@pytest.mark.parametrize("policy", ["sometimes", "after", "after soon", "after -1d", "every 30d"])
def test_a_bad_reenroll_policy_is_rejected(policy: str) -> None:
    errors = _errors(document_data(reenroll=policy))
    assert [e["loc"] for e in errors] == [("reenroll",)]
