"""The synthetic audience: who signs up when, who later emits which event, and how each email is received.

Contact i is `person-i@example.com` with a first name and a timezone drawn from the options. It signs up (the
sequence's trigger event, with the trigger's `where` properties) at a random moment of the first day (`spread`)
or at the start (`burst`). With probability --goal-rate it emits the goal event, and with each --event-rate's
probability that event, at a moment drawn uniformly between its signup and the end of the run.

Each email is opened with probability --open-rate, 0-20 h after it was sent (exponential, mean 3 h), by loading
its tracking pixel; an opened email with a link is clicked with probability --click-rate, 0-10 min after the open,
through its first tracked link. Opens and clicks go through the real signed tokens found in the rendered HTML.
Plans and reactions draw from two generators seeded from --seed, so a run is reproducible, and changing a
reaction rate leaves signups and events where they were.
"""

import heapq
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from emailseq.domain.messages import ContactData, RecordEvent
from emailseq.domain.ports import OutgoingEmail
from emailseq.domain.sequence import SequenceDocument

from emailseq_cli.simulate.options import TENANT, Options

FIRST_NAMES = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken", "Margaret", "Linus", "Radia", "Donald", None)
OPEN_MEAN = timedelta(hours=3)
OPEN_LATEST = timedelta(hours=20)
CLICK_LATEST = timedelta(minutes=10)
_PIXEL = re.compile(r"/t/o/([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")
_LINK = re.compile(r"/t/c/([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")


@dataclass(frozen=True, slots=True)
class Action:
    """Something the audience does at a moment: `event` (an event of `person`), `open` or `click` (a token)."""

    kind: str
    detail: str  # the event type, or the tracking token
    person: int = -1


class Agenda:
    """What happens when: a heap of actions by time (ties in the order they were planned)."""

    def __init__(self, end: datetime) -> None:
        self.end = end
        self._heap: list[tuple[datetime, int, Action]] = []
        self._planned = 0

    def add(self, at: datetime, action: Action) -> None:
        if at < self.end:  # what would happen after the run is left out
            self._planned += 1
            heapq.heappush(self._heap, (at, self._planned, action))

    def until(self, moment: datetime) -> Iterator[tuple[datetime, Action]]:
        """Take out, in time order, every action at or before `moment` (including ones added meanwhile)."""
        while self._heap and self._heap[0][0] <= moment:
            at, _, action = heapq.heappop(self._heap)
            yield at, action


class Audience:
    def __init__(self, options: Options, document: SequenceDocument, start: datetime) -> None:
        self.options = options
        self.document = document
        self.start = start
        self.people: list[ContactData] = []
        self._plan_rng = random.Random(f"plan-{options.seed}")
        self._react_rng = random.Random(f"react-{options.seed}")
        self._events = 0

    def plan(self, agenda: Agenda) -> None:
        """Every contact's signup and later events, onto the agenda."""
        later = [(self.document.goal.event, self.options.goal_rate)] if self.document.goal else []
        later += list(self.options.event_rates)
        for index in range(self.options.contacts):
            rng = self._plan_rng
            # Built without re-validating: the address is well-formed by construction, and checking 10,000 of them
            # with email-validator costs more than a second.
            self.people.append(
                ContactData.model_construct(
                    email=f"person-{index + 1}@example.com",
                    first_name=rng.choice(FIRST_NAMES),
                    timezone=rng.choice(self.options.timezones),
                )
            )
            signup = self.start
            if self.options.arrivals == "spread":
                signup += timedelta(seconds=rng.randrange(86_400))
            agenda.add(signup, Action("event", self.document.trigger.event, index))
            for event, rate in later:
                if rng.random() < rate:
                    agenda.add(signup + (agenda.end - signup) * rng.random(), Action("event", event, index))

    def event(self, action: Action, at: datetime) -> RecordEvent:
        """The RecordEvent `POST /v1/events` would have published for the action."""
        self._events += 1
        trigger = self.document.trigger
        return RecordEvent(
            tenant_id=TENANT,
            id=f"sim-event-{self._events}",
            type=action.detail,
            contact=self.people[action.person],
            properties=dict(trigger.where) if action.detail == trigger.event else {},
            occurred_at=at,
        )

    def receive(self, email: OutgoingEmail, sent_at: datetime, agenda: Agenda) -> None:
        """The recipient may open the email (its pixel) and then click its first link, later."""
        rng = self._react_rng
        pixel = _PIXEL.search(email.html)
        if pixel is None or rng.random() >= self.options.open_rate:
            return
        delay = min(timedelta(seconds=rng.expovariate(1 / OPEN_MEAN.total_seconds())), OPEN_LATEST)
        opened_at = sent_at + delay
        agenda.add(opened_at, Action("open", pixel.group(1)))
        link = _LINK.search(email.html)
        if link is not None and rng.random() < self.options.click_rate:
            agenda.add(opened_at + CLICK_LATEST * rng.random(), Action("click", link.group(1)))
