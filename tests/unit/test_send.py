"""send_step: render and send the step an enrollment is at, exactly once, then move the enrollment on."""

from datetime import datetime, timedelta

import pytest
from builders import contact_event, document
from emailseq.domain.enrollment import Enrollment, EnrollmentStatus
from emailseq.domain.errors import NotFound
from emailseq.domain.messages import EmailSent, SendStep
from emailseq.logic.enroll import handle_contact_event
from emailseq.logic.schedule import dispatch_all_due
from emailseq.logic.send import send_step
from fakes import T0, TENANT, FakeEnrollmentStore, ProviderError, World


def _enrolled(world: World) -> SendStep:
    """Ada signs up for onboarding (v1); returns the send order queued for the welcome email."""
    world.given_sequence(document())
    handle_contact_event(world.enroll_ports(), contact_event("signed_up", first_name="Ada"))
    (order,) = world.queue.orders
    return order


def _enrollment(world: World, order: SendStep) -> Enrollment:
    enrollment = world.enrollments.get(order.tenant_id, order.contact_id, order.sequence_id)
    assert enrollment is not None
    return enrollment


def test_a_send_order_sends_the_step_once_and_moves_to_the_next_email_after_the_wait(world: World) -> None:
    # Given ada enrolled, with the welcome email queued
    order = _enrolled(world)
    world.clock.advance(minutes=1)
    # When the order is handled
    sent = send_step(world.send_ports(), order)
    # Then one welcome email went to ada, rendered for her
    (email,) = world.mailer.sent
    assert (email.to, email.subject) == ("ada@example.com", "Welcome, Ada")
    # And the enrollment moved to `tips` (step 2), due 2 days after the send
    enrollment = _enrollment(world, order)
    assert (enrollment.cursor, enrollment.due_at, enrollment.status) == (
        2,
        T0 + timedelta(minutes=1, days=2),
        EnrollmentStatus.ACTIVE,
    )
    # And EmailSent, with the provider's message id, is returned, published and counted
    assert sent == EmailSent(
        tenant_id=TENANT,
        contact_id=order.contact_id,
        sequence_id="onboarding",
        step_id="welcome",
        message_id="provider-1",
        sent_at=T0 + timedelta(minutes=1),
    )
    assert world.bus.batches[-1] == [sent]
    assert world.sequences.counts(TENANT, "onboarding").steps["welcome"].sent == 1


def test_the_same_order_again_after_a_success_sends_nothing(world: World) -> None:
    # Given the welcome email was sent for an order
    order = _enrolled(world)
    send_step(world.send_ports(), order)
    published = len(world.bus.facts)
    # When the same order is delivered again (SQS delivers at least once)
    again = send_step(world.send_ports(), order)
    # Then nothing is sent, published or counted again
    assert again is None
    assert len(world.mailer.sent) == 1
    assert len(world.bus.facts) == published
    assert world.sequences.counts(TENANT, "onboarding").steps["welcome"].sent == 1


def test_a_provider_failure_raises_and_leaves_the_enrollment_where_it_was(world: World) -> None:
    # Given ada's welcome order, and a provider that fails once
    order = _enrolled(world)
    world.mailer.fail_next(1)
    before = _enrollment(world, order)
    # When the order is handled / Then the provider's error propagates (so the queue redelivers it)
    with pytest.raises(ProviderError):
        send_step(world.send_ports(), order)
    # And nothing was sent, advanced, counted or published
    assert world.mailer.sent == []
    assert _enrollment(world, order) == before
    assert world.sequences.counts(TENANT, "onboarding").steps == {}
    assert not any(isinstance(fact, EmailSent) for fact in world.bus.facts)


def test_a_retry_after_a_provider_failure_sends_exactly_once(world: World) -> None:
    # Given a first attempt that failed at the provider
    order = _enrolled(world)
    world.mailer.fail_next(1)
    with pytest.raises(ProviderError):
        send_step(world.send_ports(), order)
    # When the order is redelivered, and then delivered once more
    sent = send_step(world.send_ports(), order)
    repeat = send_step(world.send_ports(), order)
    # Then the email went out once, on the retry, and the enrollment moved on once
    assert world.mailer.attempts == 2
    assert len(world.mailer.sent) == 1
    assert sent is not None
    assert sent.step_id == "welcome"
    assert repeat is None
    assert _enrollment(world, order).cursor == 2


def test_a_crash_between_sending_and_advancing_does_not_send_twice_on_retry(world: World) -> None:
    # Given a send that reached the provider, but the enrollment write after it failed (timeout, crash)
    order = _enrolled(world)
    world.enrollments.break_next_replace(TimeoutError("DynamoDB timed out"))
    with pytest.raises(TimeoutError):
        send_step(world.send_ports(), order)
    assert len(world.mailer.sent) == 1
    assert _enrollment(world, order).cursor == 0
    # When the order is redelivered
    sent = send_step(world.send_ports(), order)
    # Then the email is not sent again, but the enrollment now moves on and the send is reported once
    assert len(world.mailer.sent) == 1
    assert sent is not None
    assert sent.message_id == "provider-1"
    assert _enrollment(world, order).cursor == 2
    assert [fact for fact in world.bus.facts if isinstance(fact, EmailSent)] == [sent]


class _StaleReadStore(FakeEnrollmentStore):
    """get() answers from a snapshot taken before the first send: a second worker that read concurrently."""

    def __init__(self) -> None:
        super().__init__()
        self.snapshot: dict[tuple[str, str, str], Enrollment] | None = None

    def get(self, tenant_id: str, contact_id: str, sequence_id: str) -> Enrollment | None:
        rows = self.snapshot if self.snapshot is not None else self.rows
        return rows.get((tenant_id, contact_id, sequence_id))


def test_a_concurrent_duplicate_delivery_neither_resends_nor_reports_twice() -> None:
    # Given two workers holding the same order, the second having read the enrollment before the first advanced it
    world = World(enrollments=_StaleReadStore())
    order = _enrolled(world)
    first = send_step(world.send_ports(), order)
    world.enrollments.snapshot = {  # type: ignore[attr-defined]
        key: Enrollment.start(TENANT, key[1], document(), 1, T0) for key in world.enrollments.rows
    }
    # When the second worker handles it
    second = send_step(world.send_ports(), order)
    # Then it neither sends again nor reports: the first worker's EmailSent is the only one
    assert first is not None
    assert second is None
    assert len(world.mailer.sent) == 1
    assert [fact for fact in world.bus.facts if isinstance(fact, EmailSent)] == [first]
    assert world.sequences.counts(TENANT, "onboarding").steps["welcome"].sent == 1


@pytest.mark.parametrize(
    "change",
    [{"cursor": 2}, {"generation": 2}, {"version": 2}],
    ids=["cursor-mismatch", "generation-mismatch", "version-mismatch"],
)
def test_a_stale_order_is_ignored(world: World, change: dict[str, int]) -> None:
    # Given ada's welcome order, and an order that does not describe where the enrollment stands
    order = _enrolled(world)
    stale = order.model_copy(update=change)
    # When the stale order is handled / Then nothing is sent and the enrollment is untouched
    before = _enrollment(world, order)
    assert send_step(world.send_ports(), stale) is None
    assert world.mailer.attempts == 0
    assert _enrollment(world, order) == before


def test_an_order_for_an_enrollment_that_ended_is_ignored(world: World) -> None:
    # Given ada converted (upgraded) after her welcome order was queued
    order = _enrolled(world)
    handle_contact_event(world.enroll_ports(), contact_event("upgraded", event_id="evt-2"))
    # When the order is handled / Then nothing is sent and she stays converted
    assert send_step(world.send_ports(), order) is None
    assert world.mailer.attempts == 0
    assert _enrollment(world, order).status is EnrollmentStatus.CONVERTED


def test_an_order_for_an_unknown_enrollment_is_ignored(world: World) -> None:
    world.given_sequence(document())
    order = SendStep(tenant_id=TENANT, contact_id="ghost", sequence_id="onboarding", version=1, generation=1, cursor=0)
    assert send_step(world.send_ports(), order) is None
    assert world.mailer.attempts == 0


def test_a_contact_that_disappeared_exits_the_enrollment_without_a_send(world: World) -> None:
    # Given ada's welcome order, and ada erased since she enrolled
    order = _enrolled(world)
    world.contacts.erase(TENANT, order.contact_id)
    # When the order is handled
    result = send_step(world.send_ports(), order)
    # Then nothing is sent, the enrollment exited (and is counted so), and nothing is due any more
    assert result is None
    assert world.mailer.attempts == 0
    enrollment = _enrollment(world, order)
    assert (enrollment.status, enrollment.due_at) == (EnrollmentStatus.EXITED, None)
    assert world.sequences.counts(TENANT, "onboarding").exited == 1


def test_an_order_for_a_missing_sequence_version_is_not_found(world: World) -> None:
    # Given an active enrollment pinned to version 7, which the repository does not hold
    world.given_sequence(document())
    enrollment = Enrollment.start(TENANT, "c1", document(), 7, T0)
    world.enrollments.create(enrollment)
    order = SendStep(tenant_id=TENANT, contact_id="c1", sequence_id="onboarding", version=7, generation=1, cursor=0)
    # When the order is handled / Then it fails loudly, naming the version
    with pytest.raises(NotFound, match="onboarding@7"):
        send_step(world.send_ports(), order)


def test_an_enrollment_keeps_sending_its_pinned_version_after_the_sequence_changes(world: World) -> None:
    # Given ada enrolled at v1, then the welcome subject changed in v2
    order = _enrolled(world)
    steps = document().canonical()["steps"]
    steps[0]["email"]["subject"] = "Brand new subject"
    world.given_sequence(document(steps=steps), version=2)
    # When her order is handled / Then she gets the v1 email
    send_step(world.send_ports(), order)
    assert world.mailer.sent[0].subject == "Welcome, Ada"


def _run_scheduler_and_sender(world: World) -> list[EmailSent]:
    already = len(world.queue.orders)
    dispatch_all_due(world.schedule_ports(), page_size=10, max_pages=5)
    return [sent for order in world.queue.orders[already:] if (sent := send_step(world.send_ports(), order))]


def test_a_whole_journey_sends_each_email_once_at_its_time_and_completes(world: World) -> None:
    # Given ada enrolled; the welcome email is queued at once
    order = _enrolled(world)
    assert send_step(world.send_ports(), order) is not None
    # When time passes, with the scheduler and the sender running
    timeline: list[tuple[datetime, list[str]]] = []
    for hours in (24, 24, 24, 24, 24, 24):
        world.clock.advance(hours=hours)
        timeline.append((world.clock.now(), [sent.step_id for sent in _run_scheduler_and_sender(world)]))
    # Then tips goes 2 days after welcome, last-call 3 days after tips, and nothing after that
    assert [steps for _, steps in timeline] == [[], ["tips"], [], [], ["last-call"], []]
    assert [email.subject for email in world.mailer.sent] == ["Welcome, Ada", "Three tips", "Last call"]
    # And the enrollment is completed, every step counted once
    enrollment = _enrollment(world, order)
    assert (enrollment.status, enrollment.due_at) == (EnrollmentStatus.COMPLETED, None)
    counts = world.sequences.counts(TENANT, "onboarding")
    assert (counts.enrolled, counts.completed) == (1, 1)
    assert {step: c.sent for step, c in counts.steps.items()} == {"welcome": 1, "tips": 1, "last-call": 1}
