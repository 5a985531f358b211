"""GDPR use cases: export everything held on a contact; erase stops its sequences, its mail and PII, and is audited."""

from datetime import timedelta

import pytest
from builders import contact_event, document
from emailseq.domain.enrollment import EnrollmentStatus
from emailseq.domain.errors import NotFound
from emailseq.logic.enroll import handle_contact_event, send_order
from emailseq.logic.privacy import PrivacyPorts, erase_contact, export_contact
from emailseq.logic.run_step import run_step
from fakes import TENANT, FakeArchivedMessages, FakeAuditTrail, FakeContactPrivacy, World


def _ports(world: World, archive: FakeArchivedMessages) -> PrivacyPorts:
    return PrivacyPorts(
        contacts=FakeContactPrivacy(world.contacts),
        enrollments=world.enrollments,
        audit=FakeAuditTrail(),
        clock=world.clock,
        archive=archive,
    )


def _welcomed(world: World, archive: FakeArchivedMessages) -> str:
    """Ada signed up and got the welcome (archived); her next step is due in two days. Her contact id."""
    world.given_sequence(document())
    handle_contact_event(world.enroll_ports(), contact_event("signed_up", first_name="Ada"))
    (order,) = world.queue.orders
    run_step(world.step_ports(), order)
    archive.messages[(TENANT, order.contact_id)] = ["ses-1"]
    return order.contact_id


def test_export_gathers_profile_enrollments_and_sends(world: World) -> None:
    archive = FakeArchivedMessages()
    contact_id = _welcomed(world, archive)

    exported = export_contact(_ports(world, archive), TENANT, contact_id)

    assert (exported["contact"]["email"], exported["contact"]["first_name"]) == ("ada@example.com", "Ada")
    (enrollment,) = exported["enrollments"]
    assert (enrollment["sequence_id"], enrollment["status"], enrollment["exit_reason"]) == (
        "onboarding",
        "active",
        None,
    )
    assert exported["sends"] == ["ses-1"]


def test_erase_stops_running_enrollments_deletes_mail_and_pii_and_is_audited(world: World) -> None:
    # Given Ada welcomed, her next email due in two days
    archive = FakeArchivedMessages()
    contact_id = _welcomed(world, archive)
    ports = _ports(world, archive)

    # When she is erased by an owner
    done = erase_contact(ports, TENANT, contact_id, actor="dev:owner")

    # Then her enrollment exited, reason erased, and is never due again
    (enrollment,) = world.enrollments.for_contact(TENANT, contact_id)
    assert (enrollment.status, enrollment.exit_reason, enrollment.due_at) == (EnrollmentStatus.EXITED, "erased", None)
    # And her profile and archived mail are gone; the address stays only as a suppression
    assert world.contacts.get(TENANT, contact_id) is None
    assert archive.for_contact(TENANT, contact_id) == []
    assert isinstance(ports.contacts, FakeContactPrivacy)
    assert (TENANT, "ada@example.com") in ports.contacts.erased
    # And the audit entry says who, when, which contact and what was done, without PII
    assert isinstance(ports.audit, FakeAuditTrail)
    assert done == {"enrollments_stopped": 1, "messages_deleted": 1}
    assert ports.audit.entries == [(TENANT, "dev:owner", "contact.erased", contact_id, done)]
    assert "ada" not in repr(ports.audit.entries).lower()
    # And a second erase, or an export, finds nothing
    with pytest.raises(NotFound):
        erase_contact(ports, TENANT, contact_id, actor="dev:owner")
    with pytest.raises(NotFound):
        export_contact(ports, TENANT, contact_id)


def test_a_send_order_already_queued_for_an_erased_contact_sends_nothing(world: World) -> None:
    # Given Ada erased while her next step's order was on its way
    archive = FakeArchivedMessages()
    contact_id = _welcomed(world, archive)
    world.clock.advance(timedelta(days=2, minutes=1))
    (enrollment,) = world.enrollments.for_contact(TENANT, contact_id)
    world.contacts.erase(TENANT, contact_id)  # the profile went first (a racing erase)

    # When the step worker runs the order
    happened = run_step(world.step_ports(), send_order(enrollment))

    # Then nothing is sent and the enrollment exits
    assert happened == []
    assert len(world.mailer.sent) == 1
    (after,) = world.enrollments.for_contact(TENANT, contact_id)
    assert after.status is EnrollmentStatus.EXITED
