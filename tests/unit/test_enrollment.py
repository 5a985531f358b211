"""The enrollment state machine: plan_from folding waits, start, after_send, converted and exited."""

from dataclasses import replace
from datetime import timedelta

import pytest
from builders import document, email, wait
from emailseq.domain.enrollment import Enrollment, EnrollmentStatus, NextStep, plan_from
from fakes import T0, TENANT

# -- plan_from ----------------------------------------------------------------------------------------------------


def test_plan_from_an_email_step_is_due_now() -> None:
    # Given the onboarding document, whose step 0 is an email / When planned from 0 / Then due at `now`
    assert plan_from(document(), 0, T0) == NextStep(cursor=0, due_at=T0)


def test_plan_from_folds_every_wait_before_the_next_email_into_its_due_time() -> None:
    # Given email, wait 1d, wait 2h, wait 30m, email
    doc = document(steps=[email("a"), wait("1d"), wait("2h"), wait("30m"), email("b")])
    # When planned from the first wait / Then the cursor skips to the email and the waits add up
    assert plan_from(doc, 1, T0) == NextStep(cursor=4, due_at=T0 + timedelta(days=1, hours=2, minutes=30))


def test_plan_from_past_the_last_email_is_finished() -> None:
    # Given a document ending on a wait / When planned from after the last email
    doc = document(steps=[email("a"), wait("1d")])
    # Then there is no next step: the cursor is past the end and nothing is due
    assert plan_from(doc, 1, T0) == NextStep(cursor=2, due_at=None)
    assert plan_from(doc, 2, T0) == NextStep(cursor=2, due_at=None)


# -- start --------------------------------------------------------------------------------------------------------


def test_start_positions_an_active_enrollment_at_the_first_email_due_now() -> None:
    # Given the onboarding sequence at version 3 / When a contact starts it
    enrollment = Enrollment.start(TENANT, "contact-1", document(), 3, T0)
    # Then it is active, generation 1, at step 0, due now, pinned to version 3, watching the goal event
    assert enrollment == Enrollment(
        tenant_id=TENANT,
        contact_id="contact-1",
        sequence_id="onboarding",
        version=3,
        generation=1,
        cursor=0,
        status=EnrollmentStatus.ACTIVE,
        due_at=T0,
        enrolled_at=T0,
        goal_event="upgraded",
    )
    assert enrollment.is_active
    assert enrollment.enrollment_id == "onboarding:contact-1:1"


def test_start_of_a_sequence_opening_with_a_wait_is_due_after_it() -> None:
    # Given a sequence that waits an hour before its first email / When started
    enrollment = Enrollment.start(TENANT, "c", document(steps=[wait("1h"), email("a")]), 1, T0)
    # Then the cursor is on the email and it is due an hour later
    assert (enrollment.cursor, enrollment.due_at) == (1, T0 + timedelta(hours=1))


def test_start_without_a_goal_watches_no_event() -> None:
    assert Enrollment.start(TENANT, "c", document(goal=None), 1, T0).goal_event is None


# -- current_step -------------------------------------------------------------------------------------------------


def test_current_step_is_the_email_at_the_cursor() -> None:
    doc = document()
    enrollment = Enrollment.start(TENANT, "c", doc, 1, T0)
    assert enrollment.current_step(doc).id == "welcome"


def test_current_step_refuses_a_cursor_on_a_wait() -> None:
    # Given an enrollment whose cursor was (wrongly) left on a wait step / When asked for its step
    doc = document()
    misplaced = replace(Enrollment.start(TENANT, "c", doc, 1, T0), cursor=1)
    # Then it refuses rather than send something
    with pytest.raises(ValueError, match="non-email step 1"):
        misplaced.current_step(doc)


# -- after_send ---------------------------------------------------------------------------------------------------


def test_after_send_moves_to_the_next_email_with_the_wait_applied() -> None:
    # Given an enrollment at the welcome email, sent a day after it was due
    doc = document()
    enrollment = Enrollment.start(TENANT, "c", doc, 1, T0)
    sent_at = T0 + timedelta(days=1)
    # When the email went out
    after = enrollment.after_send(doc, sent_at)
    # Then it is at `tips` (step 2), due 2 days after the send, still active, and nothing else changed
    assert (after.cursor, after.due_at, after.status) == (2, sent_at + timedelta(days=2), EnrollmentStatus.ACTIVE)
    assert (after.generation, after.version, after.enrolled_at, after.goal_event) == (1, 1, T0, "upgraded")


def test_after_send_of_back_to_back_emails_is_due_immediately() -> None:
    doc = document(steps=[email("a"), email("b")])
    after = Enrollment.start(TENANT, "c", doc, 1, T0).after_send(doc, T0)
    assert (after.cursor, after.due_at, after.is_active) == (1, T0, True)


@pytest.mark.parametrize(
    "steps",
    [[email("a")], [email("a"), wait("1d")]],
    ids=["last-step-is-the-email", "only-a-wait-follows"],
)
def test_after_send_of_the_last_email_completes_the_enrollment(steps: list[dict[str, object]]) -> None:
    # Given an enrollment at the last email (possibly followed only by a wait) / When it is sent
    doc = document(steps=steps)
    after = Enrollment.start(TENANT, "c", doc, 1, T0).after_send(doc, T0)
    # Then it is completed: not active, nothing due, cursor past the end
    assert (after.status, after.due_at, after.cursor) == (EnrollmentStatus.COMPLETED, None, len(steps))
    assert not after.is_active


# -- ending -------------------------------------------------------------------------------------------------------


def test_converted_ends_the_enrollment_and_clears_its_due_time() -> None:
    enrollment = Enrollment.start(TENANT, "c", document(), 1, T0)
    converted = enrollment.converted()
    assert (converted.status, converted.due_at, converted.is_active) == (EnrollmentStatus.CONVERTED, None, False)
    assert converted.cursor == enrollment.cursor


def test_exited_ends_the_enrollment_and_clears_its_due_time() -> None:
    exited = Enrollment.start(TENANT, "c", document(), 1, T0).exited()
    assert (exited.status, exited.due_at, exited.is_active) == (EnrollmentStatus.EXITED, None, False)


def test_transitions_return_new_values_and_leave_the_original_untouched() -> None:
    doc = document()
    enrollment = Enrollment.start(TENANT, "c", doc, 1, T0)
    enrollment.after_send(doc, T0)
    enrollment.converted()
    assert (enrollment.cursor, enrollment.status, enrollment.due_at) == (0, EnrollmentStatus.ACTIVE, T0)
