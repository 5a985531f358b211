"""advance(): from an enrollment, its document, the contact and the moment, the next effect or the reason to sleep."""

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from builders import (
    branch,
    email,
    exit_step,
    sequence,
    split,
    started,
    update_attribute,
    variant,
    view,
    wait,
    wait_until,
    webhook,
)
from emailseq.domain.engine import CallWebhook, ContactView, SendEmail, Transition, UpdateAttributes, advance
from emailseq.domain.enrollment import Enrollment, EnrollmentStatus, Facts
from emailseq.domain.sequence import SequenceDocument
from fakes import T0

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def _sent(transition: Transition) -> str | None:
    """The id of the email the transition sends, if it sends one."""
    return transition.effect.step.id if isinstance(transition.effect, SendEmail) else None


def _run_to_sleep(doc: SequenceDocument, enrollment: Enrollment, contact: ContactView, now: Any) -> list[str]:
    """Advance (as the step worker does, effects assumed done) until no effect: the emails sent on the way."""
    sent: list[str] = []
    while True:
        transition = advance(enrollment, doc, contact, now)
        enrollment = transition.after
        if transition.effect is None:
            return sent
        if (step_id := _sent(transition)) is not None:
            sent.append(step_id)


# -- email ------------------------------------------------------------------------------------------------------


def test_an_email_step_is_an_effect_and_moves_the_cursor_past_it() -> None:
    # Given a fresh enrollment in email, wait, email
    doc = sequence(email("welcome"), wait("2d"), email("tips"))
    enrollment = started(doc)
    # When advanced a minute later
    now = T0 + timedelta(minutes=1)
    transition = advance(enrollment, doc, view(), now)
    # Then the effect is sending `welcome`, belonging to instruction 0, and the enrollment is at 1, due now
    assert transition.effect == SendEmail(doc.steps[0])  # type: ignore[arg-type]
    assert transition.effect_at == 0
    after = transition.after
    assert (after.cursor, after.due_at, after.step_started_at, after.status) == (1, now, now, EnrollmentStatus.ACTIVE)


def test_advance_is_pure_and_leaves_its_input_untouched() -> None:
    doc = sequence(email("welcome"))
    enrollment = started(doc)
    advance(enrollment, doc, view(), T0)
    assert enrollment == started(doc)


def test_two_emails_in_a_row_are_two_effects_one_at_a_time() -> None:
    doc = sequence(email("a"), email("b"))
    first = advance(started(doc), doc, view(), T0)
    second = advance(first.after, doc, view(), T0)
    assert [(_sent(first), first.effect_at), (_sent(second), second.effect_at)] == [("a", 0), ("b", 1)]


# -- wait ---------------------------------------------------------------------------------------------------------


def test_a_wait_sleeps_past_itself_and_the_next_step_runs_once_it_is_over() -> None:
    # Given an enrollment that sent `a` and stands at the 2-day wait
    doc = sequence(email("a"), wait("2d"), email("b"))
    at_wait = advance(started(doc), doc, view(), T0).after
    # When advanced / Then no effect: it sleeps at the email after the wait, due two days later
    sleeping = advance(at_wait, doc, view(), T0)
    assert sleeping.effect is None
    assert (sleeping.after.cursor, sleeping.after.due_at) == (2, T0 + 2 * DAY)
    # And when advanced at that time it sends `b`
    assert _sent(advance(sleeping.after, doc, view(), T0 + 2 * DAY)) == "b"


# -- wait_until -----------------------------------------------------------------------------------------------------


def _at_wait_until(events: frozenset[str] = frozenset(), started_at: Any = T0) -> tuple[SequenceDocument, Enrollment]:
    doc = sequence(email("a"), wait_until("paid", "3d"), email("b"))
    enrollment = started(doc, cursor=1, step_started_at=started_at, facts=Facts(events=events))
    return doc, enrollment


def test_wait_until_sleeps_waiting_for_its_event_until_the_timeout() -> None:
    # Given an enrollment that reached `wait_until paid (3d)` at T0, without the event
    doc, enrollment = _at_wait_until()
    # When advanced a day later / Then it sleeps at the wait_until, waiting for `paid`, due at the timeout
    transition = advance(enrollment, doc, view(), T0 + DAY)
    assert transition.effect is None
    after = transition.after
    assert (after.cursor, after.waiting_for, after.due_at) == (1, "paid", T0 + 3 * DAY)


def test_wait_until_goes_on_at_once_when_the_event_is_already_among_the_facts() -> None:
    # Given the awaited event was seen (recorded as a fact) / When advanced
    doc, enrollment = _at_wait_until(events=frozenset({"paid"}))
    transition = advance(enrollment, doc, view(), T0 + HOUR)
    # Then it continues straight to the next email, and waits for nothing any more
    assert _sent(transition) == "b"
    assert transition.after.waiting_for is None


def test_wait_until_goes_on_at_the_timeout_without_the_event() -> None:
    doc, enrollment = _at_wait_until()
    sleeping = advance(enrollment, doc, view(), T0).after
    # When advanced exactly at the timeout / Then it continues to the next email
    assert _sent(advance(sleeping, doc, view(), T0 + 3 * DAY)) == "b"


def test_wait_until_ignores_other_events() -> None:
    doc, enrollment = _at_wait_until(events=frozenset({"visited"}))
    assert advance(enrollment, doc, view(), T0 + HOUR).after.waiting_for == "paid"


def test_wait_until_reached_by_the_engine_times_out_from_the_moment_it_was_reached() -> None:
    # Given an email followed by a 3-day wait_until, advanced from the start at T0
    doc = sequence(email("a"), wait_until("paid", "3d"), email("b"))
    after_email = advance(started(doc), doc, view(), T0 + HOUR).after
    # When advanced on / Then it waits three days from when it reached the wait_until
    assert advance(after_email, doc, view(), T0 + HOUR).after.due_at == T0 + HOUR + 3 * DAY


def test_a_wait_until_after_a_wait_counts_its_timeout_from_the_end_of_the_wait() -> None:
    # Given a 2-day wait followed by `wait_until paid, timeout 3d`
    doc = sequence(email("a"), wait("2d"), wait_until("paid", "3d"), email("b"))
    at_wait = advance(started(doc), doc, view(), T0).after
    sleeping = advance(at_wait, doc, view(), T0).after  # at the wait_until, due T0 + 2d
    # When the wait is over and the engine looks at the wait_until
    waiting = advance(sleeping, doc, view(), T0 + 2 * DAY).after
    # Then it waits for `paid` until 3 days after it was reached (T0 + 5d), not T0 + 3d
    assert (waiting.waiting_for, waiting.due_at) == ("paid", T0 + 5 * DAY)


# -- branch ---------------------------------------------------------------------------------------------------------


def _branch_doc(**condition: Any) -> SequenceDocument:
    return sequence(email("welcome"), branch("b", [email("yes")], [email("no")], **condition), email("after"))


@pytest.mark.parametrize(
    ("condition", "facts", "attributes", "expected"),
    [
        ({"opened": "welcome"}, Facts(opened=frozenset({"welcome"})), {}, "yes"),
        ({"opened": "welcome"}, Facts(clicked=frozenset({"welcome"})), {}, "no"),
        ({"clicked": "welcome"}, Facts(clicked=frozenset({"welcome"})), {}, "yes"),
        ({"clicked": "welcome"}, Facts(opened=frozenset({"welcome"})), {}, "no"),
        ({"event": "paid"}, Facts(events=frozenset({"paid"})), {}, "yes"),
        ({"event": "paid"}, Facts(events=frozenset({"visited"})), {}, "no"),
        ({"attribute": {"plan": "pro"}}, Facts(), {"plan": "pro"}, "yes"),
        ({"attribute": {"plan": "pro"}}, Facts(), {"plan": "free"}, "no"),
        ({"attribute": {"plan": "pro"}}, Facts(), {}, "no"),
        ({"attribute": {"vip": True}}, Facts(), {"vip": True}, "yes"),
        ({"attribute": {"vip": True}}, Facts(), {"vip": 1}, "no"),
        ({"attribute": {"seats": 5}}, Facts(), {"seats": 5.0}, "yes"),
        ({"attribute": {"plan": None}}, Facts(), {}, "yes"),
    ],
    ids=[
        "opened-yes",
        "opened-no",
        "clicked-yes",
        "clicked-no",
        "event-yes",
        "event-no",
        "attribute-yes",
        "attribute-other-value",
        "attribute-missing",
        "attribute-true",
        "attribute-true-is-not-1",
        "attribute-5-is-5.0",
        "attribute-null-matches-missing",
    ],
)
def test_a_branch_takes_then_when_its_condition_holds_and_else_otherwise(
    condition: dict[str, Any], facts: Facts, attributes: dict[str, Any], expected: str
) -> None:
    # Given an enrollment that sent `welcome` and stands at the branch, with these facts and contact attributes
    doc = _branch_doc(**condition)
    enrollment = started(doc, cursor=1, facts=facts)
    # When advanced / Then the email sent is the one of the branch the condition picks
    transition = advance(enrollment, doc, view(**attributes), T0)
    assert _sent(transition) == expected


@pytest.mark.parametrize(("opened", "path"), [(True, ["yes", "after"]), (False, ["no", "after"])])
def test_both_branches_join_again_after_the_branch(opened: bool, path: list[str]) -> None:
    doc = _branch_doc(opened="welcome")
    facts = Facts(opened=frozenset({"welcome"} if opened else set()))
    assert _run_to_sleep(doc, started(doc, cursor=1, facts=facts), view(), T0) == path


def test_an_empty_then_falls_through_to_the_step_after_the_branch() -> None:
    doc = sequence(email("a"), branch("b", [], [email("no")], event="paid"), email("z"))
    facts = Facts(events=frozenset({"paid"}))
    assert _run_to_sleep(doc, started(doc, cursor=1, facts=facts), view(), T0) == ["z"]


# -- split ----------------------------------------------------------------------------------------------------------

SPLIT = sequence(
    split(
        "ab",
        variant("a", [email("va")], weight=1),
        variant("b", [email("vb")], weight=3),
        variant("c", [email("vc")], weight=0),
    ),
    email("after"),
)


def _variant_of(contact_id: str, doc: SequenceDocument = SPLIT) -> str | None:
    return _sent(advance(started(doc, contact_id), doc, view(contact_id), T0))


def test_a_split_puts_the_same_contact_in_the_same_variant_every_time() -> None:
    # Given a few contacts / When each is advanced through the split repeatedly, at other times
    for contact_id in ("ada", "bob", "cy", "dee"):
        picks = {_sent(advance(started(SPLIT, contact_id), SPLIT, view(contact_id), T0 + n * HOUR)) for n in range(5)}
        # Then each always lands in one and the same variant
        assert len(picks) == 1


def test_a_split_follows_its_weights_over_many_contacts_and_never_picks_a_zero_weight() -> None:
    # Given 10,000 contacts through a 1 : 3 : 0 split
    picks = Counter(_variant_of(f"contact-{n}") for n in range(10_000))
    # Then about a quarter get `va`, three quarters `vb` (within 2 percentage points), and nobody `vc`
    assert picks["vc"] == 0
    assert abs(picks["va"] / 10_000 - 0.25) < 0.02
    assert abs(picks["vb"] / 10_000 - 0.75) < 0.02


def test_a_contacts_variant_depends_on_the_split_so_two_splits_are_independent() -> None:
    # Given a second split identical but for its id / Then at least some contacts land differently in it
    other = sequence(
        split("other", variant("a", [email("va")], weight=1), variant("b", [email("vb")], weight=1)),
        email("after"),
    )
    even = sequence(split("ab", variant("a", [email("va")], weight=1), variant("b", [email("vb")], weight=1)))
    different = sum(_variant_of(f"c{n}", even) != _variant_of(f"c{n}", other) for n in range(200))
    assert 50 < different < 150


def test_every_variant_rejoins_the_steps_after_the_split() -> None:
    assert _run_to_sleep(SPLIT, started(SPLIT, "ada"), view("ada"), T0)[1:] == ["after"]


# -- update_attribute, webhook, exit, end ------------------------------------------------------------------------------


def test_update_attribute_is_an_effect_of_its_instruction() -> None:
    doc = sequence(email("a"), update_attribute("tag", plan="pro", score=3))
    transition = advance(started(doc, cursor=1), doc, view(), T0)
    assert transition.effect == UpdateAttributes(doc.steps[1])  # type: ignore[arg-type]
    assert (transition.effect_at, transition.after.cursor) == (1, 2)


def test_a_webhook_is_an_effect_of_its_instruction() -> None:
    doc = sequence(email("a"), webhook("crm", body={"stage": "lead"}))
    transition = advance(started(doc, cursor=1), doc, view(), T0)
    assert isinstance(transition.effect, CallWebhook)
    assert (transition.effect.step.id, transition.effect_at, transition.after.cursor) == ("crm", 1, 2)
    assert str(transition.effect.step.webhook.url) == "https://hooks.example.com/crm"


def test_exit_ends_the_enrollment_without_an_effect_and_skips_what_follows() -> None:
    # Given a branch that exits contacts who already paid
    doc = sequence(email("a"), branch("b", [exit_step()], event="paid"), email("z"))
    enrollment = started(doc, cursor=1, facts=Facts(events=frozenset({"paid"})))
    # When advanced / Then it exited now: nothing sent, nothing due
    transition = advance(enrollment, doc, view(), T0 + HOUR)
    assert transition.effect is None
    after = transition.after
    assert (after.status, after.due_at, after.ended_at) == (EnrollmentStatus.EXITED, None, T0 + HOUR)


def test_running_off_the_end_of_the_program_completes_the_enrollment() -> None:
    # Given the last email sent / When advanced / Then completed now, with nothing due
    doc = sequence(email("a"), wait("1d"))
    after_wait = _advance_twice(doc)
    transition = advance(after_wait, doc, view(), T0 + DAY)
    assert transition.effect is None
    assert (transition.after.status, transition.after.due_at) == (EnrollmentStatus.COMPLETED, None)
    assert transition.after.ended_at == T0 + DAY


def _advance_twice(doc: SequenceDocument) -> Enrollment:
    sent = advance(started(doc), doc, view(), T0).after
    return advance(sent, doc, view(), T0).after  # at the end, due after the trailing wait


def test_an_ended_enrollment_does_not_move() -> None:
    doc = sequence(email("a"))
    converted = started(doc).converted(T0)
    transition = advance(converted, doc, view(), T0 + DAY)
    assert (transition.after, transition.effect) == (converted, None)


# -- the send window ------------------------------------------------------------------------------------------------


def test_an_email_outside_the_send_window_sleeps_at_the_email_until_the_window_opens() -> None:
    # Given weekday 09:00-17:00 UTC sending, and an email due on Saturday noon
    window = {"days": ["mon", "tue", "wed", "thu", "fri"], "from": "09:00", "to": "17:00"}
    doc = sequence(email("a"), send_window=window)
    saturday = T0 + 5 * DAY + 3 * HOUR  # T0 is Monday 09:00 UTC
    transition = advance(started(doc, at=saturday), doc, view(), saturday)
    # Then nothing is sent and it is due at the email on Monday 09:00
    assert transition.effect is None
    assert (transition.after.cursor, transition.after.due_at) == (0, T0 + 7 * DAY)
    # And on Monday it sends
    assert _sent(advance(transition.after, doc, view(), T0 + 7 * DAY)) == "a"


def test_the_send_window_is_read_in_the_contacts_timezone() -> None:
    # Given 09:00-17:00 sending and a contact in Tokyo (UTC+9), at Monday 09:00 UTC (18:00 in Tokyo)
    doc = sequence(email("a"), send_window={"from": "09:00", "to": "17:00"})
    transition = advance(started(doc), doc, view(timezone="Asia/Tokyo"), T0)
    # Then the email waits for 09:00 Tokyo on Tuesday, i.e. 00:00 UTC
    assert transition.effect is None
    assert transition.after.due_at == T0 + 15 * HOUR
