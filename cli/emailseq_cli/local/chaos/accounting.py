"""Every contact accounted for: the emails the sequence definitions promise it against what the provider took.

Pure: the run hands in its plan (who enrolled in what), what SES accepted (recipient and subject) and what sits in
the dead-letter queues; nothing here talks to the stack.
"""

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

# Every chaos email's subject names its run, sequence and step: "[RUN] SEQUENCE/STEP".
_SUBJECT = re.compile(r"^\[(?P<run>[\w-]+)\] (?P<sequence>[\w.-]+)/(?P<step>[\w.-]+)")


def chaos_subject(run: str, sequence: str, step: str) -> str:
    return f"[{run}] {sequence}/{step}"


@dataclass(frozen=True)
class Plan:
    run: str
    steps: dict[str, tuple[str, ...]]  # sequence id → its email steps, in order (no branches: all are promised)
    enrolled: dict[str, str]  # contact address → the sequence its accepted event enrolls it in

    def expected(self) -> set[tuple[str, str, str]]:
        return {(to, seq, step) for to, seq in self.enrolled.items() for step in self.steps[seq]}


@dataclass(frozen=True)
class Tally:
    enrollments: int
    expected: int
    delivered: int  # every message the provider accepted for this run, repeats included
    duplicates: int  # accepted beyond the first for the same (contact, step)
    lost: int  # promised, never accepted, and not waiting in a dead-letter queue
    dlq: int  # this run's messages in the dead-letter queues
    unexpected: int = 0  # accepted for a (contact, step) nobody was promised
    missing_in_dlq: int = 0  # promised, not accepted, but its order or event is in a dead-letter queue
    lost_examples: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"chaos: enrollments={self.enrollments} expected={self.expected} delivered={self.delivered} "
            f"duplicates={self.duplicates} lost={self.lost} dlq={self.dlq}"
        )


def tally(plan: Plan, accepted: Iterable[tuple[str, str]], dead_letters: Iterable[tuple[str, str]]) -> Tally:
    """`accepted`: (recipient, subject) of every message SES took; `dead_letters`: (contact address, sequence id)
    of each of this run's messages in a dead-letter queue (an order or an event not yet processed)."""
    counts = Counter(key for key in (_key(plan.run, to, subject) for to, subject in accepted) if key is not None)
    expected = plan.expected()
    parked = Counter(dead_letters)
    missing = [key for key in expected if counts[key] == 0]
    in_dlq = [key for key in missing if parked[(key[0], key[1])] > 0]
    lost = sorted(set(missing) - set(in_dlq))
    return Tally(
        enrollments=len(plan.enrolled),
        expected=len(expected),
        delivered=sum(counts.values()),
        duplicates=sum(n - 1 for n in counts.values() if n > 1),
        lost=len(lost),
        dlq=sum(parked.values()),
        unexpected=sum(n for key, n in counts.items() if key not in expected),
        missing_in_dlq=len(in_dlq),
        lost_examples=["/".join(key) for key in lost[:5]],
    )


def _key(run: str, to: str, subject: str) -> tuple[str, str, str] | None:
    found = _SUBJECT.match(subject or "")
    if found is None or found["run"] != run:
        return None  # another run's or another test's message in the same emulator
    return (to.strip().lower(), found["sequence"], found["step"])
