"""The fakes honour the contracts of the ports they stand in for (otherwise the other tests prove nothing)."""

from dataclasses import replace
from datetime import timedelta

import pytest
from builders import document
from emailseq.domain.enrollment import Enrollment, EnrollmentStatus
from emailseq.domain.errors import Conflict
from emailseq.domain.ports import Contact, OutgoingEmail
from fakes import (
    T0,
    TENANT,
    FakeClock,
    FakeContactRepository,
    FakeEnrollmentStore,
    FakeMailSender,
    FakeOnceOnly,
    FakeWebhookCaller,
    MissingContact,
    ProviderError,
    WebhookError,
    World,
)


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


def test_store_create_replacing_overwrites_only_an_ended_enrollment_of_the_given_generation() -> None:
    # Given an active generation-1 enrollment with a recorded open and a lease
    store = FakeEnrollmentStore()
    first = _enrollment()
    store.create(first)
    store.record_fact(first, "opened", "welcome")
    store.lease(first, T0, T0 + timedelta(minutes=15))
    second = replace(_enrollment(), generation=2)
    # Then it cannot be replaced while active
    assert store.create(second, replacing=first) is False
    # When it has ended, replacing names the generation it saw: a stale one loses, the right one wins
    ended = first.exited(T0)
    assert store.replace(first, ended)
    assert store.create(second, replacing=replace(ended, generation=0)) is False
    assert store.create(second, replacing=ended) is True
    # And the new generation starts with no facts and no lease; a second replacement of generation 1 loses
    stored = store.get(TENANT, "c1", "onboarding")
    assert stored is not None
    assert (stored.generation, stored.facts.opened) == (2, frozenset())
    assert store.leased_until(TENANT, "c1", "onboarding") is None
    assert store.create(replace(second, generation=3), replacing=ended) is False
    assert store.counts(TENANT, "onboarding").enrolled == 2


def test_store_replace_succeeds_only_from_the_stored_state_and_counts_sends_and_end_states() -> None:
    store = FakeEnrollmentStore()
    first = _enrollment()
    store.create(first)
    advanced = replace(first, cursor=2)
    # A writer holding the stored state wins, counting the step
    assert store.replace(first, advanced, sent_step="welcome") is True
    # A writer still holding the old state (cursor, status or generation differs) loses and counts nothing
    assert store.replace(first, replace(first, cursor=4), sent_step="welcome") is False
    assert store.replace(replace(advanced, generation=2), advanced.converted(T0)) is False
    assert store.replace(replace(advanced, status=EnrollmentStatus.EXITED), advanced.converted(T0)) is False
    # Reaching an end state is counted once
    assert store.replace(advanced, advanced.converted(T0)) is True
    counts = store.counts(TENANT, "onboarding")
    assert (counts.steps["welcome"].sent, counts.converted, counts.completed, counts.exited) == (1, 1, 0, 0)
    # Nothing is replaced that was never created
    assert store.replace(_enrollment("ghost"), _enrollment("ghost").exited(T0)) is False


def test_store_replace_keeps_facts_recorded_meanwhile_and_drops_the_lease() -> None:
    # Given a worker that read an enrollment, then an open recorded and a lease taken by someone else
    store = FakeEnrollmentStore()
    read = _enrollment()
    store.create(read)
    store.record_fact(read, "opened", "welcome")
    assert store.lease(read, T0, T0 + timedelta(minutes=15))
    # When the worker writes its move (from its read, without the open)
    assert store.replace(read, replace(read, cursor=1, due_at=T0 + timedelta(days=1)))
    # Then the open is still there, the lease is gone, and the index follows the new due time
    stored = store.get(TENANT, "c1", "onboarding")
    assert stored is not None
    assert (stored.cursor, stored.facts.opened) == (1, frozenset({"welcome"}))
    assert store.leased_until(TENANT, "c1", "onboarding") is None
    assert store.index_at(TENANT, "c1", "onboarding") == T0 + timedelta(days=1)


def test_store_due_returns_active_enrollments_due_by_now_oldest_first_up_to_the_limit() -> None:
    store = FakeEnrollmentStore()
    for contact_id, minutes in (("late", -5), ("now", 0), ("soon", 1), ("later", -1)):
        store.create(_enrollment(contact_id, timedelta(minutes=minutes)))
    store.replace(_enrollment("later", timedelta(minutes=-1)), _enrollment("later").exited(T0))
    assert [e.contact_id for e in store.due(T0, 10)] == ["late", "now"]
    assert [e.contact_id for e in store.due(T0, 1)] == ["late"]


def test_store_lease_moves_the_index_not_due_at_and_refuses_while_a_lease_runs() -> None:
    store = FakeEnrollmentStore()
    seen = _enrollment()
    store.create(seen)
    # A lease takes the enrollment out of the index until it runs out; due_at stays
    assert store.lease(seen, T0, T0 + timedelta(minutes=15)) is True
    assert store.get(TENANT, "c1", "onboarding").due_at == T0  # type: ignore[union-attr]
    assert store.due(T0 + timedelta(minutes=14), 10) == []
    # A second lease while it runs fails; once it ran out, it succeeds (and the index offers it again)
    assert store.lease(seen, T0 + timedelta(minutes=14), T0 + timedelta(minutes=30)) is False
    assert [e.contact_id for e in store.due(T0 + timedelta(minutes=15), 10)] == ["c1"]
    assert store.lease(seen, T0 + timedelta(minutes=15), T0 + timedelta(minutes=30)) is True
    # A lease on a moved (other cursor), other generation, or ended enrollment fails
    assert store.lease(replace(seen, cursor=3), T0 + timedelta(hours=1), T0 + timedelta(hours=2)) is False
    assert store.lease(replace(seen, generation=2), T0 + timedelta(hours=1), T0 + timedelta(hours=2)) is False
    store.replace(seen, seen.exited(T0 + timedelta(hours=1)))
    assert store.lease(seen, T0 + timedelta(hours=2), T0 + timedelta(hours=3)) is False


def test_store_wake_needs_the_same_cursor_and_awaited_event_and_clears_the_lease() -> None:
    store = FakeEnrollmentStore()
    sleeping = _enrollment(due_in=timedelta(days=3))
    sleeping = replace(sleeping, cursor=1, waiting_for="paid")
    store.put(sleeping)
    # Not waiting for that, or moved on: no wake
    assert store.wake(replace(sleeping, waiting_for="visited"), T0) is False
    assert store.wake(replace(sleeping, waiting_for=None), T0) is False
    assert store.wake(replace(sleeping, cursor=2), T0) is False
    # Waiting for it: due now, and in the index now
    assert store.wake(sleeping, T0 + timedelta(hours=1)) is True
    assert store.get(TENANT, "c1", "onboarding").due_at == T0 + timedelta(hours=1)  # type: ignore[union-attr]
    assert [e.contact_id for e in store.due(T0 + timedelta(hours=1), 10)] == ["c1"]


def test_store_record_fact_adds_once_per_value_and_counts_opens_clicks_and_unsubscribes_per_step() -> None:
    store = FakeEnrollmentStore()
    seen = _enrollment()
    store.create(seen)
    assert store.record_fact(seen, "opened", "welcome") is True
    assert store.record_fact(seen, "opened", "welcome") is False
    assert store.record_fact(seen, "clicked", "welcome") is True
    assert store.record_fact(seen, "unsubscribed", "tips") is True
    assert store.record_fact(seen, "events", "paid") is True
    # Another generation's fact is not recorded on this one
    assert store.record_fact(replace(seen, generation=2), "opened", "tips") is False
    stored = store.get(TENANT, "c1", "onboarding")
    assert stored is not None
    assert (stored.facts.opened, stored.facts.clicked, stored.facts.events) == ({"welcome"}, {"welcome"}, {"paid"})
    steps = store.counts(TENANT, "onboarding").steps
    assert (steps["welcome"].opened, steps["welcome"].clicked, steps["tips"].unsubscribed) == (1, 1, 1)
    assert "paid" not in steps


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


def test_contacts_set_attributes_merges_and_refuses_an_unknown_contact() -> None:
    contacts = FakeContactRepository()
    contacts.add(Contact(tenant_id=TENANT, contact_id="c1", email="ada@example.com", attributes={"plan": "free"}))
    contacts.set_attributes(TENANT, "c1", {"plan": "pro", "seats": 3})
    assert contacts.get(TENANT, "c1").attributes == {"plan": "pro", "seats": 3}  # type: ignore[union-attr]
    with pytest.raises(MissingContact):
        contacts.set_attributes(TENANT, "ghost", {"plan": "pro"})


def test_contacts_unsubscribe_is_true_once_and_false_for_an_unknown_contact() -> None:
    contacts = FakeContactRepository()
    contacts.add(Contact(tenant_id=TENANT, contact_id="c1", email="ada@example.com"))
    assert contacts.unsubscribe(TENANT, "c1", T0, "link") is True
    assert contacts.unsubscribe(TENANT, "c1", T0, "link") is False
    assert contacts.unsubscribe(TENANT, "ghost", T0, "link") is False
    assert contacts.get(TENANT, "c1").unsubscribed  # type: ignore[union-attr]


def test_webhook_caller_fails_when_told_then_records() -> None:
    hooks = FakeWebhookCaller()
    hooks.fail_next(1)
    with pytest.raises(WebhookError):
        hooks.post("https://h.example.com", {"a": 1}, "k")
    assert hooks.post("https://h.example.com", {"a": 1}, "k") == 200
    assert (hooks.attempts, hooks.calls) == (2, [("https://h.example.com", {"a": 1}, "k")])
