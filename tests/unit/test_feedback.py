"""Bounces and complaints: hard bounces and complaints suppress the contact, soft bounces are only counted."""

import pytest
from builders import contact_event, email, sequence, wait
from emailseq.domain.enrollment import EnrollmentStatus
from emailseq.domain.messages import DeliveryFeedback
from emailseq.logic.enroll import handle_contact_event
from emailseq.logic.feedback import FeedbackPorts, handle_feedback
from fakes import T0, TENANT, World


def _feedback(kind: str, contact_id: str) -> DeliveryFeedback:
    return DeliveryFeedback(kind=kind, tenant_id=TENANT, contact_id=contact_id, message_id="provider-1")  # type: ignore[arg-type]


def _ada_after_first_email(world: World) -> str:
    world.given_sequence(sequence(email("a"), wait("1d"), email("b")))
    handle_contact_event(world.enroll_ports(), contact_event())
    world.deliver()
    (contact,) = world.contacts.contacts.values()
    return contact.contact_id


@pytest.mark.parametrize("kind", ["hard_bounce", "complaint"])
def test_a_hard_bounce_or_complaint_suppresses_the_contact_once_and_stops_her_sequences(
    world: World, kind: str
) -> None:
    # Given ada got the first email of a sequence
    contact_id = _ada_after_first_email(world)
    ports = FeedbackPorts(contacts=world.contacts, clock=world.clock)
    # When the provider reports it bounced hard (or she complained), twice
    first, again = (
        handle_feedback(ports, _feedback(kind, contact_id)),
        handle_feedback(ports, _feedback(kind, contact_id)),
    )
    # Then she is suppressed once, with the reason kept
    assert (first, again) == (True, False)
    assert world.contacts.unsubscribes[(TENANT, contact_id)] == (T0, kind)
    # And when her next step comes, nothing is sent and the enrollment exits
    world.clock.advance(days=1)
    world.tick()
    assert len(world.mailer.sent) == 1
    assert world.enrollments.get(TENANT, contact_id, "onboarding").status is EnrollmentStatus.EXITED  # type: ignore[union-attr]


def test_a_soft_bounce_is_counted_and_the_contact_keeps_getting_emails(world: World) -> None:
    contact_id = _ada_after_first_email(world)
    ports = FeedbackPorts(contacts=world.contacts, clock=world.clock)
    assert handle_feedback(ports, _feedback("soft_bounce", contact_id)) is False
    assert handle_feedback(ports, _feedback("soft_bounce", contact_id)) is False
    assert world.contacts.soft_bounces[(TENANT, contact_id)] == 2
    assert not world.contacts.get(TENANT, contact_id).unsubscribed  # type: ignore[union-attr]
    world.clock.advance(days=1)
    world.tick()
    assert len(world.mailer.sent) == 2
