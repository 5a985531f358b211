"""Property-based tests of the enrollment state machine, driven end to end through the fakes.

Hypothesis generates sequence documents (emails, waits, wait_until, branches on opened / clicked / event, exits,
a goal, a re-enrollment policy) and random interleavings of clock moves, contact events (awaited ones, the goal,
the trigger again), opens and clicks, duplicate and stale deliveries of send orders, and provider hiccups. The
system runs them through logic.enroll.handle_contact_event, logic.schedule.dispatch_all_due and
logic.run_step.run_step; a reference interpreter walks the document's step *tree* (not the compiled program) with
the same clock and facts. The emails sent must be exactly the reference's, at the same moments.
"""

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

from builders import branch, contact_event, email, exit_step, sequence, wait, wait_until
from emailseq.domain.durations import parse_duration
from emailseq.domain.enrollment import EnrollmentStatus
from emailseq.domain.messages import EmailSent, SendStep
from emailseq.domain.program import Op, compile_program
from emailseq.domain.sequence import SequenceDocument
from emailseq.domain.steps import BranchStep, EmailStep, ExitStep, Step, WaitStep, WaitUntilStep
from emailseq.logic.enroll import handle_contact_event, send_order
from emailseq.logic.run_step import run_step
from emailseq.logic.schedule import dispatch_all_due
from emailseq.logic.tracking import record_click, record_open
from emailseq.rendering.tracking import Claim, LinkSigner, TrackedSend
from fakes import T0, TENANT, TRACKING_BASE, TRACKING_SECRET, ProviderError, World
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

TRIGGER, GOAL = "signed_up", "upgraded"
EVENTS = ("paid", "visited")  # what steps wait for and branch on
WAITS = ("1h", "1d", "2d")
TIMEOUTS = ("1h", "1d", "3d")
CLOCK_MOVES = (timedelta(minutes=30), timedelta(hours=1), timedelta(hours=6), timedelta(days=1), timedelta(days=2))
ADDRESS = "ada@example.com"
SEQUENCE = "onboarding"

# -- generating documents -------------------------------------------------------------------------------------------

_KINDS = ["email"] * 4 + ["wait"] * 2 + ["wait_until"] * 2 + ["branch"] * 3
_NESTED_KINDS = ["email"] * 5 + ["wait"] + ["wait_until"] + ["exit"]  # an exit only ever ends a branch's path


@st.composite
def documents(draw: st.DrawFn, with_goal: bool | None = None, reenroll: str | None = None) -> SequenceDocument:
    """A random valid document; `with_goal` / `reenroll` fix those fields instead of drawing them."""
    emails: list[str] = []

    def steps(depth: int) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for _ in range(draw(st.integers(2 if depth == 0 else 0, 6 if depth == 0 else 2))):
            kind = draw(st.sampled_from(_KINDS if depth == 0 else _NESTED_KINDS + (["branch"] if depth < 2 else [])))
            if kind == "email":
                emails.append(f"e{len(emails)}")
                out.append(email(emails[-1], subject=f"Subject {emails[-1]}"))
            elif kind == "wait":
                out.append(wait(draw(st.sampled_from(WAITS))))
            elif kind == "wait_until":
                out.append(wait_until(draw(st.sampled_from(EVENTS)), draw(st.sampled_from(TIMEOUTS))))
            elif kind == "exit":
                out.append(exit_step())
            else:
                tests = ["event"] + (["opened", "clicked"] if emails else [])
                test = draw(st.sampled_from(tests))
                # mostly the latest email: the one a contact is most likely to have opened when the branch looks
                subject = draw(st.sampled_from(EVENTS if test == "event" else [emails[-1], emails[-1], *emails]))
                then, otherwise = steps(depth + 1), steps(depth + 1)
                if test != "event":  # give the contact time to open (or click) before the branch looks
                    out.append(wait(draw(st.sampled_from(WAITS))))
                out.append(branch(f"b{draw(st.integers(0, 10**6))}", then, otherwise, **{test: subject}))
        return out

    if draw(st.integers(0, 3)):  # most sequences open with an email, which later branches can test
        emails.append("e0")
    body = ([email("e0", subject="Subject e0")] if emails else []) + steps(0)
    if not emails:
        body.append(email("e0"))
    has_goal = with_goal if with_goal is not None else draw(st.integers(0, 3)) > 0
    policy = reenroll or draw(st.sampled_from(["never", "after 1d"]))
    try:
        return sequence(*body, goal={"event": GOAL} if has_goal else None, reenroll=policy)
    except ValueError:  # e.g. two branches drew the same id
        assume(False)
        raise


def _wait_right_before_wait_until(doc: SequenceDocument) -> bool:
    """A WAIT directly followed by a WAIT_UNTIL in the program hits the engine bug pinned by test_engine's xfail
    (the wait_until's timeout counted from the start of the wait); such documents are left out here."""
    program = compile_program(doc)
    return any(a.op is Op.WAIT and b.op is Op.WAIT_UNTIL for a, b in pairwise(program))


# -- the interleavings ------------------------------------------------------------------------------------------------

_clock = st.tuples(st.just("clock"), st.sampled_from(CLOCK_MOVES))
actions = st.lists(
    st.one_of(
        _clock,
        _clock,
        _clock,
        _clock,
        st.tuples(st.just("event"), st.sampled_from(EVENTS)),
        st.tuples(st.just("event"), st.sampled_from(EVENTS)),
        st.tuples(st.just("event"), st.just(GOAL)),
        st.tuples(st.just("event"), st.just(TRIGGER)),
        st.tuples(st.sampled_from(("open", "click")), st.integers(-1, 20)),  # -1: the latest email
        st.tuples(st.sampled_from(("open", "click")), st.just(-1)),
        st.tuples(st.just("replay"), st.integers(0, 50)),  # a stale or duplicate copy of an earlier order
        st.tuples(st.just("current"), st.just(0)),  # a copy of the order for where the enrollment stands now
        st.tuples(st.just("hiccup"), st.just(0)),  # the provider fails the next send once (the queue redelivers)
        st.tuples(st.just("crash"), st.just(0)),  # the next enrollment write times out once (after its effect)
    ),
    min_size=6,
    max_size=40,
)
# Three days at a time until the running journey has ended (no sleep is longer), and three days more.
_FOREVER = [("drain", timedelta(days=3))]


# -- the reference interpreter -----------------------------------------------------------------------------------------


@dataclass
class Journey:
    """One generation, interpreted over the step tree: a generator of what it needs next (an email to send, a
    moment to sleep until, an event to wait for with a deadline), resumed whenever the clock or the facts allow."""

    doc: SequenceDocument
    generation: int
    now: datetime
    status: str = "active"
    ended_at: datetime | None = None
    opened: set[str] = field(default_factory=set)
    clicked: set[str] = field(default_factory=set)
    events: set[str] = field(default_factory=set)
    sent: list[tuple[int, str, datetime]] = field(default_factory=list)
    _pending: tuple[Any, ...] | None = None
    _walk: Iterator[tuple[Any, ...]] | None = None

    def run(self, now: datetime) -> None:
        self.now = now
        if self._walk is None:
            self._walk = self._steps(self.doc.steps)
        while self.status == "active":
            if self._pending is not None and not self._ready(self._pending):
                return
            self._pending = next(self._walk, ("end",))
            kind = self._pending[0]
            if kind == "email":
                self.sent.append((self.generation, self._pending[1], now))
                self._pending = None
            elif kind in ("end", "exit"):
                self.end("completed" if kind == "end" else "exited")

    def end(self, status: str) -> None:
        self.status, self.ended_at = status, self.now

    def _ready(self, pending: tuple[Any, ...]) -> bool:
        if pending[0] == "sleep":
            return bool(self.now >= pending[1])
        event, deadline = pending[1], pending[2]
        return event in self.events or self.now >= deadline

    def _steps(self, steps: list[Step]) -> Iterator[tuple[Any, ...]]:
        for step in steps:
            if isinstance(step, EmailStep):
                yield ("email", step.id)
            elif isinstance(step, WaitStep):
                yield ("sleep", self.now + step.wait)
            elif isinstance(step, WaitUntilStep):
                yield ("wait_for", step.wait_until.event, self.now + step.wait_until.timeout)
            elif isinstance(step, ExitStep):
                yield ("exit",)
            else:
                assert isinstance(step, BranchStep)
                test = step.branch.if_
                holds = (
                    test.opened in self.opened
                    if test.opened
                    else test.clicked in self.clicked
                    if test.clicked
                    else test.event in self.events
                )
                yield from self._steps(step.branch.then if holds else step.branch.else_)


@dataclass
class Reference:
    doc: SequenceDocument
    journeys: list[Journey] = field(default_factory=list)

    @property
    def current(self) -> Journey | None:
        return self.journeys[-1] if self.journeys else None

    @property
    def sent(self) -> list[tuple[int, str, datetime]]:
        return [s for journey in self.journeys for s in journey.sent]

    def event(self, event_type: str, now: datetime) -> None:
        journey = self.current
        if journey is not None and journey.status == "active":
            journey.now = now
            if self.doc.goal is not None and event_type == self.doc.goal.event:
                journey.end("converted")
            else:
                journey.events.add(event_type)
        if event_type == TRIGGER:
            after = self.doc.reenroll_after
            if journey is None:
                self.journeys.append(Journey(self.doc, 1, now))
            elif journey.status != "active" and after is not None and now >= journey.ended_at + after:  # type: ignore[operator]
                self.journeys.append(Journey(self.doc, journey.generation + 1, now))
        self.run(now)

    def run(self, now: datetime) -> None:
        if self.current is not None:
            self.current.run(now)


# -- driving the system ------------------------------------------------------------------------------------------------


class Driver:
    def __init__(self, doc: SequenceDocument, duplicates: bool) -> None:
        self.world = World(signer=LinkSigner(TRACKING_SECRET, TRACKING_BASE))
        self.world.given_sequence(doc)
        self.duplicates = duplicates
        self.failures = 0  # provider hiccups and crashes injected
        self.goal_hits: list[tuple[int, int]] = []  # (generation converted, emails sent until then)
        self._events = 0

    @property
    def enrollment(self) -> Any:
        contact = self.world.contacts.find_by_email(TENANT, ADDRESS)
        return None if contact is None else self.world.enrollments.get(TENANT, contact.contact_id, SEQUENCE)

    def deliver(self, order: SendStep) -> None:
        for _ in range(2 if self.duplicates else 1):
            for _attempt in range(5):  # an injected failure propagates: the queue redelivers the order at once
                try:
                    run_step(self.world.step_ports(), order)
                    break
                except (ProviderError, TimeoutError):
                    continue
            else:
                raise AssertionError(f"{order} kept failing")

    def settle(self) -> None:
        """Deliver every queued order, and let the scheduler queue what is due, until nothing is left."""
        while True:
            while self.world.delivered < len(self.world.queue.orders):
                order = self.world.queue.orders[self.world.delivered]
                self.world.delivered += 1
                self.deliver(order)
            if not dispatch_all_due(self.world.schedule_ports(), page_size=10, max_pages=5):
                return

    def event(self, event_type: str) -> None:
        self._events += 1
        before = self.enrollment
        event = contact_event(event_type, event_id=f"evt-{self._events}", address=ADDRESS)
        try:
            handle_contact_event(self.world.enroll_ports(), event)
        except TimeoutError:  # an injected crash hit the goal's conversion: the bus redelivers the event
            handle_contact_event(self.world.enroll_ports(), event)
        if event_type == GOAL and before is not None and before.is_active and before.goal_event == GOAL:
            # Then the goal converts it at once
            assert self.enrollment.status is EnrollmentStatus.CONVERTED
            self.goal_hits.append((before.generation, len(self.world.mailer.sent)))

    def track(self, kind: str, pick: int) -> tuple[int, str] | None:
        mine = [s for s in self.sends() if s[0] == self.enrollment.generation]
        if not mine:
            return None
        generation, step = mine[pick % len(mine)]
        send = TrackedSend(TENANT, self.enrollment.contact_id, SEQUENCE, generation, step)
        (record_open if kind == "open" else record_click)(self.world.tracking_ports(), Claim(kind[0], send))  # type: ignore[arg-type]
        return generation, step

    def sends(self) -> list[tuple[int, str]]:
        """(generation, step) of every email the provider took, read from its signed unsubscribe link."""
        found = []
        for sent in self.world.mailer.sent:
            (token,) = re.findall(r"/t/u/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)>", sent.headers["List-Unsubscribe"])
            claim = self.world.signer.verify(token)  # type: ignore[union-attr]
            found.append((claim.send.generation, claim.send.step))
        return found


def _play(doc: SequenceDocument, plan: list[tuple[str, Any]], duplicates: bool) -> tuple[Driver, Reference]:
    driver, reference = Driver(doc, duplicates), Reference(doc)
    driver.event(TRIGGER)
    driver.settle()
    reference.event(TRIGGER, T0)
    for kind, arg in plan:
        clock = driver.world.clock
        if kind == "clock":
            clock.advance(arg)
        elif kind == "event":
            driver.event(arg)
            reference.event(arg, clock.now())
        elif kind in ("open", "click") and driver.enrollment is not None:
            tracked = driver.track(kind, arg)
            journey = reference.current
            if tracked is not None and journey is not None and journey.generation == tracked[0]:
                journey.opened.add(tracked[1])
                if kind == "click":
                    journey.clicked.add(tracked[1])
        elif kind == "replay" and driver.world.queue.orders:
            driver.deliver(driver.world.queue.orders[arg % len(driver.world.queue.orders)])
        elif kind == "current" and driver.enrollment is not None:
            driver.deliver(send_order(driver.enrollment))
        elif kind == "hiccup":
            driver.world.mailer.fail_next(1)
            driver.failures += 1
        elif kind == "drain":
            for _ in range(100):  # then one more period, so that a re-enrollment policy of a day has passed too
                ended = not driver.enrollment.is_active
                clock.advance(arg)
                driver.settle()
                reference.run(clock.now())
                if ended:
                    break
            assert not driver.enrollment.is_active, "a journey ran for 300 days"
        elif kind == "crash":
            driver.world.enrollments.break_next_replace(TimeoutError("DynamoDB timed out"))
            driver.failures += 1
        driver.settle()
        reference.run(clock.now())
    return driver, reference


def _check(doc: SequenceDocument, plan: list[tuple[str, Any]], duplicates: bool) -> tuple[Driver, Reference]:
    """Play `plan` on the system and the reference, and assert every invariant; returns both for more checks."""
    assume(not _wait_right_before_wait_until(doc))
    driver, reference = _play(doc, plan, duplicates)
    sends = driver.sends()

    # Then no email step went out twice in one generation
    assert [key for key, n in Counter(sends).items() if n > 1] == []
    # And the emails are exactly the reference path (program order, nothing skipped), at the same moments
    assert list(zip(sends, driver.world.mailer.sent_at, strict=True)) == [((g, s), t) for g, s, t in reference.sent]
    # And once a goal converted a generation, nothing more went out in it
    for generation, sent_before in driver.goal_hits:
        assert [s for s in sends[sent_before:] if s[0] == generation] == []
    # And the enrollment stands (or ended) as the reference says
    journey = reference.current
    assert journey is not None
    stored = driver.enrollment
    assert (stored.generation, stored.status.value, stored.ended_at) == (
        journey.generation,
        journey.status,
        journey.ended_at,
    )
    # And each send was counted once, and reported at most once (exactly once when nothing failed: see the xfail
    # in test_run_step about EmailSent lost when a later effect of the same run fails)
    counts = driver.world.sequences.counts(TENANT, SEQUENCE)
    assert {step: c.sent for step, c in counts.steps.items() if c.sent} == dict(Counter(step for _, step in sends))
    reported = Counter(fact.step_id for fact in driver.world.bus.facts if isinstance(fact, EmailSent))
    assert reported <= Counter(step for _, step in sends)
    if driver.failures == 0:
        assert reported == Counter(step for _, step in sends)
    return driver, reference


_FAST = settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.filter_too_much])


@_FAST
@given(doc=documents(), plan=actions, duplicates=st.booleans())
def test_every_interleaving_sends_exactly_the_reference_path_once(
    doc: SequenceDocument, plan: list[tuple[str, Any]], duplicates: bool
) -> None:
    # Given a random document and a contact enrolled at T0
    # When a random interleaving of clock moves, events, opens, clicks, duplicate/stale orders and hiccups runs
    # Then (see _check) it sends exactly the reference path, each email once, and ends as the reference does
    _check(doc, plan, duplicates)


@settings(_FAST, max_examples=100)
@given(doc=documents(with_goal=True), plan=actions, goal_at=st.integers(0, 40), duplicates=st.booleans())
def test_once_the_goal_arrives_nothing_more_is_sent_and_the_enrollment_is_converted(
    doc: SequenceDocument, plan: list[tuple[str, Any]], goal_at: int, duplicates: bool
) -> None:
    # Given a random document with a goal, and the goal event at a random point of a random interleaving
    plan = [*plan[:goal_at], ("event", GOAL), *plan[goal_at:], *_FOREVER]
    # When it all runs, and then a long time passes
    driver, reference = _check(doc, plan, duplicates)
    # Then the generation running when the goal came converted at that moment and sent nothing after it
    converted = [j for j in reference.journeys if j.status == "converted"]
    assert [generation for generation, _ in driver.goal_hits] == [j.generation for j in converted]
    if driver.goal_hits:
        assert driver.world.sequences.counts(TENANT, SEQUENCE).converted >= 1


@settings(_FAST, max_examples=100)
@given(doc=documents(reenroll="after 1d"), before=actions, after=actions, duplicates=st.booleans())
def test_a_reenrolled_generation_runs_its_own_path_with_fresh_facts(
    doc: SequenceDocument, before: list[tuple[str, Any]], after: list[tuple[str, Any]], duplicates: bool
) -> None:
    # Given a document re-enrolling after a day, and a first journey played until it surely ended
    # When the trigger comes again, and another interleaving plays on the new generation
    plan = [*before, *_FOREVER, ("event", TRIGGER), *after, *_FOREVER]
    driver, reference = _check(doc, plan, duplicates)
    # Then there are (at least) two generations, each of which sent its own path (as _check compared with the
    # reference, whose new journey starts at the first step with no facts)
    assert driver.enrollment.generation == len(reference.journeys) >= 2


def test_the_reference_interpreter_follows_branches_waits_and_goals() -> None:
    # Given a document: e0, wait 1d, branch on opened e0 (then e1 / else e2), wait_until paid 1d, e3
    doc = sequence(
        email("e0"),
        wait("1d"),
        branch("b", [email("e1")], [email("e2")], opened="e0"),
        wait_until("paid", "1d"),
        email("e3"),
        goal={"event": GOAL},
    )
    reference = Reference(doc)
    reference.event(TRIGGER, T0)
    reference.current.opened.add("e0")  # type: ignore[union-attr]
    reference.run(T0 + parse_duration("1d"))
    reference.event("paid", T0 + parse_duration("1d") + timedelta(hours=2))
    # Then it sends e0 at once, e1 after the wait (opened), and e3 when `paid` arrives; then it completes
    day = T0 + timedelta(days=1)
    assert reference.sent == [(1, "e0", T0), (1, "e1", day), (1, "e3", day + timedelta(hours=2))]
    assert reference.current.status == "completed"  # type: ignore[union-attr]
    # And a goal on a fresh generation's journey converts it
    other = Reference(doc)
    other.event(TRIGGER, T0)
    other.event(GOAL, T0 + timedelta(minutes=1))
    other.run(T0 + timedelta(days=9))
    assert (other.sent, other.current.status) == ([(1, "e0", T0)], "converted")  # type: ignore[union-attr]
