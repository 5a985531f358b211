"""The AI layer in the use cases: the step worker (arms kept, sends counted, send hours and scores read), the
tracking edge (first opens into histories and arm rewards) and the trainer (snapshots, labels, held-out AUC)."""

from dataclasses import replace
from datetime import timedelta

from ai_fakes import fake_ai
from builders import contact_event, document_data
from emailseq.domain.ai.score import EngagementProfile
from emailseq.domain.messages import SendStep
from emailseq.domain.sequence import SequenceDocument
from emailseq.logic.engagement import send_key
from emailseq.logic.enroll import handle_contact_event
from emailseq.logic.run_step import run_step
from emailseq.logic.tracking import record_click, record_open
from emailseq.logic.train import MIN_CONTACTS, TrainPorts, train_tenant
from emailseq.rendering.tracking import Claim, TrackedSend
from fakes import T0, TENANT, FakeClock, World

BANDIT = {"id": "welcome", "email": {"subjects": ["Hello A", "Hello B"], "html": "<p>Hi</p>"}}


def _enrolled(world: World, steps: list[dict[str, object]]) -> SendStep:
    world.given_sequence(SequenceDocument.model_validate(document_data(steps=steps)))
    handle_contact_event(world.enroll_ports(), contact_event("signed_up", first_name="Ada", timezone="UTC"))
    (order,) = world.queue.orders
    world.delivered = 1
    return order


def test_a_bandit_step_sends_one_arm_and_a_retry_keeps_it() -> None:
    # Given a two-subject step and the AI ports
    world = World()
    ai, engagement, arms, _ = fake_ai()
    order = _enrolled(world, [BANDIT])
    ports = replace(world.step_ports(), ai=ai)
    # When the order runs, and the same send is assigned again (a retry after a crash)
    run_step(ports, order)
    (sent,) = world.mailer.sent
    key = send_key("onboarding", order.contact_id, order.generation, "welcome")
    again = arms.assign(TENANT, "onboarding", "welcome", key, 1 - ["Hello A", "Hello B"].index(sent.subject))
    # Then the email carried one of the subjects, the retry got the same arm, and one send was counted
    assert ["Hello A", "Hello B"][again] == sent.subject
    stats = arms.stats(TENANT, "onboarding", "welcome", 2)["opens"]
    assert sum(arm.sends for arm in stats) == 1
    # And the contact's engagement history counts the send
    assert engagement.history(TENANT, order.contact_id).profile.sends == 1


def test_a_first_open_feeds_the_hour_histogram_and_rewards_the_arm_once() -> None:
    world = World()
    ai, engagement, arms, _ = fake_ai()
    order = _enrolled(world, [BANDIT])
    run_step(replace(world.step_ports(), ai=ai), order)
    claim = Claim("o", TrackedSend(TENANT, order.contact_id, "onboarding", order.generation, "welcome"))
    tracking = replace(world.tracking_ports(), ai=ai)
    # When the pixel loads twice (at Monday 09:00 UTC) and the link is clicked
    record_open(tracking, claim)
    record_open(tracking, claim)
    record_click(tracking, Claim("c", claim.send, "https://example.com"))
    # Then one open landed in hour 9 of the week, one click was counted, and the arm got one open and one click
    history = engagement.history(TENANT, order.contact_id)
    assert (history.hours.opens, history.profile.opens, history.profile.clicks) == ({9: 1}, 1, 1)
    stats = arms.stats(TENANT, "onboarding", "welcome", 2)
    assert sum(a.successes for a in stats["opens"]) == 1
    assert sum(a.successes for a in stats["clicks"]) == 1


def test_send_at_optimal_waits_for_the_contacts_best_hour_from_its_history() -> None:
    # Given a contact whose history says Tuesday 10:00 (hour 34), and a step with send_at: optimal
    world = World()
    ai, engagement, _, _ = fake_ai()
    order = _enrolled(world, [{**BANDIT, "send_at": "optimal"}])
    for _ in range(20):
        engagement.record_send(TENANT, order.contact_id, T0, ["tenant"])
        engagement.record_open(TENANT, order.contact_id, 34, T0, ["tenant"])
    # When the order runs on Monday 09:00
    run_step(replace(world.step_ports(), ai=ai), order)
    # Then nothing went out yet and the enrollment sleeps until Tuesday 10:00
    enrollment = world.enrollments.get(TENANT, order.contact_id, "onboarding")
    assert world.mailer.sent == []
    assert enrollment is not None
    assert enrollment.due_at == T0 + timedelta(days=1, hours=1)


def test_the_trainer_labels_last_months_snapshot_and_reports_a_held_out_auc() -> None:
    # Given 300 contacts a month ago: engaged ones (who keep opening) and lapsed ones (who stop)
    _ai, engagement, _, models = fake_ai()
    clock = FakeClock()
    ports = TrainPorts(engagement, models, clock)
    for i in range(300):
        engaged = i % 3 != 0
        opened = T0 - timedelta(days=2 if engaged else 20)
        profile = EngagementProfile(sends=10, opens=6 if engaged else 1, last_opened_at=opened, last_sent_at=T0)
        engagement.contacts[(TENANT, f"c{i:03}")] = replace(engagement.history(TENANT, "x"), profile=profile)
    assert train_tenant(ports, TENANT, timedelta(days=30)).outcome == "no_snapshot"
    # When a month passes: engaged contacts opened again, lapsed ones did not, and the trainer runs
    clock.advance(days=30)
    for i in range(300):
        if i % 3 != 0:
            engagement.record_open(TENANT, f"c{i:03}", 9, clock.now(), [])
    result = train_tenant(ports, TENANT, timedelta(days=30))
    # Then a model was stored with its held-out AUC, and it ranks the lapsed contacts as likelier to churn
    assert result.outcome == "trained"
    assert result.contacts == 300 >= MIN_CONTACTS
    model = models.model(TENANT)
    assert model is not None
    assert model.auc == result.auc
    assert result.auc is not None
    assert result.auc > 0.9
