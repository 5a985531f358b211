"""Pausing, resuming and archiving a sequence: what triggers, the step worker and manual enrollment then do."""

from datetime import timedelta

import pytest
from builders import contact_event, document, email, sequence, wait
from emailseq.domain.enrollment import SEND_LEASE, EnrollmentStatus
from emailseq.domain.errors import NotFound
from emailseq.domain.messages import ContactData
from emailseq.logic.enroll import enroll_contact, handle_contact_event
from emailseq.logic.run_step import run_step
from emailseq.logic.sequences import apply_sequence
from fakes import T0, TENANT, World


def _contact_id(world: World) -> str:
    (contact,) = world.contacts.contacts.values()
    return contact.contact_id


def test_a_paused_sequence_enrolls_nobody_and_a_resumed_one_does_again(world: World) -> None:
    # Given the onboarding sequence, paused
    world.given_sequence(document())
    world.sequences.set_status(TENANT, "onboarding", "paused")
    # When a contact signs up / Then nobody is enrolled
    assert handle_contact_event(world.enroll_ports(), contact_event(event_id="e1")) == []
    assert world.enrollments.rows == {}
    # When it is resumed and another contact signs up / Then that one is enrolled
    world.sequences.set_status(TENANT, "onboarding", "active")
    assert len(handle_contact_event(world.enroll_ports(), contact_event(event_id="e2", address="bo@example.com"))) == 1


def test_a_paused_sequence_holds_running_enrollments_where_they_are_until_resumed(world: World) -> None:
    # Given ada enrolled and her first order queued, then the sequence paused
    world.given_sequence(document())
    handle_contact_event(world.enroll_ports(), contact_event())
    (order,) = world.queue.orders
    world.delivered = 1
    world.sequences.set_status(TENANT, "onboarding", "paused")
    before = world.enrollments.get(TENANT, order.contact_id, "onboarding")
    # When the order runs / Then nothing is sent and the enrollment stays as it was
    assert run_step(world.step_ports(), order) == []
    assert world.mailer.sent == []
    assert world.enrollments.get(TENANT, order.contact_id, "onboarding") == before
    # And while paused, every lease that runs out offers it again, still without a send
    world.clock.advance(SEND_LEASE)
    world.tick()
    assert world.mailer.sent == []
    # When resumed, the next offer after the lease sends the welcome email
    world.sequences.set_status(TENANT, "onboarding", "active")
    world.clock.advance(SEND_LEASE)
    world.tick()
    assert [e.subject for e in world.mailer.sent] == ["Welcome, there"]


def test_a_new_version_of_a_paused_sequence_stays_paused(world: World) -> None:
    # Given a paused sequence / When a changed document is applied
    apply_sequence(world.sequences, world.clock, TENANT, document())
    world.sequences.set_status(TENANT, "onboarding", "paused")
    applied = apply_sequence(world.sequences, world.clock, TENANT, document(steps=[email("other")]))
    # Then version 2 is current but paused, and triggers enroll nobody
    assert applied.stored.version == 2
    assert world.sequences.status(TENANT, "onboarding") == "paused"
    assert world.sequences.current(TENANT, "onboarding").status == "paused"  # type: ignore[union-attr]
    assert handle_contact_event(world.enroll_ports(), contact_event()) == []


def test_archiving_exits_running_enrollments_when_their_step_comes(world: World) -> None:
    # Given ada sleeping in a wait, then the sequence archived
    world.given_sequence(sequence(email("a"), wait("1d"), email("b")))
    handle_contact_event(world.enroll_ports(), contact_event())
    world.deliver()
    world.sequences.set_status(TENANT, "onboarding", "archived")
    # When the wait is over and the scheduler runs
    world.clock.advance(days=1)
    world.tick()
    # Then `b` is not sent, and the enrollment exited then (counted)
    enrollment = world.enrollments.get(TENANT, _contact_id(world), "onboarding")
    assert enrollment is not None
    assert (enrollment.status, enrollment.ended_at) == (EnrollmentStatus.EXITED, T0 + timedelta(days=1))
    assert len(world.mailer.sent) == 1
    assert world.sequences.counts(TENANT, "onboarding").exited == 1


@pytest.mark.parametrize("status", ["paused", "archived"])
def test_manual_enrollment_needs_an_active_sequence(world: World, status: str) -> None:
    world.given_sequence(document())
    world.sequences.set_status(TENANT, "onboarding", status)
    with pytest.raises(NotFound):
        enroll_contact(world.enroll_ports(), TENANT, "onboarding", ContactData(email="ada@example.com"))
    assert world.enrollments.rows == {}


def test_set_status_of_an_unknown_sequence_is_none(world: World) -> None:
    assert world.sequences.set_status(TENANT, "nope", "paused") is None
    assert world.sequences.status(TENANT, "nope") is None
