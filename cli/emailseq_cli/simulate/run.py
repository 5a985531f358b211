"""The simulation loop: the production use cases, unchanged, on in-memory ports and a clock the loop moves.

Audience actions (signups and other events, opens, clicks) happen at their own moments, each followed at once by
the sends it queued (as the enroller's queue feeds the sender within seconds). Every --step minutes the scheduler
runs (`dispatch_all_due`), and the sends it queued run at that tick; the production scheduler runs every minute.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from emailseq.domain.messages import EmailSent
from emailseq.domain.ports import StoredSequence
from emailseq.logic.enroll import EnrollPorts, handle_contact_event
from emailseq.logic.run_step import StepPorts, run_step
from emailseq.logic.schedule import SchedulePorts, dispatch_all_due
from emailseq.logic.tracking import TrackingPorts, record_click, record_open
from emailseq.rendering.tracking import LinkSigner

from emailseq_cli.errors import CliError
from emailseq_cli.simulate.audience import Action, Agenda, Audience
from emailseq_cli.simulate.enrollments import MemoryEnrollmentStore
from emailseq_cli.simulate.memory import MemoryContacts, MemoryOnceOnly, MemorySequences, SimClock
from emailseq_cli.simulate.options import START, Options
from emailseq_cli.simulate.recording import CollectingQueue, RecordingBus, RecordingMailer, RecordingWebhooks

_PAGE_SIZE, _MAX_PAGES, _MAX_ROUNDS = 500, 100, 50
_SECRET = "simulation"  # noqa: S105 - signs the simulated emails' tracking links; they never leave the process


@dataclass
class World:
    """The ports, wired for each use case as the Lambda handlers wire theirs."""

    clock: SimClock
    store: MemoryEnrollmentStore = field(default_factory=MemoryEnrollmentStore)
    contacts: MemoryContacts = field(default_factory=MemoryContacts)
    queue: CollectingQueue = field(default_factory=CollectingQueue)
    mailer: RecordingMailer = field(default_factory=RecordingMailer)
    bus: RecordingBus = field(default_factory=RecordingBus)
    webhooks: RecordingWebhooks = field(default_factory=RecordingWebhooks)
    signer: LinkSigner = field(default_factory=lambda: LinkSigner(_SECRET, "https://sim.invalid"))

    def __post_init__(self) -> None:
        self.sequences = MemorySequences(self.store)
        contacts, sequences, enrollments = self.contacts, self.sequences, self.store
        self.enroll = EnrollPorts(
            contacts=contacts,
            sequences=sequences,
            enrollments=enrollments,
            queue=self.queue,
            bus=self.bus,
            clock=self.clock,
        )
        self.step = StepPorts(
            contacts=contacts,
            sequences=sequences,
            enrollments=enrollments,
            mailer=self.mailer,
            once=MemoryOnceOnly(),
            bus=self.bus,
            clock=self.clock,
            webhooks=self.webhooks,
            signer=self.signer,
        )
        self.schedule = SchedulePorts(enrollments=self.store, queue=self.queue, clock=self.clock)
        self.tracking = TrackingPorts(contacts=self.contacts, enrollments=self.store, clock=self.clock)


@dataclass
class Outcome:
    stored: StoredSequence
    options: Options
    world: World
    sends_by_day: dict[int, Counter[str]] = field(default_factory=dict)  # day index -> step id -> emails
    events: Counter[str] = field(default_factory=Counter)  # contact events the audience sent, by type


def simulate(stored: StoredSequence, options: Options) -> Outcome:
    world = World(SimClock(START))
    world.sequences.save_new_version(stored)
    end = START + timedelta(days=options.days)
    agenda = Agenda(end)
    audience = Audience(options, stored.document, START)
    audience.plan(agenda)
    outcome = Outcome(stored, options, world)
    tick, step = START, timedelta(minutes=options.step_minutes)
    while tick < end:
        _act(outcome, audience, agenda, tick)
        world.clock.set(tick)
        for _ in range(_MAX_ROUNDS):  # until nothing due by now is left (a long run of effects takes rounds)
            if not dispatch_all_due(world.schedule, _PAGE_SIZE, _MAX_PAGES):
                break
            _drain(outcome, audience, agenda)
        tick += step
    _act(outcome, audience, agenda, end - timedelta(microseconds=1))
    return outcome


def _act(outcome: Outcome, audience: Audience, agenda: Agenda, until: datetime) -> None:
    world = outcome.world
    for at, action in agenda.until(until):
        world.clock.set(at)
        _perform(outcome, audience, action, at)
        _drain(outcome, audience, agenda)


def _perform(outcome: Outcome, audience: Audience, action: Action, at: datetime) -> None:
    world = outcome.world
    if action.kind == "event":
        outcome.events[action.detail] += 1
        handle_contact_event(world.enroll, audience.event(action, at))
        return
    claim = world.signer.verify(action.detail)
    if action.kind == "open":
        record_open(world.tracking, claim)
    else:
        record_click(world.tracking, claim)


def _drain(outcome: Outcome, audience: Audience, agenda: Agenda) -> None:
    """Run every queued send order (and the ones those queue), handing each email sent to its recipient."""
    world = outcome.world
    while orders := world.queue.take():
        for order in orders:
            try:
                happened = run_step(world.step, order)
            except Exception as error:  # the sender would retry; a simulation reports it and stops
                raise CliError(f"step of {order.contact_id} at {world.clock.now().isoformat()}: {error}") from error
            for event in happened:
                if isinstance(event, EmailSent):
                    day = (event.sent_at - START) // timedelta(days=1)
                    outcome.sends_by_day.setdefault(day, Counter())[event.step_id] += 1
            for email in world.mailer.take():
                audience.receive(email, world.clock.now(), agenda)
