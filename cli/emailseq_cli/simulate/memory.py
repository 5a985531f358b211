"""In-memory adapters of the stores (the enrollment store is in `enrollments`) and the clock: plain dicts, no I/O.

Each keeps the contract of its AWS adapter where the use cases can tell: contacts found by lower-cased email,
sequences triggered only while active, an effect run once per key.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from emailseq.domain.messages import ContactData
from emailseq.domain.ports import Contact, SequenceCounts, StepCounts, StoredSequence

from emailseq_cli.simulate.enrollments import MemoryEnrollmentStore


class SimClock:
    """The simulation's time: it moves only when told to, and never backwards."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        if when < self._now:
            raise ValueError(f"the simulated clock cannot go back from {self._now} to {when}")
        self._now = when


class MemorySequences:
    """Versions per (tenant, sequence); counts() reads the enrollment store's counters (one table in AWS)."""

    def __init__(self, enrollments: MemoryEnrollmentStore) -> None:
        self._enrollments = enrollments
        self._versions: dict[tuple[str, str], dict[int, StoredSequence]] = {}
        self._head: dict[tuple[str, str], int] = {}

    def current(self, tenant_id: str, sequence_id: str) -> StoredSequence | None:
        head = self._head.get((tenant_id, sequence_id))
        return None if head is None else self.version(tenant_id, sequence_id, head)

    def version(self, tenant_id: str, sequence_id: str, version: int) -> StoredSequence | None:
        return self._versions.get((tenant_id, sequence_id), {}).get(version)

    def save_new_version(self, stored: StoredSequence) -> None:
        key = (stored.tenant_id, stored.document.id)
        self._versions.setdefault(key, {})[stored.version] = stored
        self._head[key] = stored.version

    def listing(self, tenant_id: str) -> list[StoredSequence]:
        heads = [self.current(*key) for key in sorted(self._head) if key[0] == tenant_id]
        return [stored for stored in heads if stored is not None]

    def triggered_by(self, tenant_id: str, event_type: str) -> list[StoredSequence]:
        heads = [self.current(*key) for key in self._head if key[0] == tenant_id]
        return [s for s in heads if s and s.status == "active" and s.document.trigger.event == event_type]

    def status(self, tenant_id: str, sequence_id: str) -> str | None:
        stored = self.current(tenant_id, sequence_id)
        return None if stored is None else stored.status

    def set_status(self, tenant_id: str, sequence_id: str, status: str) -> StoredSequence | None:
        stored = self.current(tenant_id, sequence_id)
        if stored is None:
            return None
        changed = replace(stored, status=status)
        self._versions[(tenant_id, sequence_id)][stored.version] = changed
        return changed

    def counts(self, tenant_id: str, sequence_id: str) -> SequenceCounts:
        totals, steps = self._enrollments.totals, self._enrollments.step_totals
        return SequenceCounts(
            enrolled=totals["enrolled"],
            completed=totals["completed"],
            converted=totals["converted"],
            exited=totals["exited"],
            steps={
                step: StepCounts(step, n["sent"], n["opened"], n["clicked"], n["unsubscribed"])
                for step, n in steps.items()
            },
        )


class MemoryContacts:
    """Contacts by id and by (tenant, lower-cased email); upsert() creates on first sight, then sets given fields."""

    def __init__(self) -> None:
        self._by_id: dict[tuple[str, str], Contact] = {}
        self._by_email: dict[tuple[str, str], str] = {}
        self.soft_bounces: Counter[str] = Counter()
        self.attribute_updates = 0

    def upsert(self, tenant_id: str, data: ContactData) -> Contact:
        contact_id = self._by_email.get((tenant_id, data.email))
        existing = self._by_id[(tenant_id, contact_id)] if contact_id else self._create(tenant_id, data.email)
        given = {name: getattr(data, name) for name in ("first_name", "last_name", "timezone")}
        changes = {
            name: value for name, value in given.items() if value is not None and value != getattr(existing, name)
        }
        if not changes and not data.attributes:
            return existing
        updated = replace(existing, **changes, attributes={**existing.attributes, **data.attributes})
        self._by_id[(tenant_id, updated.contact_id)] = updated
        return updated

    def get(self, tenant_id: str, contact_id: str) -> Contact | None:
        return self._by_id.get((tenant_id, contact_id))

    def find_by_email(self, tenant_id: str, email: str) -> Contact | None:
        contact_id = self._by_email.get((tenant_id, email.lower()))
        return None if contact_id is None else self._by_id[(tenant_id, contact_id)]

    def set_attributes(self, tenant_id: str, contact_id: str, values: dict[str, Any]) -> None:
        existing = self._by_id[(tenant_id, contact_id)]  # KeyError: the adapter's failed attribute_exists
        self.attribute_updates += 1
        self._by_id[(tenant_id, contact_id)] = replace(existing, attributes={**existing.attributes, **values})

    def unsubscribe(self, tenant_id: str, contact_id: str, at: datetime, source: str) -> bool:
        existing = self._by_id.get((tenant_id, contact_id))
        if existing is None or existing.unsubscribed:
            return False
        self._by_id[(tenant_id, contact_id)] = replace(existing, unsubscribed=True)
        return True

    def count_soft_bounce(self, tenant_id: str, contact_id: str) -> None:
        self.soft_bounces[contact_id] += 1

    def _create(self, tenant_id: str, email: str) -> Contact:
        contact = Contact(tenant_id=tenant_id, contact_id=f"contact-{len(self._by_email) + 1}", email=email)
        self._by_email[(tenant_id, email)] = contact.contact_id
        self._by_id[(tenant_id, contact.contact_id)] = contact
        return contact


class MemoryOnceOnly:
    def __init__(self) -> None:
        self.results: dict[str, str] = {}

    def run(self, key: str, action: Callable[[], str]) -> str:
        if key not in self.results:
            self.results[key] = action()
        return self.results[key]
