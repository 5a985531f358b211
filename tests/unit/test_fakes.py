"""The fakes honour the contracts of the ports they stand in for (otherwise the other tests prove nothing)."""

from dataclasses import replace
from datetime import timedelta

import pytest
from builders import document
from emailseq.domain.enrollment import Enrollment, EnrollmentStatus
from emailseq.domain.errors import Conflict
from emailseq.domain.ports import OutgoingEmail
from fakes import T0, TENANT, FakeClock, FakeEnrollmentStore, FakeMailSender, FakeOnceOnly, ProviderError, World


def _enrollment(contact_id: str = "c1", due_in: timedelta = timedelta(0)) -> Enrollment:
    return replace(Enrollment.start(TENANT, contact_id, document(), 1, T0), due_at=T0 + due_in)


def test_clock_is_set_and_advanced_only_when_told() -> None:
    clock = FakeClock()
    assert clock.now() == clock.now() == T0
    assert clock.advance(hours=2) == T0 + timedelta(hours=2)
    clock.set(T0 + timedelta(days=9))
    assert clock.now() == T0 + timedelta(days=9)


def test_store_create_refuses_a_second_enrollment_for_the_same_contact_and_sequence() -> None:
    store = FakeEnrollmentStore()
    assert store.create(_enrollment()) is True
    assert store.create(replace(_enrollment(), generation=2)) is False
    assert store.get(TENANT, "c1", "onboarding").generation == 1  # type: ignore[union-attr]
    assert store.counts(TENANT, "onboarding").enrolled == 1


def test_store_replace_succeeds_only_from_the_stored_state_and_counts_sends_and_end_states() -> None:
    store = FakeEnrollmentStore()
    first = _enrollment()
    store.create(first)
    advanced = replace(first, cursor=2)
    # A writer holding the stored state wins, counting the step
    assert store.replace(first, advanced, sent_step="welcome") is True
    # A writer still holding the old state (cursor, status or generation differs) loses and counts nothing
    assert store.replace(first, replace(first, cursor=4), sent_step="welcome") is False
    assert store.replace(replace(advanced, generation=2), advanced.converted()) is False
    assert store.replace(replace(advanced, status=EnrollmentStatus.EXITED), advanced.converted()) is False
    # Reaching an end state is counted once
    assert store.replace(advanced, advanced.converted()) is True
    counts = store.counts(TENANT, "onboarding")
    assert (counts.steps["welcome"].sent, counts.converted, counts.completed, counts.exited) == (1, 1, 0, 0)
    # Nothing is replaced that was never created
    assert store.replace(_enrollment("ghost"), _enrollment("ghost").exited()) is False


def test_store_due_returns_active_enrollments_due_by_now_oldest_first_up_to_the_limit() -> None:
    store = FakeEnrollmentStore()
    for contact_id, minutes in (("late", -5), ("now", 0), ("soon", 1), ("later", -1)):
        store.create(_enrollment(contact_id, timedelta(minutes=minutes)))
    store.replace(_enrollment("later", timedelta(minutes=-1)), _enrollment("later").exited())
    assert [e.contact_id for e in store.due(T0, 10)] == ["late", "now"]
    assert [e.contact_id for e in store.due(T0, 1)] == ["late"]


def test_store_lease_moves_due_at_and_fails_if_it_moved_meanwhile() -> None:
    store = FakeEnrollmentStore()
    seen = _enrollment()
    store.create(seen)
    assert store.lease(seen, T0 + timedelta(minutes=15)) is True
    assert store.get(TENANT, "c1", "onboarding").due_at == T0 + timedelta(minutes=15)  # type: ignore[union-attr]
    # The same stale read cannot lease it a second time
    assert store.lease(seen, T0 + timedelta(minutes=30)) is False
    assert store.lease(replace(seen, due_at=None), T0) is False


def test_sequence_repository_refuses_to_overwrite_a_version() -> None:
    world = World()
    world.given_sequence(document())
    with pytest.raises(Conflict):
        world.given_sequence(document(name="Other"))


def test_once_only_runs_an_action_once_per_key_and_forgets_failures() -> None:
    once = FakeOnceOnly()
    assert once.run("k", lambda: "first") == "first"
    assert once.run("k", lambda: "second") == "first"
    assert once.runs == 1

    def boom() -> str:
        raise ProviderError("down")

    with pytest.raises(ProviderError):
        once.run("j", boom)
    assert once.run("j", lambda: "after") == "after"


def test_mail_sender_fails_the_requested_number_of_times_then_records() -> None:
    mailer = FakeMailSender(fail_times=2)
    email = OutgoingEmail(to="ada@example.com", subject="Hi", html="<p>Hi</p>", text="Hi")
    for _ in range(2):
        with pytest.raises(ProviderError):
            mailer.send(email)
    assert mailer.send(email) == "provider-1"
    assert (mailer.attempts, mailer.sent) == (3, [email])
