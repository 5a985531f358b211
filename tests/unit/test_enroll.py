"""handle_contact_event: contact upsert, goals converting enrollments, triggers enrolling (and queueing due sends)."""

from datetime import timedelta

from builders import contact_event, document, email, wait
from emailseq.domain.enrollment import SEND_LEASE, EnrollmentStatus
from emailseq.domain.messages import ContactEnrolled, EnrollmentConverted, SendStep
from emailseq.logic.enroll import handle_contact_event
from emailseq.logic.schedule import dispatch_due
from fakes import T0, TENANT, World


def _only_contact_id(world: World) -> str:
    (contact,) = world.contacts.contacts.values()
    return contact.contact_id


# -- enrolling ----------------------------------------------------------------------------------------------------


def test_a_trigger_event_enrolls_the_contact_and_publishes_contact_enrolled(world: World) -> None:
    # Given the onboarding sequence (trigger signed_up) at version 1
    world.given_sequence(document())
    # When ada signs up
    happened = handle_contact_event(world.enroll_ports(), contact_event("signed_up", first_name="Ada"))
    # Then she is a contact, enrolled at the first step, and the fact is returned and published
    contact_id = _only_contact_id(world)
    expected = ContactEnrolled(
        tenant_id=TENANT, contact_id=contact_id, sequence_id="onboarding", version=1, enrolled_at=T0
    )
    assert happened == [expected]
    assert world.bus.batches == [[expected]]
    enrollment = world.enrollments.get(TENANT, contact_id, "onboarding")
    assert enrollment is not None
    assert (enrollment.status, enrollment.cursor, enrollment.version) == (EnrollmentStatus.ACTIVE, 0, 1)
    assert world.contacts.get(TENANT, contact_id).first_name == "Ada"  # type: ignore[union-attr]
    assert world.sequences.counts(TENANT, "onboarding").enrolled == 1


def test_a_due_now_first_step_is_leased_and_queued_straight_away(world: World) -> None:
    # Given a sequence whose first step is an email
    world.given_sequence(document())
    # When a contact is enrolled
    handle_contact_event(world.enroll_ports(), contact_event())
    contact_id = _only_contact_id(world)
    # Then one send order for step 0 is queued
    assert world.queue.batches == [
        [SendStep(tenant_id=TENANT, contact_id=contact_id, sequence_id="onboarding", version=1, generation=1, cursor=0)]
    ]
    # And the enrollment is leased (due again only once the lease runs out), so the scheduler leaves it alone
    assert world.enrollments.get(TENANT, contact_id, "onboarding").due_at == T0 + SEND_LEASE  # type: ignore[union-attr]
    assert dispatch_due(world.enrollments, world.queue, world.clock).queued == 0
    assert len(world.queue.orders) == 1


def test_a_first_step_behind_a_wait_is_left_for_the_scheduler(world: World) -> None:
    # Given a sequence that waits a day before its first email
    world.given_sequence(document(steps=[wait("1d"), email("hello")]))
    # When a contact is enrolled
    handle_contact_event(world.enroll_ports(), contact_event())
    # Then nothing is queued now, and the enrollment is due in a day at the email step
    assert world.queue.batches == []
    enrollment = world.enrollments.get(TENANT, _only_contact_id(world), "onboarding")
    assert (enrollment.cursor, enrollment.due_at) == (1, T0 + timedelta(days=1))  # type: ignore[union-attr]


def test_another_event_type_enrolls_nobody(world: World) -> None:
    # Given the onboarding sequence, triggered by signed_up
    world.given_sequence(document())
    # When the contact logs in instead
    happened = handle_contact_event(world.enroll_ports(), contact_event("logged_in"))
    # Then no enrollment, nothing queued, nothing published (the contact itself is still recorded)
    assert happened == []
    assert world.enrollments.rows == {}
    assert world.queue.batches == []
    assert world.bus.batches == []
    assert world.contacts.find_by_email(TENANT, "ada@example.com") is not None


def test_an_event_failing_the_where_clause_enrolls_nobody(world: World) -> None:
    # Given a sequence triggered by signed_up where plan = pro
    world.given_sequence(document(trigger={"event": "signed_up", "where": {"plan": "pro"}}))
    # When a free-plan sign-up and then a pro one come in
    free = handle_contact_event(
        world.enroll_ports(), contact_event(address="free@example.com", properties={"plan": "free"})
    )
    pro = handle_contact_event(
        world.enroll_ports(), contact_event(address="pro@example.com", properties={"plan": "pro"})
    )
    # Then only the pro contact is enrolled
    assert free == []
    assert [fact.contact_id for fact in pro] == [world.contacts.find_by_email(TENANT, "pro@example.com").contact_id]  # type: ignore[union-attr]
    assert len(world.enrollments.rows) == 1


def test_the_same_event_twice_enrolls_once(world: World) -> None:
    # Given a contact enrolled by a signed_up event
    world.given_sequence(document())
    handle_contact_event(world.enroll_ports(), contact_event(event_id="evt-1"))
    # When the same event is delivered again (or the contact signs up again)
    again = handle_contact_event(world.enroll_ports(), contact_event(event_id="evt-1"))
    # Then nothing new happens: one enrollment, one send order, one published fact
    assert again == []
    assert len(world.enrollments.rows) == 1
    assert len(world.queue.orders) == 1
    assert len(world.bus.facts) == 1
    assert world.sequences.counts(TENANT, "onboarding").enrolled == 1


def test_an_event_triggering_two_sequences_enrolls_in_both_and_queues_both_in_one_batch(world: World) -> None:
    # Given two sequences triggered by signed_up
    world.given_sequence(document())
    world.given_sequence(document(id="product-tour", name="Product tour", goal=None))
    # When a contact signs up
    happened = handle_contact_event(world.enroll_ports(), contact_event())
    # Then both enroll, and both first steps go to the queue together
    assert sorted(fact.sequence_id for fact in happened) == ["onboarding", "product-tour"]
    assert len(world.queue.batches) == 1
    assert sorted(order.sequence_id for order in world.queue.batches[0]) == ["onboarding", "product-tour"]


def test_an_enrollment_pins_the_current_version_of_the_sequence(world: World) -> None:
    # Given a sequence at version 2
    world.given_sequence(document(), version=1)
    world.given_sequence(document(name="Onboarding, reworded"), version=2)
    # When a contact is enrolled / Then enrollment and send order say version 2
    (fact,) = handle_contact_event(world.enroll_ports(), contact_event())
    assert fact.version == 2  # type: ignore[union-attr]
    assert world.queue.orders[0].version == 2


def test_a_sequence_of_another_tenant_is_not_triggered(world: World) -> None:
    # Given onboarding exists for tenant `other` only
    world.given_sequence(document(), tenant_id="other")
    # When an acme contact signs up / Then nothing is enrolled
    assert handle_contact_event(world.enroll_ports(), contact_event(tenant_id=TENANT)) == []
    assert world.enrollments.rows == {}


def test_events_for_the_same_address_update_one_contact(world: World) -> None:
    # Given a contact created by an event without a name
    handle_contact_event(world.enroll_ports(), contact_event("visited", event_id="e1"))
    # When a later event for the same address (other case) carries the first name
    handle_contact_event(
        world.enroll_ports(), contact_event("visited", event_id="e2", address="Ada@Example.com", first_name="Ada")
    )
    # Then there is still one contact, now named
    (contact,) = world.contacts.contacts.values()
    assert (contact.email, contact.first_name) == ("ada@example.com", "Ada")


# -- goals --------------------------------------------------------------------------------------------------------


def test_a_goal_event_converts_the_active_enrollment_and_publishes_enrollment_converted(world: World) -> None:
    # Given ada enrolled in onboarding (goal: upgraded)
    world.given_sequence(document())
    handle_contact_event(world.enroll_ports(), contact_event("signed_up", event_id="e1"))
    contact_id = _only_contact_id(world)
    # When she upgrades an hour later
    world.clock.advance(hours=1)
    happened = handle_contact_event(world.enroll_ports(), contact_event("upgraded", event_id="e2"))
    # Then the enrollment is converted, counted, and the fact is returned and published
    expected = EnrollmentConverted(
        tenant_id=TENANT,
        contact_id=contact_id,
        sequence_id="onboarding",
        goal_event="upgraded",
        converted_at=T0 + timedelta(hours=1),
    )
    assert happened == [expected]
    assert world.bus.batches[-1] == [expected]
    enrollment = world.enrollments.get(TENANT, contact_id, "onboarding")
    assert (enrollment.status, enrollment.due_at) == (EnrollmentStatus.CONVERTED, None)  # type: ignore[union-attr]
    assert world.sequences.counts(TENANT, "onboarding").converted == 1


def test_a_converted_enrollment_is_never_offered_to_the_scheduler_again(world: World) -> None:
    # Given an enrollment behind a wait, converted before the wait is over
    world.given_sequence(document(steps=[wait("1d"), email("hello")]))
    handle_contact_event(world.enroll_ports(), contact_event("signed_up", event_id="e1"))
    handle_contact_event(world.enroll_ports(), contact_event("upgraded", event_id="e2"))
    # When the wait is long over and the scheduler runs / Then nothing is queued
    world.clock.advance(days=3)
    assert dispatch_due(world.enrollments, world.queue, world.clock).queued == 0
    assert world.queue.batches == []


def test_a_second_goal_event_converts_nothing_more(world: World) -> None:
    # Given a converted enrollment
    world.given_sequence(document())
    handle_contact_event(world.enroll_ports(), contact_event("signed_up", event_id="e1"))
    handle_contact_event(world.enroll_ports(), contact_event("upgraded", event_id="e2"))
    # When the goal event comes again / Then nothing happens and it is counted once
    assert handle_contact_event(world.enroll_ports(), contact_event("upgraded", event_id="e3")) == []
    assert world.sequences.counts(TENANT, "onboarding").converted == 1
    assert sum(isinstance(fact, EnrollmentConverted) for fact in world.bus.facts) == 1


def test_a_goal_event_leaves_enrollments_with_another_goal_alone(world: World) -> None:
    # Given ada enrolled in onboarding (goal upgraded) and in a tour (goal finished_tour)
    world.given_sequence(document())
    world.given_sequence(document(id="tour", name="Tour", goal={"event": "finished_tour"}))
    handle_contact_event(world.enroll_ports(), contact_event("signed_up", event_id="e1"))
    # When she finishes the tour
    happened = handle_contact_event(world.enroll_ports(), contact_event("finished_tour", event_id="e2"))
    # Then only the tour enrollment converts
    assert [(type(f).__name__, f.sequence_id) for f in happened] == [("EnrollmentConverted", "tour")]
    contact_id = _only_contact_id(world)
    assert world.enrollments.get(TENANT, contact_id, "onboarding").is_active  # type: ignore[union-attr]
