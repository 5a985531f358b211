"""Scheduler tick cost at 1,000 and at 1,000,000 stored enrollments with the same 1,000 due.

Run: .venv/bin/python bench/scheduler_tick.py [--large N] [--due N]

For each store size it starts a private ministack (bench/private_emulator.py: a DynamoDB and SQS that speak the
wire protocol), creates the data table as infrastructure/data.yml defines it (with its `due` index), loads the
enrollments and runs one scheduler tick through the real code: logic.schedule's dispatch_all_due over
DynamoEnrollmentStore and SqsOrderQueue, the adapters the scheduler function uses (page 500, as deployed).

Loading: the first 20,000 items go through BatchWriteItem (25 a request, 8 threads; the rate is printed); the
rest are written into the emulator's saved state (dynamodb.json, the shape its PutItem stores) and the emulator
restarts on it: at the ~300 items/s BatchWriteItem reaches on this shared machine a million would take an hour.
Items have the DAL's exact shape (checked against enrollment_items at start). Stored: DUE enrollments due 5-15
minutes ago; the rest 20% ended (no index entry), 10% due later today, 70% due in 1-50 days.

Every DynamoDB request of the tick asks for ReturnConsumedCapacity; the
figures per due item are requests, items read (Query ScannedCount + items BatchGetItem/GetItem returned) and
read capacity units when the emulator reports them. The design goal: the read figures per due item do not grow
with the store. Tick time here is the emulator's, on a shared 2-core machine: an order of magnitude only.
"""

import argparse
import json
import os
import random
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import yaml
from botocore.config import Config
from emailseq.dal.due_index import index_attributes
from emailseq.dal.enrollment_items import key, state
from emailseq.dal.enrollments import DynamoEnrollmentStore, _identity
from emailseq.dal.items import iso, to_item
from emailseq.dal.queue import SqsOrderQueue
from emailseq.domain.enrollment import Enrollment, EnrollmentStatus
from emailseq.logic.schedule import SchedulePorts, dispatch_all_due
from private_emulator import ROOT, private_emulator

TABLE = "bench-scheduler"
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
READ_OPERATIONS = ("Query", "GetItem", "BatchGetItem")
# More than this through BatchWriteItem takes too long on a shared 2-core machine (~300 items/s measured).
WIRE_ITEMS = 20_000


class FixedClock:
    def now(self) -> datetime:
        return NOW


class RequestMeter:
    """Counts the DynamoDB requests a client makes, the items they read and the capacity they consumed."""

    def __init__(self, db: Any) -> None:
        self.requests: Counter[str] = Counter()
        self.items_read = 0
        self.read_units = 0.0
        self.write_units = 0.0
        self.capacity_reported = False
        for operation in (*READ_OPERATIONS, "UpdateItem", "PutItem", "TransactWriteItems"):
            db.meta.events.register(f"provide-client-params.dynamodb.{operation}", self._ask_capacity)
        db.meta.events.register("after-call.dynamodb", self._count)

    def _ask_capacity(self, params: dict[str, Any], **_: Any) -> None:
        params["ReturnConsumedCapacity"] = "TOTAL"

    def _count(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        operation = model.name
        self.requests[operation] += 1
        if operation == "Query":
            self.items_read += parsed.get("ScannedCount", parsed.get("Count", 0))
        elif operation == "GetItem":
            self.items_read += int("Item" in parsed)
        elif operation == "BatchGetItem":
            self.items_read += sum(len(rows) for rows in parsed.get("Responses", {}).values())
        capacity = parsed.get("ConsumedCapacity")
        for entry in capacity if isinstance(capacity, list) else [capacity] if capacity else []:
            self.capacity_reported = True
            units = float(entry.get("CapacityUnits", 0))
            if operation in READ_OPERATIONS:
                self.read_units += units
            else:
                self.write_units += units


def table_definition() -> dict[str, Any]:
    """The data table's keys and indexes as infrastructure/data.yml declares them (CloudFormation tags ignored)."""

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    text = (ROOT / "infrastructure" / "data.yml").read_text()
    props = yaml.load(text, Loader=Loader)["Resources"]["DataTable"]["Properties"]  # noqa: S506 - SafeLoader
    return {
        "TableName": TABLE,
        "BillingMode": props["BillingMode"],
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "GlobalSecondaryIndexes": props["GlobalSecondaryIndexes"],
    }


def due_moment(number: int, kind: str) -> datetime | None:
    """Due 5-15 minutes ago, later today, in 1-50 days, or never (ended)."""
    spread = timedelta(seconds=number % 600)
    if kind == "due":
        return NOW - timedelta(minutes=15) + spread
    if kind == "today":
        return NOW + timedelta(hours=3) + spread
    if kind == "later":
        return NOW + timedelta(days=1 + number % 50) + spread
    return None


def dal_item(number: int, kind: str) -> dict[str, Any]:
    """An enrollment item exactly as the DAL lays it out (enrollment_items + items.to_item)."""
    stored = Enrollment(
        tenant_id=f"tenant-{number % 50}",
        contact_id=f"c{number:08d}",
        sequence_id=f"seq-{number % 7}",
        version=1,
        generation=1,
        cursor=2,
        status=EnrollmentStatus.COMPLETED if kind == "ended" else EnrollmentStatus.ACTIVE,
        due_at=due_moment(number, kind),
        enrolled_at=NOW - timedelta(days=20),
        goal_event="subscription.started",
        step_started_at=NOW - timedelta(days=2),
        ended_at=NOW - timedelta(days=1) if kind == "ended" else None,
    )
    return to_item({**key(stored), **state(stored), **_identity(stored)})


class ItemFactory:
    """Items of the DAL's shape made fast (a million through the DAL's dataclasses would take most of an hour
    here): one DAL-built item per kind, with the key, identity and index fields of each enrollment set."""

    def __init__(self, total: int, due: int) -> None:
        self._due = set(random.Random(7).sample(range(total), due))
        self._shapes = {kind: dal_item(0, kind) for kind in ("due", "today", "later", "ended")}
        for number, kind in enumerate(self._shapes):  # the fast path must give what the DAL gives
            assert self.item(number * 11, kind) == dal_item(number * 11, kind), kind

    def kind(self, number: int) -> str:
        if number in self._due:
            return "due"
        return ("ended", "ended", "today", "later", "later", "later", "later", "later", "later", "later")[number % 10]

    def item(self, number: int, kind: str | None = None) -> dict[str, Any]:
        kind = kind or self.kind(number)
        item = dict(self._shapes[kind])
        tenant, contact, sequence = f"tenant-{number % 50}", f"c{number:08d}", f"seq-{number % 7}"
        pk, sk = f"TENANT#{tenant}#CONTACT#{contact}", f"ENROLLMENT#{sequence}"
        item.update(pk={"S": pk}, sk={"S": sk}, tenant_id={"S": tenant}, contact_id={"S": contact})
        item["sequence_id"] = {"S": sequence}
        moment = due_moment(number, kind)
        if moment is not None:
            item["due_at"] = {"S": iso(moment)}
            item.update({name: {"S": value} for name, value in index_attributes(pk, sk, moment).items()})
        return item


def load_through_api(db: Any, factory: ItemFactory, numbers: range) -> float:
    """BatchWriteItem, 25 items a request, 8 threads; returns the seconds it took."""
    chunks = [numbers[start : start + 25] for start in range(0, len(numbers), 25)]

    def write(chunk: range) -> None:
        pending: dict[str, Any] = {TABLE: [{"PutRequest": {"Item": factory.item(n)}} for n in chunk]}
        while pending:
            pending = db.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(write, chunks))
    return time.perf_counter() - started


def load_into_state_file(state_dir: Path, factory: ItemFactory, numbers: range) -> float:
    """Append items to the table in the emulator's saved state (its dynamodb.json), as its PutItem stores them."""
    started = time.perf_counter()
    path = state_dir / "dynamodb.json"
    saved = json.loads(path.read_text())
    scoped = saved["payload"]["tables"]["data"]
    table = next(value for name, value in scoped.items() if name.endswith(repr(TABLE)))
    for number in numbers:
        item = factory.item(number)
        table["items"].setdefault(item["pk"]["S"], {})[item["sk"]["S"]] = item
    table["ItemCount"] = sum(len(row) for row in table["items"].values())
    path.write_text(json.dumps(saved))
    return time.perf_counter() - started


def clients(endpoint: str) -> tuple[Any, Any, Any]:
    """The DAL's client, a bulk one without client-side validation (as dal.aws.bulk_client), and SQS."""
    session = boto3.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")  # noqa: S106
    config = Config(retries={"mode": "standard", "max_attempts": 5}, max_pool_connections=16)
    bulk = session.client("dynamodb", endpoint_url=endpoint, config=config.merge(Config(parameter_validation=False)))
    db = session.client("dynamodb", endpoint_url=endpoint, config=config)
    return db, bulk, session.client("sqs", endpoint_url=endpoint)


def seed(state_dir: Path, total: int, due: int) -> dict[str, float]:
    """Up to WIRE_ITEMS through BatchWriteItem, the rest through the saved state; the emulator then restarts."""
    factory = ItemFactory(total, due)
    through_api = min(total, WIRE_ITEMS)
    with private_emulator(state_dir, save_on_exit=True) as endpoint:
        db, bulk, _ = clients(endpoint)
        db.create_table(**table_definition())
        api_seconds = load_through_api(bulk, factory, range(through_api))
    file_seconds = load_into_state_file(state_dir, factory, range(through_api, total)) if total > through_api else 0.0
    return {"api_items": through_api, "api_s": api_seconds, "file_items": total - through_api, "file_s": file_seconds}


def measure(total: int, due: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-scheduler-") as state:
        loaded = seed(Path(state), total, due)
        started = time.perf_counter()
        with private_emulator(Path(state)) as endpoint:
            restart_seconds = time.perf_counter() - started
            db, _, sqs = clients(endpoint)
            stored = db.describe_table(TableName=TABLE)["Table"]["ItemCount"]
            queue_url = sqs.create_queue(QueueName="bench-send")["QueueUrl"]
            meter = RequestMeter(db)
            ports = SchedulePorts(DynamoEnrollmentStore(db, TABLE), SqsOrderQueue(sqs, queue_url), FixedClock())
            started = time.perf_counter()
            queued = dispatch_all_due(ports, page_size=500, max_pages=20)
            tick_seconds = time.perf_counter() - started
    reads = sum(meter.requests[op] for op in READ_OPERATIONS)
    return {
        **loaded,
        "stored": stored,
        "restart_s": restart_seconds,
        "queued": queued,
        "tick_s": tick_seconds,
        "read_requests": reads,
        "items_read": meter.items_read,
        "rcu": meter.read_units if meter.capacity_reported else None,
        "write_requests": sum(meter.requests.values()) - reads,
    }


def report(row: dict[str, Any]) -> None:
    queued = max(row["queued"], 1)
    rcu = "n/a (emulator reports none)" if row["rcu"] is None else f"{row['rcu'] / queued:.3f}"
    load = f"{row['api_items']:,} via BatchWriteItem in {row['api_s']:.1f}s ({row['api_items'] / row['api_s']:,.0f}/s)"
    if row["file_items"]:
        load += f" + {row['file_items']:,} via the state file in {row['file_s']:.0f}s, restart {row['restart_s']:.0f}s"
    print(f"stored={row['stored']:>9,}  queued={row['queued']:,}  tick={row['tick_s']:.2f}s  load: {load}")
    print(
        f"    per due item: read requests {row['read_requests'] / queued:.3f}, items read "
        f"{row['items_read'] / queued:.3f}, read units {rcu}, write requests {row['write_requests'] / queued:.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=1_000)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} (shared)")
    print(f"scheduler tick: {args.due:,} due, page 500, real DAL against a private ministack ({Path(__file__).name})")
    rows = [measure(size, args.due) for size in (args.small, args.large)]
    for row in rows:
        report(row)
    small, large = rows
    items = (large["items_read"] / max(large["queued"], 1)) / (small["items_read"] / max(small["queued"], 1))
    requests = (large["read_requests"] / max(large["queued"], 1)) / (small["read_requests"] / max(small["queued"], 1))
    print(
        f"ratio {args.large:,} / {args.small:,} stored: items read per due item x{items:.2f}, "
        f"read requests per due item x{requests:.2f}, "
        f"tick time x{large['tick_s'] / small['tick_s']:.2f}"
    )


if __name__ == "__main__":
    main()
