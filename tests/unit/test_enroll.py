"""handle_contact_event: contact upsert, goals converting enrollments, triggers enrolling (and queueing due sends)."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from builders import branch, contact_event, document, email, exit_step, sequence, wait, wait_until
from emailseq.domain.enrollment import SEND_LEASE, Enrollment, EnrollmentStatus
from emailseq.domain.errors import Conflict, NotFound
from emailseq.domain.messages import ContactData, ContactEnrolled, EmailSent, EnrollmentConverted, SendStep
from emailseq.domain.sequence import SequenceDocument
from emailseq.logic.enroll import enroll_contact, handle_contact_event, unenroll_contact
from emailseq.logic.schedule import dispatch_due
from fakes import T0, TENANT, FakeEnrollmentStore, World


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
    # Then one order for instruction 0 is queued
    assert world.queue.batches == [
        [SendStep(tenant_id=TENANT, contact_id=contact_id, sequence_id="onboarding", version=1, generation=1, cursor=0)]
    ]
    # And the enrollment is leased: still due now, but the time index offers it again only when the lease runs out
    assert world.enrollments.get(TENANT, contact_id, "onboarding").due_at == T0  # type: ignore[union-attr]
    assert world.enrollments.leased_until(TENANT, contact_id, "onboarding") == T0 + SEND_LEASE
    assert world.enrollments.index_at(TENANT, contact_id, "onboarding") == T0 + SEND_LEASE
    assert dispatch_due(world.enrollments, world.queue, world.clock).queued == 0
    assert len(world.queue.orders) == 1


def test_a_first_step_that_waits_is_queued_too_and_its_run_puts_the_enrollment_to_sleep(world: World) -> None:
    # Given a sequence that waits a day before its first email
    world.given_sequence(document(steps=[wait("1d"), email("hello")]))
    # When a contact is enrolled, and the queued order runs
    handle_contact_event(world.enroll_ports(), contact_event())
    (order,) = world.queue.orders
    world.deliver()
    # Then nothing was sent, and the enrollment sleeps at the email, due in a day
    assert (order.cursor, world.mailer.sent) == (0, [])
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
    # When the wait is long over and the scheduler runs / Then nothing more is queued, nothing sent
    queued = len(world.queue.orders)
    world.clock.advance(days=3)
    assert dispatch_due(world.enrollments, world.queue, world.clock).queued == 0
    assert len(world.queue.orders) == queued
    world.deliver()
    assert world.mailer.sent == []


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


def test_a_goal_event_also_watched_by_a_step_converts_rather_than_wakes(world: World) -> None:
    # Given a sequence waiting for `upgraded`, which is also its goal
    world.given_sequence(sequence(email("a"), wait_until("upgraded", "3d"), email("b")))
    handle_contact_event(world.enroll_ports(), contact_event(event_id="e1"))
    world.deliver()
    # When the contact upgrades / Then the enrollment converts and nothing more is sent
    handle_contact_event(world.enroll_ports(), contact_event("upgraded", event_id="e2"))
    world.clock.advance(days=4)
    world.tick()
    enrollment = world.enrollments.get(TENANT, _only_contact_id(world), "onboarding")
    assert enrollment.status is EnrollmentStatus.CONVERTED  # type: ignore[union-attr]
    assert [fact.step_id for fact in world.bus.facts if isinstance(fact, EmailSent)] == ["a"]


# -- watched events: facts and wake-ups --------------------------------------------------------------------------------

AWAITS_PAYMENT = sequence(
    email("invoice"),  # 0
    wait_until("paid", "3d"),  # 1
    branch("b", [email("thanks")], [email("reminder")], event="paid"),  # 2 branch, 3 thanks, 4 jump, 5 reminder
)


def _sleeping_for_payment(world: World) -> str:
    """Ada enrolled in AWAITS_PAYMENT, invoiced, now waiting for `paid`; returns her contact id."""
    world.given_sequence(AWAITS_PAYMENT)
    handle_contact_event(world.enroll_ports(), contact_event(event_id="e1"))
    world.deliver()
    contact_id = _only_contact_id(world)
    enrollment = world.enrollments.get(TENANT, contact_id, "onboarding")
    assert (enrollment.cursor, enrollment.waiting_for) == (1, "paid")  # type: ignore[union-attr]
    return contact_id


def _emails(world: World) -> list[str]:
    return [fact.step_id for fact in world.bus.facts if isinstance(fact, EmailSent)]


def test_the_awaited_event_is_recorded_wakes_the_enrollment_and_queues_its_step(world: World) -> None:
    # Given ada waiting for `paid` (for 3 days)
    contact_id = _sleeping_for_payment(world)
    # When she pays an hour later
    world.clock.advance(hours=1)
    handle_contact_event(world.enroll_ports(), contact_event("paid", event_id="e2"))
    # Then the event is a fact of the enrollment, and an order for the wait_until is queued (leased) now
    enrollment = world.enrollments.get(TENANT, contact_id, "onboarding")
    assert enrollment.facts.events == {"paid"}  # type: ignore[union-attr]
    assert world.queue.orders[-1].cursor == 1
    assert enrollment.due_at == T0 + timedelta(hours=1)  # type: ignore[union-attr]
    assert world.enrollments.leased_until(TENANT, contact_id, "onboarding") == T0 + timedelta(hours=1) + SEND_LEASE
    # And when the order runs, the branch on `paid` thanks her, without waiting for the timeout
    world.deliver()
    assert _emails(world) == ["invoice", "thanks"]


def test_without_the_event_the_wait_until_times_out_and_the_else_branch_runs(world: World) -> None:
    _sleeping_for_payment(world)
    world.clock.advance(days=3)
    world.tick()
    assert _emails(world) == ["invoice", "reminder"]


def test_an_event_nobody_waits_for_or_branches_on_is_not_recorded(world: World) -> None:
    contact_id = _sleeping_for_payment(world)
    queued = len(world.queue.orders)
    handle_contact_event(world.enroll_ports(), contact_event("visited", event_id="e2"))
    assert world.enrollments.get(TENANT, contact_id, "onboarding").facts.events == frozenset()  # type: ignore[union-attr]
    assert len(world.queue.orders) == queued


def test_an_awaited_event_twice_wakes_once(world: World) -> None:
    # Given ada paid, and her enrollment woke and moved on
    _sleeping_for_payment(world)
    handle_contact_event(world.enroll_ports(), contact_event("paid", event_id="e2"))
    world.deliver()
    queued = len(world.queue.orders)
    # When `paid` comes again / Then nothing is queued or sent again
    handle_contact_event(world.enroll_ports(), contact_event("paid", event_id="e3"))
    world.tick()
    assert len(world.queue.orders) == queued
    assert _emails(world) == ["invoice", "thanks"]


def test_an_event_seen_before_the_wait_until_lets_it_pass_at_once(world: World) -> None:
    # Given a sequence that waits a day before waiting for `paid`, and ada paying during the first wait
    world.given_sequence(sequence(email("a"), wait("1d"), wait_until("paid", "3d"), email("b")))
    handle_contact_event(world.enroll_ports(), contact_event(event_id="e1"))
    world.deliver()
    queued = len(world.queue.orders)
    handle_contact_event(world.enroll_ports(), contact_event("paid", event_id="e2"))
    # Then nothing is woken now (she was not waiting for it) ...
    assert len(world.queue.orders) == queued
    # ... and when the first wait ends, the wait_until passes at once
    world.clock.advance(days=1)
    world.tick()
    assert _emails(world) == ["a", "b"]


def test_an_ended_enrollment_records_no_more_events(world: World) -> None:
    contact_id = _sleeping_for_payment(world)
    handle_contact_event(world.enroll_ports(), contact_event("upgraded", event_id="e2"))
    handle_contact_event(world.enroll_ports(), contact_event("paid", event_id="e3"))
    enrollment = world.enrollments.get(TENANT, contact_id, "onboarding")
    assert (enrollment.status, enrollment.facts.events) == (EnrollmentStatus.CONVERTED, frozenset())  # type: ignore[union-attr]


def test_an_awaited_event_arriving_while_the_worker_puts_the_enrollment_to_sleep_still_wakes_it() -> None:
    # Given ada's first order running, and `paid` arriving just before the worker stores "waiting for paid"
    world = World(enrollments=_EventJustBeforeSleep())
    world.given_sequence(AWAITS_PAYMENT)
    world.enrollments.just_before_sleep = lambda: handle_contact_event(  # type: ignore[attr-defined]
        world.enroll_ports(), contact_event("paid", event_id="e2")
    )
    handle_contact_event(world.enroll_ports(), contact_event(event_id="e1"))
    world.deliver()
    # When the scheduler and the worker run at once (no time passes)
    world.tick()
    # Then she is thanked now, not after the 3-day timeout
    assert _emails(world) == ["invoice", "thanks"]


class _EventJustBeforeSleep(FakeEnrollmentStore):
    """Runs `just_before_sleep` (once) right before a replace() that would store an enrollment as waiting."""

    def __init__(self) -> None:
        super().__init__()
        self.just_before_sleep: Callable[[], object] | None = None

    def replace(self, before: Enrollment, after: Enrollment, sent_step: str | None = None) -> bool:
        if after.waiting_for is not None and self.just_before_sleep is not None:
            hook, self.just_before_sleep = self.just_before_sleep, None
            hook()
        return super().replace(before, after, sent_step)


# -- re-enrollment -----------------------------------------------------------------------------------------------------


def _completed_once(world: World, doc: SequenceDocument) -> str:
    world.given_sequence(doc)
    handle_contact_event(world.enroll_ports(), contact_event(event_id="e1"))
    world.deliver()
    contact_id = _only_contact_id(world)
    assert world.enrollments.get(TENANT, contact_id, "onboarding").status is EnrollmentStatus.COMPLETED  # type: ignore[union-attr]
    return contact_id


def test_a_trigger_after_the_reenroll_period_starts_a_new_generation(world: World) -> None:
    # Given `reenroll: after 30d`, and ada's enrollment completed at T0
    contact_id = _completed_once(world, sequence(email("hello"), reenroll="after 30d"))
    # When she signs up again 29 days later / Then nothing happens
    world.clock.advance(days=29)
    assert handle_contact_event(world.enroll_ports(), contact_event(event_id="e2")) == []
    # When she signs up again 30 days after the end
    world.clock.set(T0 + timedelta(days=30))
    happened = handle_contact_event(world.enroll_ports(), contact_event(event_id="e3"))
    # Then generation 2 starts at instruction 0, is announced and counted, and its first step is queued
    assert [type(fact) for fact in happened] == [ContactEnrolled]
    enrollment = world.enrollments.get(TENANT, contact_id, "onboarding")
    assert (enrollment.generation, enrollment.cursor, enrollment.status) == (2, 0, EnrollmentStatus.ACTIVE)  # type: ignore[union-attr]
    assert (world.queue.orders[-1].generation, world.queue.orders[-1].cursor) == (2, 0)
    assert world.sequences.counts(TENANT, "onboarding").enrolled == 2
    # And generation 2 gets the email again (exactly-once is per generation)
    world.deliver()
    assert _emails(world) == ["hello", "hello"]


def test_a_new_generation_starts_with_no_facts(world: World) -> None:
    # Given a completed enrollment that had recorded an open
    doc = sequence(email("hello"), reenroll="after 30d")
    contact_id = _completed_once(world, doc)
    ended = world.enrollments.get(TENANT, contact_id, "onboarding")
    assert world.enrollments.record_fact(ended, "opened", "hello")  # type: ignore[arg-type]
    # When she re-enrolls / Then generation 2 has seen nothing
    world.clock.advance(days=31)
    handle_contact_event(world.enroll_ports(), contact_event(event_id="e2"))
    assert world.enrollments.get(TENANT, contact_id, "onboarding").facts.opened == frozenset()  # type: ignore[union-attr]


def test_a_sequence_that_never_reenrolls_ignores_later_triggers(world: World) -> None:
    contact_id = _completed_once(world, sequence(email("hello")))
    world.clock.advance(days=400)
    assert handle_contact_event(world.enroll_ports(), contact_event(event_id="e2")) == []
    assert world.enrollments.get(TENANT, contact_id, "onboarding").generation == 1  # type: ignore[union-attr]


def test_an_exited_enrollment_reenrolls_like_a_completed_one(world: World) -> None:
    world.given_sequence(sequence(email("hello"), exit_step(), email("never"), reenroll="after 1d"))
    handle_contact_event(world.enroll_ports(), contact_event(event_id="e1"))
    world.deliver()
    contact_id = _only_contact_id(world)
    assert world.enrollments.get(TENANT, contact_id, "onboarding").status is EnrollmentStatus.EXITED  # type: ignore[union-attr]
    world.clock.advance(days=1)
    handle_contact_event(world.enroll_ports(), contact_event(event_id="e2"))
    world.deliver()
    assert _emails(world) == ["hello", "hello"]
    assert world.sequences.counts(TENANT, "onboarding").exited == 2


def test_an_active_enrollment_is_not_restarted_by_its_trigger(world: World) -> None:
    world.given_sequence(document(reenroll="after 1d"))
    handle_contact_event(world.enroll_ports(), contact_event(event_id="e1"))
    world.clock.advance(days=2)
    assert handle_contact_event(world.enroll_ports(), contact_event(event_id="e2")) == []
    assert world.enrollments.get(TENANT, _only_contact_id(world), "onboarding").generation == 1  # type: ignore[union-attr]


# -- manual enrollment ------------------------------------------------------------------------------------------------


def test_enroll_contact_enrolls_without_a_trigger_and_queues_the_first_step(world: World) -> None:
    # Given the onboarding sequence / When ada is enrolled by hand
    world.given_sequence(document())
    enrollment = enroll_contact(world.enroll_ports(), TENANT, "onboarding", ContactData(email="ada@example.com"))
    # Then she is a contact, enrolled at generation 1, her first step queued and leased, and it is announced
    contact_id = _only_contact_id(world)
    assert (enrollment.contact_id, enrollment.generation, enrollment.cursor) == (contact_id, 1, 0)
    assert world.enrollments.get(TENANT, contact_id, "onboarding") == enrollment
    assert [(o.contact_id, o.cursor) for o in world.queue.orders] == [(contact_id, 0)]
    assert world.bus.facts == [
        ContactEnrolled(tenant_id=TENANT, contact_id=contact_id, sequence_id="onboarding", version=1, enrolled_at=T0)
    ]
    # And the queued order sends the welcome email
    world.deliver()
    assert len(world.mailer.sent) == 1


def test_enroll_contact_refuses_a_contact_already_in_the_sequence(world: World) -> None:
    world.given_sequence(document())
    enroll_contact(world.enroll_ports(), TENANT, "onboarding", ContactData(email="ada@example.com"))
    with pytest.raises(Conflict):
        enroll_contact(world.enroll_ports(), TENANT, "onboarding", ContactData(email="ADA@example.com"))
    assert world.sequences.counts(TENANT, "onboarding").enrolled == 1


def test_enroll_contact_reenrolls_as_the_policy_allows(world: World) -> None:
    # Given ada's enrollment completed at T0 in a sequence re-enrolling after 30d
    world.given_sequence(sequence(email("hello"), reenroll="after 30d"))
    enroll_contact(world.enroll_ports(), TENANT, "onboarding", ContactData(email="ada@example.com"))
    world.deliver()
    # Then a day later she cannot be enrolled again, 30 days later she can (generation 2)
    world.clock.advance(days=1)
    with pytest.raises(Conflict):
        enroll_contact(world.enroll_ports(), TENANT, "onboarding", ContactData(email="ada@example.com"))
    world.clock.set(T0 + timedelta(days=30))
    again = enroll_contact(world.enroll_ports(), TENANT, "onboarding", ContactData(email="ada@example.com"))
    assert again.generation == 2


def test_enroll_contact_in_an_unknown_sequence_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        enroll_contact(world.enroll_ports(), TENANT, "nope", ContactData(email="ada@example.com"))


def test_unenroll_contact_exits_the_active_enrollment_and_nothing_more_is_sent(world: World) -> None:
    # Given ada enrolled and sent the welcome email
    world.given_sequence(document())
    handle_contact_event(world.enroll_ports(), contact_event())
    world.deliver()
    contact_id = _only_contact_id(world)
    # When she is taken out by hand
    world.clock.advance(hours=1)
    ended = unenroll_contact(world.enroll_ports(), TENANT, "onboarding", contact_id)
    # Then the enrollment exited now (counted), and the rest of the journey never happens
    assert (ended.status, ended.ended_at) == (EnrollmentStatus.EXITED, T0 + timedelta(hours=1))
    assert world.enrollments.get(TENANT, contact_id, "onboarding") == ended
    assert world.sequences.counts(TENANT, "onboarding").exited == 1
    world.clock.advance(days=10)
    world.tick()
    assert len(world.mailer.sent) == 1
    # And a second unenroll finds no active enrollment
    with pytest.raises(NotFound):
        unenroll_contact(world.enroll_ports(), TENANT, "onboarding", contact_id)


def test_a_contact_made_by_its_first_event_is_not_looked_up_for_enrollments_and_a_known_one_is(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the onboarding sequence, and every lookup of a contact's enrollments noted
    world.given_sequence(document())
    looked_up: list[str] = []
    for_contact = world.enrollments.for_contact

    def noting(tenant_id: str, contact_id: str) -> list[Enrollment]:
        looked_up.append(contact_id)
        return for_contact(tenant_id, contact_id)

    monkeypatch.setattr(world.enrollments, "for_contact", noting)
    # When ada's first event arrives (it creates her), then a second one
    handle_contact_event(world.enroll_ports(), contact_event("signed_up"))
    assert looked_up == []
    handle_contact_event(world.enroll_ports(), contact_event("upgraded", event_id="evt-2"))
    # Then only the second looked her enrollments up (a contact made a moment ago can be in no sequence yet)
    assert looked_up == [_only_contact_id(world)]
    assert world.enrollments.get(TENANT, _only_contact_id(world), "onboarding") is not None
