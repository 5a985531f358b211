"""The chaos run's tenant, sequences and enrollments: plain API calls, as a customer's backend would make them."""

import json
import random
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from emailseq_cli.errors import CliError
from emailseq_cli.local.aws import local_client
from emailseq_cli.local.chaos.accounting import Plan, chaos_subject
from emailseq_cli.local.deploy import stack_outputs
from emailseq_cli.local.stack import StackInfo

# Sequence id → waits (days) between its emails: 2-3 emails each, the last by day 25 of the 30 the clock races.
SHAPES: dict[str, tuple[int, ...]] = {"s1": (0, 1), "s2": (0, 2, 3), "s3": (0, 7), "s4": (0, 10, 15)}
_RETRIED = {429, 500, 502, 503, 504}


@dataclass(frozen=True)
class Api:
    url: str
    token: str

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.token}"}, timeout=180)


def sequence_document(run: str, sequence: str, waits: tuple[int, ...]) -> dict[str, object]:
    steps: list[dict[str, object]] = []
    for number, wait in enumerate(waits, start=1):
        if wait:
            steps.append({"wait": f"{wait}d"})
        subject = chaos_subject(run, sequence, f"e{number}")
        steps.append({"id": f"e{number}", "email": {"subject": subject, "html": f"<p>{subject}</p>"}})
    return {"id": sequence, "name": f"chaos {sequence}", "trigger": {"event": f"chaos.{sequence}"}, "steps": steps}


def prepare(api: Api, run: str, shapes: dict[str, tuple[int, ...]]) -> dict[str, tuple[str, ...]]:
    """The tenant may send as fast as the (stand-in) account allows; the sequences are applied. Returns each
    sequence's email steps."""
    with api.client() as http:
        _put(http, "/v1/settings", {"max_sends_per_second": 1000})
        for sequence, waits in shapes.items():
            _put(http, f"/v1/sequences/{sequence}", sequence_document(run, sequence, waits))
    return {seq: tuple(f"e{n}" for n in range(1, len(waits) + 1)) for seq, waits in shapes.items()}


def due_steps(shapes: dict[str, tuple[int, ...]], days: int) -> dict[str, tuple[str, ...]]:
    """Each sequence's email steps due within `days` of enrolling: what a run racing that far may expect."""
    due: dict[str, tuple[str, ...]] = {}
    for sequence, waits in shapes.items():
        offsets = [sum(waits[: n + 1]) for n in range(len(waits))]
        due[sequence] = tuple(f"e{n + 1}" for n, offset in enumerate(offsets) if offset <= days)
    return due


def enroll(api: Api, plan_steps: dict[str, tuple[str, ...]], run: str, count: int, repeat_rate: float) -> Plan:
    """One event per contact (round robin over the sequences); a share of them is sent twice with the same id,
    as a client retrying would. Returns who was accepted into what."""
    sequences = sorted(plan_steps)
    contacts = [(f"{run}-{n}@chaos.example.com", sequences[n % len(sequences)]) for n in range(count)]
    rng = random.Random(run)
    with api.client() as http, ThreadPoolExecutor(max_workers=8) as pool:
        accepted = [
            address
            for address, ok in pool.map(lambda c: _post(http, run, c, rng.random() < repeat_rate), contacts)
            if ok
        ]
    chosen = dict(contacts)
    return Plan(run=run, steps=plan_steps, enrolled={address: chosen[address] for address in accepted})


def enroll_via_bus(
    info: StackInfo, tenant: str, plan_steps: dict[str, tuple[str, ...]], run: str, count: int, repeat_rate: float
) -> Plan:
    """The same contact events, put on the stack's EventBridge bus as the events API publishes them (ten to a
    request): the API's two Lambda invocations per event are what the emulator can least afford. A share is
    put twice (an at-least-once publisher)."""
    sequences, rng = sorted(plan_steps), random.Random(run)
    contacts = [(f"{run}-{n}@chaos.example.com", sequences[n % len(sequences)]) for n in range(count)]
    bus = stack_outputs(info.endpoint)["EventBusName"]
    entries = [_entry(bus, tenant, run, address, sequence) for address, sequence in contacts]
    entries += [entry for entry in entries if rng.random() < repeat_rate]
    events = local_client("events", info.endpoint)
    for start in range(0, len(entries), 10):
        response = events.put_events(Entries=entries[start : start + 10])
        if response.get("FailedEntryCount"):
            raise CliError(f"the bus refused chaos events: {response['Entries'][:2]}")
    return Plan(run=run, steps=plan_steps, enrolled=dict(contacts))


def _entry(bus: str, tenant: str, run: str, address: str, sequence: str) -> dict[str, str]:
    detail = {
        "tenant_id": tenant,
        "id": f"{run}-{address}",
        "type": f"chaos.{sequence}",
        "contact": {"email": address},
        "properties": {},
        "occurred_at": datetime.now(UTC).isoformat(),
    }
    return {"Source": "emailseq", "DetailType": "contact.event", "Detail": json.dumps(detail), "EventBusName": bus}


def _post(http: httpx.Client, run: str, contact: tuple[str, str], twice: bool) -> tuple[str, bool]:
    address, sequence = contact
    body: dict[str, object] = {"id": f"{run}-{address}", "type": f"chaos.{sequence}", "contact": {"email": address}}
    ok = all(_accepted(http, body) for _ in range(2 if twice else 1))
    return address, ok


def _accepted(http: httpx.Client, body: dict[str, object]) -> bool:
    for attempt in _attempts():
        try:
            response = http.post("/v1/events", json=body)
        except httpx.HTTPError:
            continue  # the same id again: taken in once whatever happened to the first try
        if response.status_code == 202:
            return True
        if response.status_code not in _RETRIED:
            raise CliError(f"the API refused a chaos event: {response.status_code} {response.text[:200]}")
        time.sleep(float(response.headers.get("Retry-After", "0.5")) + 0.1 * attempt)
    return False


def _attempts() -> Iterator[int]:
    yield from range(20)


def _put(http: httpx.Client, path: str, body: dict[str, object]) -> None:
    """PUT is idempotent: a cold function that outlasts the client's patience is simply asked again."""
    for _ in _attempts():
        try:
            response = http.put(path, json=body)
        except httpx.HTTPError:
            continue
        if response.status_code < 400:
            return
        if response.status_code not in _RETRIED:
            raise CliError(f"the API answered {response.status_code}: {response.text[:300]}")
    raise CliError(f"the API did not take PUT {path}")
