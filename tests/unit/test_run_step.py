"""run_step: run an enrollment from its due step until it must sleep, every effect exactly once."""

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from builders import (
    branch,
    contact_event,
    document,
    email,
    sequence,
    update_attribute,
    wait,
    webhook,
)
from emailseq.domain.enrollment import Enrollment, EnrollmentStatus
from emailseq.domain.errors import NotFound
from emailseq.domain.messages import EmailSent, SendStep, well_formed_orders
from emailseq.domain.sequence import SequenceDocument
from emailseq.domain.tenant import TenantSettings
from emailseq.logic.enroll import handle_contact_event
from emailseq.logic.run_step import read_ahead, run_step
from emailseq.logic.tracking import record_open
from emailseq.rendering.tracking import Claim, LinkSigner, TrackedSend
from fakes import (
    T0,
    TENANT,
    TRACKING_BASE,
    TRACKING_SECRET,
    FakeEnrollmentStore,
    FakeTenantSettings,
    ProviderError,
    WebhookError,
    World,
)

DAY = timedelta(days=1)


def _enrolled(world: World, doc: SequenceDocument | None = None) -> SendStep:
    """Ada signs up for `doc` (the onboarding sequence by default, v1); returns the order queued for her first step."""
    world.given_sequence(doc or document())
    handle_contact_event(world.enroll_ports(), contact_event("signed_up", first_name="Ada"))
    (order,) = world.queue.orders
    world.delivered = 1  # this test delivers the first order itself
    return order


def _enrollment(world: World, order: SendStep) -> Enrollment:
    enrollment = world.enrollments.get(order.tenant_id, order.contact_id, order.sequence_id)
    assert enrollment is not None
    return enrollment


def _emails_sent(world: World) -> list[EmailSent]:
    return [fact for fact in world.bus.facts if isinstance(fact, EmailSent)]


# -- the happy path ------------------------------------------------------------------------------------------------


def test_an_order_sends_the_email_once_and_puts_the_enrollment_to_sleep_for_the_wait(world: World) -> None:
    # Given ada enrolled, with her first step queued
    order = _enrolled(world)
    world.clock.advance(minutes=1)
    # When the order is handled
    happened = run_step(world.step_ports(), order)
    # Then one welcome email went to ada, rendered for her, tagged with her tenant
    (sent_email,) = world.mailer.sent
    assert (sent_email.to, sent_email.subject, sent_email.tenant_id) == ("ada@example.com", "Welcome, Ada", TENANT)
    # And the enrollment went through the 2-day wait: at `tips` (instruction 2), due 2 days after the send
    enrollment = _enrollment(world, order)
    assert (enrollment.cursor, enrollment.due_at, enrollment.status) == (
        2,
        T0 + timedelta(minutes=1) + 2 * DAY,
        EnrollmentStatus.ACTIVE,
    )
    # And EmailSent, with the provider's message id, is returned, published and counted
    expected = EmailSent(
        tenant_id=TENANT,
        contact_id=order.contact_id,
        sequence_id="onboarding",
        step_id="welcome",
        message_id="provider-1",
        sent_at=T0 + timedelta(minutes=1),
    )
    assert happened == [expected]
    assert world.bus.batches[-1] == [expected]
    assert world.sequences.counts(TENANT, "onboarding").steps["welcome"].sent == 1


def test_an_orders_enrollment_sequence_status_and_contact_are_read_in_one_request(world: World) -> None:
    # Given ada's first order
    order = _enrolled(world)
    # When it is handled
    run_step(world.step_ports(), order)
    # Then its three reads were one request
    assert world.reads.requests == 1


def test_a_batch_of_orders_read_ahead_takes_one_request_and_each_order_runs_as_read(world: World) -> None:
    # Given two contacts enrolled, their first orders in one batch
    world.given_sequence(document())
    for n, name in enumerate(("Ada", "Grace")):
        event = contact_event(event_id=f"e{n}", address=f"{name.lower()}@example.com", first_name=name)
        handle_contact_event(world.enroll_ports(), event)
    orders = world.queue.orders
    # When the batch is read ahead and its orders run
    read_ahead(world.step_ports(), orders)
    for order in orders:
        run_step(world.step_ports(), order)
    # Then both emails went out on one read request
    assert sorted(e.subject for e in world.mailer.sent) == ["Welcome, Ada", "Welcome, Grace"]
    assert world.reads.requests == 1


def test_only_the_well_formed_orders_of_a_batch_are_read_ahead(world: World) -> None:
    # Given a batch's bodies: ada's order, then three that are not orders
    order = _enrolled(world)
    bodies = [order.model_dump_json(), "{not json", '{"tenant_id": "acme"}', ""]
    # When they are parsed for the read-ahead / Then only ada's order is left (the others fail where handled)
    assert well_formed_orders(bodies) == [order]


def test_an_order_twice_in_a_batch_reads_afresh_the_second_time_and_sends_once(world: World) -> None:
    # Given ada's order twice in one batch (SQS delivered it twice), read ahead
    order = _enrolled(world)
    read_ahead(world.step_ports(), [order, order])
    # When both copies run
    first, second = run_step(world.step_ports(), order), run_step(world.step_ports(), order)
    # Then the second read the moved enrollment (a request of its own) and did nothing
    assert (len(first), second, len(world.mailer.sent)) == (1, [], 1)
    assert world.reads.requests == 2


def test_an_order_read_ahead_before_another_worker_ran_it_neither_resends_nor_recounts(world: World) -> None:
    # Given ada's order read ahead, then run to completion by another worker before this one gets to it
    order = _enrolled(world)
    read_ahead(world.step_ports(), [order])
    other = World(enrollments=world.enrollments, contacts=world.contacts, mailer=world.mailer, once=world.once)
    other.sequences = world.sequences
    assert len(run_step(other.step_ports(), order)) == 1
    # When this worker runs it on what it read ahead
    happened = run_step(world.step_ports(), order)
    # Then the once-only guard and the conditional move hold: no second email, no second count, nothing reported
    assert happened == []
    assert len(world.mailer.sent) == 1
    assert world.sequences.counts(TENANT, "onboarding").steps["welcome"].sent == 1


@pytest.mark.parametrize("batched", [True, False], ids=["one-request", "three-reads"])
@pytest.mark.parametrize("then", ["sends", "unsubscribed", "paused", "stale"])
def test_read_in_one_request_or_three_an_order_ends_the_same(batched: bool, then: str) -> None:
    # Given ada's first order, with or without the batched reads, and what happened since she enrolled
    world = World(batched_reads=batched)
    order = _enrolled(world)
    if then == "unsubscribed":
        world.contacts.unsubscribe(TENANT, order.contact_id, T0, "link")
    elif then == "paused":
        world.sequences.set_status(TENANT, "onboarding", "paused")
    elif then == "stale":
        order = order.model_copy(update={"generation": 2})
    # When it is handled
    run_step(world.step_ports(), order)
    # Then the outcome depends only on what happened, not on how it was read
    expected = {
        "sends": (["Welcome, Ada"], EnrollmentStatus.ACTIVE),
        "unsubscribed": ([], EnrollmentStatus.EXITED),
        "paused": ([], EnrollmentStatus.ACTIVE),
        "stale": ([], EnrollmentStatus.ACTIVE),
    }[then]
    enrollment = world.enrollments.get(TENANT, order.contact_id, "onboarding")
    assert enrollment is not None
    assert ([e.subject for e in world.mailer.sent], enrollment.status) == expected
    assert world.reads.requests == (1 if batched else 0)


def test_an_email_and_the_wait_or_the_end_after_it_are_recorded_in_one_write(world: World) -> None:
    # Given ada enrolled in email → 1 day → email (the last step)
    order = _enrolled(world, sequence(email("first"), wait("1d"), email("last")))
    world.clock.advance(minutes=1)
    # When the first order is handled
    run_step(world.step_ports(), order)
    # Then the send and the wait after it took one conditional write: asleep at `last`, due a day later
    enrollment = _enrollment(world, order)
    assert (world.enrollments.replaces, enrollment.cursor) == (1, 2)
    assert enrollment.due_at == T0 + timedelta(minutes=1) + DAY
    # When the last email is due and its order handled
    world.clock.advance(days=1)
    run_step(world.step_ports(), order.model_copy(update={"cursor": 2}))
    # Then that send and the sequence's end took one write more, and both emails and the completion are counted
    assert world.enrollments.replaces == 2
    assert _enrollment(world, order).status is EnrollmentStatus.COMPLETED
    counts = world.sequences.counts(TENANT, "onboarding")
    assert (counts.steps["first"].sent, counts.steps["last"].sent, counts.completed) == (1, 1, 1)


def test_a_run_clears_the_lease_and_indexes_the_enrollment_at_its_next_due_time(world: World) -> None:
    order = _enrolled(world)
    assert world.enrollments.leased_until(TENANT, order.contact_id, "onboarding") is not None
    run_step(world.step_ports(), order)
    assert world.enrollments.leased_until(TENANT, order.contact_id, "onboarding") is None
    assert world.enrollments.index_at(TENANT, order.contact_id, "onboarding") == T0 + 2 * DAY


def test_back_to_back_emails_go_out_in_one_run_in_order(world: World) -> None:
    order = _enrolled(world, sequence(email("a"), email("b"), email("c"), wait("1d"), email("d")))
    happened = run_step(world.step_ports(), order)
    assert [fact.step_id for fact in happened] == ["a", "b", "c"]  # type: ignore[union-attr]
    assert _enrollment(world, order).cursor == 4


def test_a_run_does_a_bounded_number_of_effects_and_the_scheduler_picks_up_the_rest(world: World) -> None:
    # Given 40 emails back to back
    order = _enrolled(world, sequence(*(email(f"e{n}") for n in range(40))))
    # When the first order is handled / Then it stops early, leaving the enrollment due now
    first = run_step(world.step_ports(), order)
    assert 0 < len(first) < 40
    assert _enrollment(world, order).due_at == T0
    # And the scheduler's next run sends the rest, each email once, in order, and completes it
    world.tick()
    assert [sent.step_id for sent in _emails_sent(world)] == [f"e{n}" for n in range(40)]
    assert len(world.mailer.sent) == 40
    assert _enrollment(world, order).status is EnrollmentStatus.COMPLETED


# -- exactly once --------------------------------------------------------------------------------------------------


def test_the_same_order_again_after_a_success_sends_nothing(world: World) -> None:
    # Given the welcome email was sent for an order
    order = _enrolled(world)
    run_step(world.step_ports(), order)
    published = len(world.bus.facts)
    # When the same order is delivered again (SQS delivers at least once)
    again = run_step(world.step_ports(), order)
    # Then nothing is sent, published or counted again
    assert again == []
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
        run_step(world.step_ports(), order)
    # And nothing was sent, moved, counted or published
    assert world.mailer.sent == []
    assert _enrollment(world, order) == before
    assert world.sequences.counts(TENANT, "onboarding").steps == {}
    assert _emails_sent(world) == []


def test_a_retry_after_a_provider_failure_sends_exactly_once(world: World) -> None:
    # Given a first attempt that failed at the provider
    order = _enrolled(world)
    world.mailer.fail_next(1)
    with pytest.raises(ProviderError):
        run_step(world.step_ports(), order)
    # When the order is redelivered, and then delivered once more
    sent = run_step(world.step_ports(), order)
    repeat = run_step(world.step_ports(), order)
    # Then the email went out once, on the retry, and the enrollment moved on once
    assert world.mailer.attempts == 2
    assert len(world.mailer.sent) == 1
    assert [fact.step_id for fact in sent] == ["welcome"]  # type: ignore[union-attr]
    assert repeat == []
    assert _enrollment(world, order).cursor == 2


def test_a_crash_between_sending_and_moving_on_does_not_send_twice_on_retry(world: World) -> None:
    # Given a send that reached the provider, but the enrollment write after it failed (timeout, crash)
    order = _enrolled(world)
    world.enrollments.break_next_replace(TimeoutError("DynamoDB timed out"))
    with pytest.raises(TimeoutError):
        run_step(world.step_ports(), order)
    assert len(world.mailer.sent) == 1
    assert _enrollment(world, order).cursor == 0
    # When the order is redelivered
    happened = run_step(world.step_ports(), order)
    # Then the email is not sent again, but the enrollment now moves on and the send is reported once
    assert len(world.mailer.sent) == 1
    assert [(fact.step_id, fact.message_id) for fact in happened] == [("welcome", "provider-1")]  # type: ignore[union-attr]
    assert _enrollment(world, order).cursor == 2
    assert _emails_sent(world) == happened
    assert world.sequences.counts(TENANT, "onboarding").steps["welcome"].sent == 1


def test_a_crash_is_recovered_by_the_scheduler_once_the_lease_runs_out(world: World) -> None:
    # Given the write after the send failed, and the order was lost (no redelivery)
    order = _enrolled(world)
    world.enrollments.break_next_replace(TimeoutError("DynamoDB timed out"))
    with pytest.raises(TimeoutError):
        run_step(world.step_ports(), order)
    # When the scheduler runs before and after the lease ran out
    world.clock.advance(minutes=5)
    assert world.tick() == []
    world.clock.advance(minutes=15)
    world.tick()
    # Then the enrollment moved on, with still one email sent
    assert len(world.mailer.sent) == 1
    assert _enrollment(world, order).cursor == 2


class _StaleReadStore(FakeEnrollmentStore):
    """get() answers from a snapshot taken earlier: a second worker that read concurrently with the first."""

    def __init__(self) -> None:
        super().__init__()
        self.snapshot: dict[tuple[str, str, str], Enrollment] | None = None

    def get(self, tenant_id: str, contact_id: str, sequence_id: str) -> Enrollment | None:
        if self.snapshot is not None:
            return self.snapshot.get((tenant_id, contact_id, sequence_id))
        return super().get(tenant_id, contact_id, sequence_id)


def test_a_worker_that_read_before_another_finished_neither_resends_nor_reports() -> None:
    # Given two workers holding the same order, the second having read the enrollment before the first moved it
    world = World(enrollments=_StaleReadStore())
    order = _enrolled(world)
    snapshot = world.enrollments.rows  # a copy: what the second worker read
    first = run_step(world.step_ports(), order)
    world.enrollments.snapshot = snapshot  # type: ignore[attr-defined]
    # When the second worker handles it
    second = run_step(world.step_ports(), order)
    # Then it neither sends again nor reports: the first worker's EmailSent is the only one
    assert len(first) == 1
    assert second == []
    assert len(world.mailer.sent) == 1
    assert _emails_sent(world) == first
    assert world.sequences.counts(TENANT, "onboarding").steps["welcome"].sent == 1


class _InterleavingStore(FakeEnrollmentStore):
    """Before the first replace() is written, `meanwhile` runs: a second worker overtaking the first."""

    def __init__(self) -> None:
        super().__init__()
        self.meanwhile: Callable[[], None] | None = None

    def replace(self, before: Enrollment, after: Enrollment, sent_step: str | None = None) -> bool:
        if self.meanwhile is not None:
            overtake, self.meanwhile = self.meanwhile, None
            overtake()
        return super().replace(before, after, sent_step)


def test_two_workers_racing_on_one_order_send_and_report_once() -> None:
    # Given worker A has sent the email and is about to write the move, when worker B handles the same order
    world = World(enrollments=_InterleavingStore())
    order = _enrolled(world)
    from_b: list[list[EmailSent]] = []
    world.enrollments.meanwhile = lambda: from_b.append(run_step(world.step_ports(), order))  # type: ignore[attr-defined,arg-type]
    # When A goes on
    from_a = run_step(world.step_ports(), order)
    # Then B found the email already sent (the once-only guard), moved the enrollment and reported the send;
    # A's write lost and it reports nothing: one email, one EmailSent, one count
    assert len(world.mailer.sent) == 1
    assert (from_a, [[fact.step_id for fact in facts] for facts in from_b]) == ([], [["welcome"]])
    assert len(_emails_sent(world)) == 1
    assert world.sequences.counts(TENANT, "onboarding").steps["welcome"].sent == 1
    assert _enrollment(world, order).cursor == 2


# -- orders that must do nothing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [{"cursor": 2}, {"generation": 2}, {"version": 2}],
    ids=["cursor-mismatch", "generation-mismatch", "version-mismatch"],
)
def test_a_stale_order_is_ignored(world: World, change: dict[str, int]) -> None:
    # Given ada's first order, and an order that does not describe where the enrollment stands
    order = _enrolled(world)
    stale = order.model_copy(update=change)
    before = _enrollment(world, order)
    # When the stale order is handled / Then nothing is sent and the enrollment is untouched
    assert run_step(world.step_ports(), stale) == []
    assert world.mailer.attempts == 0
    assert _enrollment(world, order) == before


def test_an_early_order_does_nothing_until_the_enrollment_is_due(world: World) -> None:
    # Given ada sleeping at `tips` until T0 + 2d, and an order for that step delivered a day early
    order = _enrolled(world)
    run_step(world.step_ports(), order)
    early = order.model_copy(update={"cursor": 2})
    world.clock.set(T0 + DAY)
    before = _enrollment(world, order)
    # When it is handled / Then nothing is sent and the enrollment is untouched
    assert run_step(world.step_ports(), early) == []
    assert len(world.mailer.sent) == 1
    assert _enrollment(world, order) == before
    # And the same order once due sends `tips`
    world.clock.set(T0 + 2 * DAY)
    assert [fact.step_id for fact in run_step(world.step_ports(), early)] == ["tips"]  # type: ignore[union-attr]


def test_an_order_for_an_enrollment_that_ended_is_ignored(world: World) -> None:
    # Given ada converted (upgraded) after her first order was queued
    order = _enrolled(world)
    handle_contact_event(world.enroll_ports(), contact_event("upgraded", event_id="evt-2"))
    # When the order is handled / Then nothing is sent and she stays converted
    assert run_step(world.step_ports(), order) == []
    assert world.mailer.attempts == 0
    assert _enrollment(world, order).status is EnrollmentStatus.CONVERTED


def test_an_order_for_an_unknown_enrollment_is_ignored(world: World) -> None:
    world.given_sequence(document())
    order = SendStep(tenant_id=TENANT, contact_id="ghost", sequence_id="onboarding", version=1, generation=1, cursor=0)
    assert run_step(world.step_ports(), order) == []
    assert world.mailer.attempts == 0


@pytest.mark.parametrize("how", ["erased", "unsubscribed"])
def test_a_contact_that_is_gone_or_unsubscribed_exits_without_a_send(world: World, how: str) -> None:
    # Given ada's first order, and ada erased / unsubscribed since she enrolled
    order = _enrolled(world)
    if how == "erased":
        world.contacts.erase(TENANT, order.contact_id)
    else:
        assert world.contacts.unsubscribe(TENANT, order.contact_id, T0, "link")
    world.clock.advance(minutes=2)
    # When the order is handled
    result = run_step(world.step_ports(), order)
    # Then nothing is sent, the enrollment exited now (and is counted so), and nothing is due any more
    assert result == []
    assert world.mailer.attempts == 0
    enrollment = _enrollment(world, order)
    assert (enrollment.status, enrollment.due_at, enrollment.ended_at) == (
        EnrollmentStatus.EXITED,
        None,
        T0 + timedelta(minutes=2),
    )
    assert world.sequences.counts(TENANT, "onboarding").exited == 1


def test_an_unsubscribe_between_two_emails_stops_the_second(world: World) -> None:
    # Given ada got the welcome email and unsubscribed during the wait
    order = _enrolled(world)
    run_step(world.step_ports(), order)
    world.contacts.unsubscribe(TENANT, order.contact_id, T0 + DAY, "one-click")
    # When the wait is over and the scheduler runs / Then `tips` is not sent and she exited
    world.clock.set(T0 + 2 * DAY)
    world.tick()
    assert [e.subject for e in world.mailer.sent] == ["Welcome, Ada"]
    assert _enrollment(world, order).status is EnrollmentStatus.EXITED


def test_an_order_for_a_missing_sequence_version_is_not_found(world: World) -> None:
    # Given an active enrollment pinned to version 7, which the repository does not hold
    world.given_sequence(document())
    assert world.enrollments.create(Enrollment.start(TENANT, "c1", document(), 7, T0))
    order = SendStep(tenant_id=TENANT, contact_id="c1", sequence_id="onboarding", version=7, generation=1, cursor=0)
    # When the order is handled / Then it fails loudly, naming the version
    with pytest.raises(NotFound, match="onboarding@7"):
        run_step(world.step_ports(), order)


def test_an_enrollment_keeps_running_its_pinned_version_after_the_sequence_changes(world: World) -> None:
    # Given ada enrolled at v1, then the welcome subject changed in v2
    order = _enrolled(world)
    steps = document().canonical()["steps"]
    steps[0]["email"]["subject"] = "Brand new subject"
    world.given_sequence(document(steps=steps), version=2)
    # When her order is handled / Then she gets the v1 email
    run_step(world.step_ports(), order)
    assert world.mailer.sent[0].subject == "Welcome, Ada"


# -- update_attribute and webhook ------------------------------------------------------------------------------------

SIDE_EFFECTS = sequence(
    update_attribute("mark", stage="trial", score=3),
    webhook("crm", body={"event": "trial_started"}),
    email("welcome"),
)


def test_update_attribute_and_webhook_are_done_and_the_email_follows(world: World) -> None:
    # Given a sequence that tags the contact, tells the CRM, then sends the welcome email
    order = _enrolled(world, SIDE_EFFECTS)
    # When the first order is handled
    happened = run_step(world.step_ports(), order)
    # Then the attributes were set on ada, the webhook got her ids (and an idempotency key), and the email went out
    contact = world.contacts.get(TENANT, order.contact_id)
    assert contact is not None
    assert (contact.attributes["stage"], contact.attributes["score"]) == ("trial", 3)
    ((url, body, key),) = world.webhooks.calls
    assert url == "https://hooks.example.com/crm"
    assert body == {
        "event": "trial_started",
        "contact_id": order.contact_id,
        "sequence_id": "onboarding",
        "step_id": "crm",
    }
    assert key.endswith("/1")  # the idempotency key is the effect's once-only key: (enrollment, instruction 1)
    assert order.contact_id in key
    assert [fact.step_id for fact in happened] == ["welcome"]  # type: ignore[union-attr]
    assert _enrollment(world, order).status is EnrollmentStatus.COMPLETED


@pytest.mark.parametrize("allowed", [False, True], ids=["default", "tenant-allows-private"])
def test_the_webhook_may_call_private_targets_only_when_the_tenant_allows_it(world: World, allowed: bool) -> None:
    # Given a tenant that did (or did not) allow webhook steps to reach private addresses
    settings = FakeTenantSettings()
    settings.put(TENANT, TenantSettings(allow_private_webhook_targets=allowed))
    order = _enrolled(world, SIDE_EFFECTS)
    # When the webhook step runs
    run_step(replace(world.step_ports(), settings=settings), order)
    # Then the caller was told exactly that (it refuses non-public targets otherwise: see test_webhook_ssrf)
    assert world.webhooks.private_allowed == [allowed]


@pytest.mark.parametrize("crash_at", [0, 1], ids=["after-update-attribute", "after-webhook"])
def test_update_attribute_and_webhook_happen_once_across_a_crash_and_redeliveries(world: World, crash_at: int) -> None:
    # Given the write after the update (or after the webhook) fails once
    order = _enrolled(world, SIDE_EFFECTS)
    world.enrollments.break_next_replace(TimeoutError("DynamoDB timed out"), after=crash_at)
    with pytest.raises(TimeoutError):
        run_step(world.step_ports(), order)
    # When the order is redelivered three times more, and the scheduler offers whatever is due
    for _ in range(3):
        run_step(world.step_ports(), order)
    world.tick()
    # Then the attributes were written once, the webhook called once, the email sent once
    assert len(world.contacts.attribute_writes) == 1
    assert len(world.webhooks.calls) == 1
    assert len(world.mailer.sent) == 1


def test_a_failing_webhook_is_retried_and_called_once_when_it_succeeds(world: World) -> None:
    # Given a receiver that fails twice
    order = _enrolled(world, SIDE_EFFECTS)
    world.webhooks.fail_next(2)
    # When the first order runs / Then the update is done and stored, and the webhook's failure propagates
    with pytest.raises(WebhookError):
        run_step(world.step_ports(), order)
    # And the redelivered order is stale (the enrollment moved past the update): it does nothing
    assert run_step(world.step_ports(), order) == []
    # When the scheduler offers the webhook step, it fails again; the queue's redelivery of that order succeeds
    with pytest.raises(WebhookError):
        world.tick()
    assert (len(world.contacts.attribute_writes), world.mailer.sent) == (1, [])
    run_step(world.step_ports(), world.queue.orders[-1])
    # Then the webhook was attempted three times and delivered once, and the email followed once
    assert (world.webhooks.attempts, len(world.webhooks.calls), len(world.mailer.sent)) == (3, 1, 1)
    assert len(world.contacts.attribute_writes) == 1


# -- journeys through the scheduler ----------------------------------------------------------------------------------


def test_a_whole_journey_sends_each_email_once_at_its_time_and_completes(world: World) -> None:
    # Given ada enrolled; her first step is queued at once
    order = _enrolled(world)
    assert run_step(world.step_ports(), order) != []
    # When time passes a day at a time, with the scheduler and the step worker running
    timeline: list[tuple[datetime, list[str]]] = []
    for _ in range(6):
        world.clock.advance(hours=24)
        timeline.append((world.clock.now(), [sent.step_id for sent in world.tick()]))  # type: ignore[union-attr]
    # Then tips goes 2 days after welcome, last-call 3 days after tips, and nothing after that
    assert [steps for _, steps in timeline] == [[], ["tips"], [], [], ["last-call"], []]
    assert [e.subject for e in world.mailer.sent] == ["Welcome, Ada", "Three tips", "Last call"]
    # And the enrollment is completed, every step counted once
    enrollment = _enrollment(world, order)
    assert (enrollment.status, enrollment.due_at) == (EnrollmentStatus.COMPLETED, None)
    counts = world.sequences.counts(TENANT, "onboarding")
    assert (counts.enrolled, counts.completed) == (1, 1)
    assert {step: c.sent for step, c in counts.steps.items()} == {"welcome": 1, "tips": 1, "last-call": 1}


@pytest.mark.parametrize(("opened", "follow_up"), [(True, "thanks"), (False, "reminder")])
def test_an_open_recorded_by_tracking_steers_a_later_branch(world: World, opened: bool, follow_up: str) -> None:
    # Given welcome, a day's wait, then a branch on whether welcome was opened
    doc = sequence(email("welcome"), wait("1d"), branch("b", [email("thanks")], [email("reminder")], opened="welcome"))
    order = _enrolled(world, doc)
    run_step(world.step_ports(), order)
    # When ada opens it (or not) during the wait, and the wait ends
    if opened:
        send = TrackedSend(TENANT, order.contact_id, "onboarding", 1, "welcome")
        assert record_open(world.tracking_ports(), Claim("o", send))
    world.clock.advance(DAY)
    world.tick()
    # Then the follow-up matches
    assert [fact.step_id for fact in _emails_sent(world)] == ["welcome", follow_up]


def test_an_email_outside_the_send_window_goes_when_the_window_opens(world: World) -> None:
    # Given weekday 09:00-17:00 UTC sending, and ada signing up on Saturday 20:00
    window = {"days": ["mon", "tue", "wed", "thu", "fri"], "from": "09:00", "to": "17:00"}
    world.clock.set(T0 + 5 * DAY + timedelta(hours=11))
    order = _enrolled(world, sequence(email("welcome"), send_window=window))
    # When her first order is handled / Then nothing goes out on the weekend; she is due Monday 09:00
    assert run_step(world.step_ports(), order) == []
    assert _enrollment(world, order).due_at == T0 + 7 * DAY
    world.clock.set(T0 + 7 * DAY - timedelta(minutes=1))
    assert world.tick() == []
    # And at Monday 09:00 the scheduler's run sends it
    world.clock.set(T0 + 7 * DAY)
    assert [fact.step_id for fact in world.tick()] == ["welcome"]  # type: ignore[union-attr]


def test_with_a_signer_emails_carry_tracking_for_this_enrollment_generation(world: World) -> None:
    # Given tracking configured / When ada's first email goes out
    world.signer = LinkSigner(TRACKING_SECRET, TRACKING_BASE)
    order = _enrolled(world)
    run_step(world.step_ports(), order)
    (sent_email,) = world.mailer.sent
    # Then the unsubscribe headers are there, and the unsubscribe token names this send (generation 1, welcome)
    link = sent_email.headers["List-Unsubscribe"].split(",")[0].strip()[1:-1]
    claim = world.signer.verify(link.rsplit("/", 1)[1])
    assert claim.send == TrackedSend(TENANT, order.contact_id, "onboarding", 1, "welcome")
    assert f"{TRACKING_BASE}/t/c/" in sent_email.html
    assert f"{TRACKING_BASE}/t/o/" in sent_email.html


def test_an_email_is_tagged_with_its_contact_so_bounces_find_their_way_back(world: World) -> None:
    # Given ada's first order / When it runs / Then the outgoing email names her contact id (and tenant)
    order = _enrolled(world)
    run_step(world.step_ports(), order)
    (sent_email,) = world.mailer.sent
    assert (sent_email.tenant_id, sent_email.contact_id) == (TENANT, order.contact_id)


def test_a_failure_later_in_a_run_does_not_lose_the_report_of_an_earlier_send(world: World) -> None:
    # Given two emails back to back, the provider failing the second once
    order = _enrolled(world, sequence(email("a"), email("b")))
    world.mailer.fail_next(1, after=1)
    # When the order runs (and fails on `b`), then the scheduler offers the rest
    with pytest.raises(ProviderError):
        run_step(world.step_ports(), order)
    world.tick()
    # Then both sends went out once, and both were reported
    assert len(world.mailer.sent) == 2
    assert [fact.step_id for fact in _emails_sent(world)] == ["a", "b"]
