"""The enrollment value: start, ending (completed / converted / exited) and the re-enrollment policy."""

from dataclasses import replace
from datetime import timedelta

import pytest
from builders import branch, document, email, sequence, wait, wait_until
from emailseq.domain.enrollment import Enrollment, EnrollmentStatus, Facts
from fakes import T0, TENANT

# -- start --------------------------------------------------------------------------------------------------------


def test_start_is_an_active_enrollment_at_the_first_instruction_due_now() -> None:
    # Given the onboarding sequence at version 3 / When a contact starts it
    enrollment = Enrollment.start(TENANT, "contact-1", document(), 3, T0)
    # Then it is active, generation 1, at instruction 0, due now, pinned to version 3, watching the goal event
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
        step_started_at=T0,
        waiting_for=None,
        watch_events=(),
        ended_at=None,
        facts=Facts(),
    )
    assert enrollment.is_active
    assert enrollment.enrollment_id == "onboarding:contact-1:1"


def test_start_of_a_sequence_opening_with_a_wait_is_still_due_now_at_the_wait() -> None:
    # Given a sequence that waits an hour before its first email / When started
    enrollment = Enrollment.start(TENANT, "c", sequence(wait("1h"), email("a")), 1, T0)
    # Then the engine looks at it at once (the wait itself puts it to sleep), from instruction 0
    assert (enrollment.cursor, enrollment.due_at) == (0, T0)


def test_start_of_a_later_generation_names_it_in_the_enrollment_id() -> None:
    enrollment = Enrollment.start(TENANT, "c", document(), 1, T0, generation=4)
    assert (enrollment.generation, enrollment.enrollment_id) == (4, "onboarding:c:4")


def test_start_without_a_goal_watches_no_goal_event() -> None:
    assert Enrollment.start(TENANT, "c", document(goal=None), 1, T0).goal_event is None


def test_start_watches_the_events_steps_wait_for_or_branch_on_sorted_and_once() -> None:
    # Given steps waiting for `paid`, and branches on `paid` and `visited` (one nested in a branch)
    doc = sequence(
        email("a"),
        wait_until("paid", "1d"),
        branch("b1", [branch("b2", [email("c")], event="visited")], event="paid"),
        branch("b3", [email("d")], opened="a"),
    )
    # When started / Then it watches exactly those event types (not the opened test)
    assert Enrollment.start(TENANT, "c", doc, 1, T0).watch_events == ("paid", "visited")


# -- ending -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("end", "status"),
    [
        (lambda e, now: e.converted(now), EnrollmentStatus.CONVERTED),
        (lambda e, now: e.exited(now), EnrollmentStatus.EXITED),
        (lambda e, now: e.ended(EnrollmentStatus.COMPLETED, now), EnrollmentStatus.COMPLETED),
    ],
    ids=["converted", "exited", "completed"],
)
def test_ending_stamps_the_time_and_clears_due_and_waiting(end: object, status: EnrollmentStatus) -> None:
    # Given an enrollment waiting for an event at instruction 3
    enrollment = replace(Enrollment.start(TENANT, "c", document(), 1, T0), cursor=3, waiting_for="paid")
    # When it ends an hour later
    ended = end(enrollment, T0 + timedelta(hours=1))  # type: ignore[operator]
    # Then it is no longer active, nothing is due or awaited, the end is stamped, and the cursor stays
    assert (ended.status, ended.is_active, ended.due_at, ended.waiting_for) == (status, False, None, None)
    assert (ended.ended_at, ended.cursor) == (T0 + timedelta(hours=1), 3)


def test_transitions_return_new_values_and_leave_the_original_untouched() -> None:
    enrollment = Enrollment.start(TENANT, "c", document(), 1, T0)
    enrollment.converted(T0)
    enrollment.exited(T0)
    assert (enrollment.status, enrollment.due_at, enrollment.ended_at) == (EnrollmentStatus.ACTIVE, T0, None)


# -- re-enrollment --------------------------------------------------------------------------------------------------


def test_reenrollment_is_allowed_only_once_the_policy_duration_has_passed_since_the_end() -> None:
    # Given a sequence re-enrolling after 30d, and an enrollment that completed at T0
    doc = document(reenroll="after 30d")
    ended = Enrollment.start(TENANT, "c", doc, 1, T0 - timedelta(days=5)).ended(EnrollmentStatus.COMPLETED, T0)
    # Then it may not re-enroll a second before 30 days, and may from exactly 30 days on
    assert not ended.may_reenroll(doc, T0 + timedelta(days=30) - timedelta(seconds=1))
    assert ended.may_reenroll(doc, T0 + timedelta(days=30))
    assert ended.may_reenroll(doc, T0 + timedelta(days=400))


def test_an_active_enrollment_never_reenrolls() -> None:
    doc = document(reenroll="after 1d")
    assert not Enrollment.start(TENANT, "c", doc, 1, T0).may_reenroll(doc, T0 + timedelta(days=99))


def test_a_sequence_that_never_reenrolls_keeps_ended_enrollments_ended() -> None:
    # Given the default policy (never) and a converted enrollment / Then even years later it may not re-enroll
    doc = document()
    assert doc.reenroll == "never"
    converted = Enrollment.start(TENANT, "c", doc, 1, T0).converted(T0)
    assert not converted.may_reenroll(doc, T0 + timedelta(days=3650))


@pytest.mark.parametrize(
    ("policy", "after"), [("never", None), ("after 30d", timedelta(days=30)), (" after 2w ", timedelta(weeks=2))]
)
def test_the_reenroll_policy_reads_as_a_duration(policy: str, after: timedelta | None) -> None:
    assert document(reenroll=policy).reenroll_after == after
