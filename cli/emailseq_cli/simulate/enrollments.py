"""The EnrollmentStore port in memory, with the DynamoDB store's contract (emailseq.dal.enrollments):

- create() refuses a second enrollment of a contact in a sequence; with `replacing` it overwrites (facts and lease
  gone) only an ended one still at `replacing`'s generation. Counts `enrolled`.
- replace() succeeds only while the stored one has `before`'s status, cursor and generation; it writes the state
  (never the facts), drops the lease, re-indexes at `after.due_at` and counts `sent_step` and a new end state.
- due(now, limit) reads at most `limit` index entries due by `now`, oldest first, and keeps the active ones.
- lease() moves only the index entry to `until`: same active cursor and generation, no unexpired lease.
- wake() makes an enrollment still waiting for the same event due at `at`, dropping any lease.
- record_fact() adds a value once per generation, counting opened/clicked/unsubscribed per step.

The time index is a heap of (time, mark, key) with lazy deletion: moving an entry pushes a new one with a new
mark, and entries whose mark is no longer the row's are dropped when they reach the top. No scan, ever.
"""

import heapq
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime

from emailseq.domain.enrollment import Enrollment, EnrollmentStatus, Facts

Key = tuple[str, str, str]
_FACT_COUNTERS = frozenset({"opened", "clicked", "unsubscribed"})
_STATE = ("version", "generation", "cursor", "status", "due_at", "step_started_at", "ended_at", "waiting_for")
_KEPT = ("enrolled_at", "goal_event", "watch_events", "facts")  # what a state change never writes
_NO_FACTS = Facts()


@dataclass(slots=True)
class _Row:
    state: Enrollment  # as get() reads it; only record_fact() changes its facts
    facts: dict[str, set[str]] = field(default_factory=dict)  # every fact set, `unsubscribed` included
    leased_until: datetime | None = None
    mark: int = 0  # the live index entry's mark; 0: not indexed


class MemoryEnrollmentStore:
    def __init__(self) -> None:
        self._rows: dict[Key, _Row] = {}
        self._by_contact: dict[tuple[str, str], list[Key]] = {}
        self._index: list[tuple[float, int, Key]] = []
        self._marks = 0
        self.totals: Counter[str] = Counter()  # enrolled, completed, converted, exited
        self.step_totals: dict[str, Counter[str]] = {}  # step id -> sent, opened, clicked, unsubscribed

    def create(
        self, enrollment: Enrollment, replacing: Enrollment | None = None, leased_until: datetime | None = None
    ) -> bool:
        key = _key(enrollment)
        stored = self._rows.get(key)
        if replacing is None and stored is not None:
            return False
        if replacing is not None and (
            stored is None or stored.state.generation != replacing.generation or stored.state.is_active
        ):
            return False
        if stored is None:
            self._by_contact.setdefault(key[:2], []).append(key)
        fresh = enrollment if enrollment.facts == _NO_FACTS else replace(enrollment, facts=_NO_FACTS)
        row = self._rows[key] = _Row(state=fresh, leased_until=leased_until)
        self._reindex(row, key, leased_until or enrollment.due_at)
        self.totals["enrolled"] += 1
        return True

    def get(self, tenant_id: str, contact_id: str, sequence_id: str) -> Enrollment | None:
        row = self._rows.get((tenant_id, contact_id, sequence_id))
        return None if row is None else row.state

    def for_contact(self, tenant_id: str, contact_id: str) -> list[Enrollment]:
        return [self._rows[key].state for key in self._by_contact.get((tenant_id, contact_id), [])]

    def replace(self, before: Enrollment, after: Enrollment, sent_step: str | None = None) -> bool:
        key = _key(before)
        row = self._rows.get(key)
        if row is None or (row.state.status, row.state.cursor, row.state.generation) != (
            before.status,
            before.cursor,
            before.generation,
        ):
            return False
        row.state, row.leased_until = _written(row.state, after), None
        self._reindex(row, key, after.due_at)
        if sent_step is not None:
            self.step_totals.setdefault(sent_step, Counter())["sent"] += 1
        if after.status is not before.status and after.status is not EnrollmentStatus.ACTIVE:
            self.totals[after.status.value] += 1
        return True

    def due(self, now: datetime, limit: int) -> list[Enrollment]:
        until = now.timestamp()
        read: list[tuple[float, int, Key]] = []
        found: list[Enrollment] = []
        while self._index and self._index[0][0] <= until and len(read) < limit:
            entry = heapq.heappop(self._index)
            row = self._rows.get(entry[2])
            if row is None or row.mark != entry[1]:
                continue  # an entry the row has moved away from
            read.append(entry)
            enrollment = row.state
            if enrollment.is_active and enrollment.due_at is not None and enrollment.due_at <= now:
                found.append(enrollment)
        for entry in read:  # reading does not take an entry out of the index
            heapq.heappush(self._index, entry)
        return found

    def lease(self, enrollment: Enrollment, now: datetime, until: datetime) -> bool:
        row = self._at_cursor(enrollment)
        if row is None or (row.leased_until is not None and row.leased_until > now):
            return False
        row.leased_until = until
        self._reindex(row, _key(enrollment), until)
        return True

    def wake(self, enrollment: Enrollment, at: datetime) -> bool:
        row = self._at_cursor(enrollment)
        if row is None or enrollment.waiting_for is None or row.state.waiting_for != enrollment.waiting_for:
            return False
        row.state, row.leased_until = replace(row.state, due_at=at), None
        self._reindex(row, _key(enrollment), at)
        return True

    def record_fact(self, enrollment: Enrollment, fact: str, value: str) -> bool:
        row = self._rows.get(_key(enrollment))
        if row is None or row.state.generation != enrollment.generation:
            return False
        seen = row.facts.setdefault(fact, set())
        if value in seen:
            return False
        seen.add(value)
        if fact in ("opened", "clicked", "events"):
            row.state = replace(row.state, facts=replace(row.state.facts, **{fact: frozenset(seen)}))
        if fact in _FACT_COUNTERS:
            self.step_totals.setdefault(value, Counter())[fact] += 1
        return True

    def statuses(self) -> Counter[str]:
        """How many enrollments stand in each status now (for the report's `still active`)."""
        return Counter(row.state.status.value for row in self._rows.values())

    def _at_cursor(self, enrollment: Enrollment) -> _Row | None:
        row = self._rows.get(_key(enrollment))
        if row is None or not row.state.is_active:
            return None
        if (row.state.cursor, row.state.generation) != (enrollment.cursor, enrollment.generation):
            return None
        return row

    def _reindex(self, row: _Row, key: Key, at: datetime | None) -> None:
        if at is None:
            row.mark = 0
            return
        self._marks += 1
        row.mark = self._marks
        heapq.heappush(self._index, (at.timestamp(), self._marks, key))


def _key(enrollment: Enrollment) -> Key:
    return (enrollment.tenant_id, enrollment.contact_id, enrollment.sequence_id)


def _written(stored: Enrollment, after: Enrollment) -> Enrollment:
    """`after`'s state on `stored`'s identity and facts: `after` itself when those are the same (the usual case)."""
    if all(getattr(after, name) == getattr(stored, name) for name in _KEPT):
        return after
    return replace(stored, **{name: getattr(after, name) for name in _STATE})
