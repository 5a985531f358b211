"""What the instrumented workers did, one line per AWS call, fault or invocation, in a file per worker process.

Line-buffered appends: a worker the emulator stops (a configuration change, a crash) loses nothing written.
The chaos run and the cost bench read the files back with `read_ledger`.
"""

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO


class Ledger:
    def __init__(self, directory: str, function: str) -> None:
        self._directory = directory
        self._function = function or "unknown"
        self._file: TextIO | None = None

    def call(self, service: str, operation: str, items: int = 1, milliseconds: float = 0.0) -> None:
        """`items`: what the request carries that is priced one by one (PutEvents entries, transaction items);
        `milliseconds`: how long the handler waited for the answer."""
        self._write(f"call\t{self._function}\t{service}\t{operation}\t{items}\t{milliseconds:.1f}\n")

    def published(self, detail_type: str) -> None:
        """An event put on the bus: the rules matching its detail type deliver it to their queues."""
        self._write(f"event\t{self._function}\t{detail_type}\n")

    def fault(self, point: str, fired: bool) -> None:
        self._write(f"fault\t{self._function}\t{point}\t{'fired' if fired else 'unreached'}\n")

    def invocation(self, milliseconds: float) -> None:
        self._write(f"invoke\t{self._function}\t{milliseconds:.1f}\n")

    def _write(self, line: str) -> None:
        if not self._directory:
            return
        if self._file is None:
            path = Path(self._directory) / f"{self._function}-{os.getpid()}.log"
            self._file = path.open("a", buffering=1, encoding="utf-8")
        self._file.write(line)


@dataclass
class LedgerTotals:
    calls: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (function, service, operation)
    items: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # the same key: items carried
    faults: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (function, point, fired|unreached)
    invocations: Counter[str] = field(default_factory=Counter)  # function → handler invocations
    milliseconds: Counter[str] = field(default_factory=Counter)  # function → handler time, summed
    waiting: Counter[str] = field(default_factory=Counter)  # function → of that, ms waiting on AWS answers
    published: Counter[tuple[str, str]] = field(default_factory=Counter)  # (function, detail type) → events

    def add(self, fields: list[str]) -> None:
        match fields:
            case ["call", function, service, operation, items, *waited]:
                self.calls[(function, service, operation)] += 1
                self.items[(function, service, operation)] += int(items)
                self.waiting[function] += round(float(waited[0])) if waited else 0
            case ["event", function, detail_type]:
                self.published[(function, detail_type)] += 1
            case ["fault", function, point, state]:
                self.faults[(function, point, state)] += 1
            case ["invoke", function, milliseconds]:
                self.invocations[function] += 1
                self.milliseconds[function] += round(float(milliseconds))
            case _:
                pass  # a line cut short by a killed worker


def read_ledger(directory: Path) -> LedgerTotals:
    totals = LedgerTotals()
    for path in sorted(directory.glob("*.log")):
        for line in path.read_text(encoding="utf-8").splitlines():
            totals.add(line.split("\t"))
    return totals
