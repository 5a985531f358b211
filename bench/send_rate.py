"""The per-tenant send limiter: how many reservations a second it takes, and how closely a burst keeps a rate.

Run: .venv/bin/python bench/send_rate.py [ENDPOINT_URL]. Without an endpoint it runs against moto in-process;
with one (the local stack: http://127.0.0.1:4566) against that emulator's DynamoDB, in a table it makes and drops.
Both use DynamoSendRateLimiter, the adapter the sender uses, on a table shaped like the data table.

1. Throughput: one thread (and, against an emulator, 4) reserving in a window it never fills, for ~2 s.
2. Pacing: 4 workers drain a burst of orders for one tenant limited to RATE sends/s; an order that finds the
   window full goes back for 1-2 s (the sender's jittered delay). Printed: the rate reached, the busiest second
   (never above RATE), and the time taken against the ideal burst / RATE.
"""

import queue
import random
import sys
import threading
import time
from collections import Counter
from contextlib import ExitStack

import boto3
from emailseq.dal.send_rate import DynamoSendRateLimiter
from moto import mock_aws

TABLE = "bench-send-rate"
WORKERS = 4
PACING = [(1, 6), (5, 40), (20, 160)]  # (sends per second, orders in the burst)


def make_table(db: object) -> None:
    db.create_table(  # type: ignore[attr-defined]
        TableName=TABLE,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"} for key in ("pk", "sk")],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    )


def throughput(limiter: DynamoSendRateLimiter, threads: int = 1, seconds: float = 2.0) -> float:
    counts = [0] * threads
    start = time.perf_counter()

    def reserve_until_done(index: int) -> None:
        while time.perf_counter() - start < seconds:
            limiter.reserve("bench-throughput", int(time.time()), 1_000_000)
            counts[index] += 1

    workers = [threading.Thread(target=reserve_until_done, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(counts) / (time.perf_counter() - start)


class SerialLimiter:
    """moto's DynamoDB is not safe for concurrent requests from threads (its conditional updates race and let a
    window overfill), unlike DynamoDB or the emulator: against moto the workers take turns at the limiter."""

    def __init__(self, limiter: DynamoSendRateLimiter) -> None:
        self._limiter = limiter
        self._lock = threading.Lock()

    def reserve(self, tenant_id: str | None, second: int, limit: int) -> bool:
        with self._lock:
            return self._limiter.reserve(tenant_id, second, limit)


def pacing(limiter: DynamoSendRateLimiter | SerialLimiter, rate: int, orders: int) -> tuple[float, int, float]:
    tenant = f"bench-pacing-{rate}-{random.randrange(10**9)}"
    due: queue.PriorityQueue[tuple[float, int]] = queue.PriorityQueue()
    for n in range(orders):
        due.put((0.0, n))
    sent: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        while True:
            with lock:
                if len(sent) == orders:
                    return
            try:
                at, n = due.get(timeout=0.05)
            except queue.Empty:
                continue
            if at > time.time():
                due.put((at, n))
                time.sleep(0.01)
                continue
            now = time.time()
            if limiter.reserve(tenant, int(now), rate):
                with lock:
                    sent.append(now)
            else:
                due.put((now + random.randint(1, 2), n))  # back on the queue, as SqsThrottleRetry does

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    started = time.time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    took = max(sent) - started
    busiest = max(Counter(int(t) for t in sent).values())
    return orders / took, busiest, took


def main() -> None:
    endpoint = sys.argv[1] if len(sys.argv) > 1 else None
    with ExitStack() as stack:
        if endpoint is None:
            stack.enter_context(mock_aws())
        db = boto3.client(
            "dynamodb",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",  # noqa: S106 - the emulator's and moto's dummy credentials
        )
        make_table(db)
        try:
            limiter = DynamoSendRateLimiter(db, TABLE)
            where = endpoint or "moto in-process"
            print(f"limiter throughput ({where}, 1 thread): {throughput(limiter):,.0f} reservations/s")
            if endpoint is not None:  # moto is not safe for concurrent requests (see SerialLimiter)
                many = throughput(limiter, WORKERS)
                print(f"limiter throughput ({where}, {WORKERS} threads): {many:,.0f} reservations/s")
            print("rate/s  orders  reached/s  busiest second  took s  ideal s")
            paced = SerialLimiter(limiter) if endpoint is None else limiter
            for rate, orders in PACING:
                reached, busiest, took = pacing(paced, rate, orders)
                print(f"{rate:6d}  {orders:6d}  {reached:9.2f}  {busiest:14d}  {took:6.1f}  {orders / rate:7.1f}")
        finally:
            db.delete_table(TableName=TABLE)


if __name__ == "__main__":
    main()
