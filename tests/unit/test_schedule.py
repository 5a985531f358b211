"""The scheduler: dispatch_due queues what is due (leasing it first) and dispatch_all_due pages through it all."""

from dataclasses import replace
from datetime import datetime, timedelta

from builders import document, email, wait
from emailseq.domain.enrollment import SEND_LEASE, Enrollment
from emailseq.logic.schedule import Dispatched, dispatch_all_due, dispatch_due
from fakes import T0, TENANT, FakeEnrollmentStore, World

WAIT_FIRST = document(steps=[wait("1h"), email("hello")])


def _enrolled(world: World, contact_id: str, at: datetime) -> Enrollment:
    """An enrollment sleeping at the email (instruction 1) after a 1-hour wait that started at `at`."""
    enrollment = replace(
        Enrollment.start(TENANT, contact_id, WAIT_FIRST, 1, at), cursor=1, due_at=at + timedelta(hours=1)
    )
    assert world.enrollments.create(enrollment)
    return enrollment


def test_only_enrollments_due_by_now_are_queued(world: World) -> None:
    # Given one enrollment overdue, one due exactly now, one due in a minute, and one converted while overdue
    overdue = _enrolled(world, "overdue", T0 - timedelta(hours=3))
    on_time = _enrolled(world, "on-time", T0 - timedelta(hours=1))
    _enrolled(world, "later", T0 - timedelta(minutes=59))
    converted = _enrolled(world, "converted", T0 - timedelta(hours=2))
    assert world.enrollments.replace(converted, converted.converted(T0 - timedelta(minutes=5)))
    # When the scheduler runs
    dispatched = dispatch_due(world.enrollments, world.queue, world.clock)
    # Then exactly the two active ones due by now are queued, at their email step
    assert dispatched == Dispatched(read=2, queued=2)
    assert [(o.contact_id, o.cursor) for o in world.queue.orders] == [(overdue.contact_id, 1), (on_time.contact_id, 1)]


def test_a_dispatched_enrollment_is_leased_so_an_immediate_second_run_queues_nothing(world: World) -> None:
    # Given a due enrollment, dispatched once
    enrollment = _enrolled(world, "c1", T0 - timedelta(hours=2))
    dispatch_due(world.enrollments, world.queue, world.clock)
    # When the scheduler runs again right away
    again = dispatch_due(world.enrollments, world.queue, world.clock)
    # Then nothing more is queued: the lease moved its index entry to now + SEND_LEASE (its due_at stays)
    assert again == Dispatched(read=0, queued=0)
    assert len(world.queue.orders) == 1
    key = (TENANT, enrollment.contact_id, enrollment.sequence_id)
    assert world.enrollments.index_at(*key) == world.enrollments.leased_until(*key) == T0 + SEND_LEASE
    assert world.enrollments.get(*key).due_at == enrollment.due_at  # type: ignore[union-attr]


def test_a_send_that_never_finished_is_offered_again_when_its_lease_runs_out(world: World) -> None:
    # Given a due enrollment dispatched, whose send never happened (the worker crashed)
    _enrolled(world, "c1", T0 - timedelta(hours=2))
    dispatch_due(world.enrollments, world.queue, world.clock)
    # When the lease is over and the scheduler runs
    world.clock.advance(SEND_LEASE)
    dispatch_due(world.enrollments, world.queue, world.clock)
    # Then the same order is queued a second time (the sender's once-only guard absorbs the repeat)
    first, second = world.queue.orders
    assert first == second


def test_nothing_due_queues_nothing_and_sends_no_empty_batch(world: World) -> None:
    _enrolled(world, "later", T0)
    assert dispatch_due(world.enrollments, world.queue, world.clock) == Dispatched(read=0, queued=0)
    assert world.queue.batches == []


def test_one_run_reads_at_most_a_page_oldest_first(world: World) -> None:
    # Given three due enrollments of different ages
    for hours, contact_id in ((2, "middle"), (5, "oldest"), (1, "newest")):
        _enrolled(world, contact_id, T0 - timedelta(hours=hours))
    # When dispatching with a page of 2 / Then the two oldest are queued
    assert dispatch_due(world.enrollments, world.queue, world.clock, page_size=2) == Dispatched(read=2, queued=2)
    assert [o.contact_id for o in world.queue.orders] == ["oldest", "middle"]


def test_dispatch_all_due_pages_until_a_short_page(world: World) -> None:
    # Given five due enrollments
    for n in range(5):
        _enrolled(world, f"c{n}", T0 - timedelta(hours=2, minutes=n))
    # When dispatching everything with pages of 2
    total = dispatch_all_due(world.schedule_ports(), page_size=2, max_pages=10)
    # Then all five are queued, in pages of 2, 2 and 1, and a later run finds nothing
    assert total == 5
    assert [len(batch) for batch in world.queue.batches] == [2, 2, 1]
    assert sorted(o.contact_id for o in world.queue.orders) == [f"c{n}" for n in range(5)]
    assert dispatch_all_due(world.schedule_ports(), page_size=2, max_pages=10) == 0


def test_dispatch_all_due_reads_one_more_page_after_an_exactly_full_one(world: World) -> None:
    # Given four due enrollments and pages of 2
    for n in range(4):
        _enrolled(world, f"c{n}", T0 - timedelta(hours=2))
    # When dispatching / Then it reads 2, 2 and an empty page, and sends no empty batch
    assert dispatch_all_due(world.schedule_ports(), page_size=2, max_pages=10) == 4
    assert [len(batch) for batch in world.queue.batches] == [2, 2]


def test_dispatch_all_due_stops_at_max_pages_and_leaves_the_rest_for_the_next_run(world: World) -> None:
    # Given five due enrollments
    for n in range(5):
        _enrolled(world, f"c{n}", T0 - timedelta(hours=2))
    # When a run may read two pages of 2 / Then four are queued and one is left
    assert dispatch_all_due(world.schedule_ports(), page_size=2, max_pages=2) == 4
    assert len(world.enrollments.due(world.clock.now(), 10)) == 1
    # And the next run picks it up
    assert dispatch_all_due(world.schedule_ports(), page_size=2, max_pages=2) == 1
    assert len(world.queue.orders) == 5


class _RacingStore(FakeEnrollmentStore):
    """Another scheduler run leases `stolen` between our read of the due page and our lease."""

    def __init__(self, stolen: str) -> None:
        super().__init__()
        self.stolen = stolen

    def due(self, now: datetime, limit: int) -> list[Enrollment]:
        page = super().due(now, limit)
        for enrollment in page:
            if enrollment.contact_id == self.stolen:
                assert super().lease(enrollment, now, now + SEND_LEASE)
        return page


def _race(world: World) -> tuple[_RacingStore, Dispatched]:
    store = _RacingStore(stolen="taken")
    for contact_id in ("taken", "mine"):
        assert store.create(Enrollment.start(TENANT, contact_id, WAIT_FIRST, 1, T0 - timedelta(hours=2)))
    return store, dispatch_due(store, world.queue, world.clock)


def test_an_enrollment_leased_by_a_concurrent_run_is_skipped(world: World) -> None:
    # Given two due enrollments, one of which a concurrent scheduler run leases under our feet
    # When this run dispatches
    _race(world)
    # Then it queues only the one it leased itself (the other run queues its own)
    assert [o.contact_id for o in world.queue.orders] == ["mine"]


def test_dispatch_due_reports_how_many_sends_it_queued(world: World) -> None:
    # Given the race above, where one of the two due enrollments was leased by another run
    # When this run dispatches / Then it reports the one send it queued
    _, dispatched = _race(world)
    assert dispatched == Dispatched(read=2, queued=1)
    assert len(world.queue.orders) == 1
