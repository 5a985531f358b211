"""Deliverability check cost: how long spamd (SpamAssassin, `-L`, offline rules) takes to score one message, and
how many messages per second it scores with its two children busy.

Run: .venv/bin/python bench/spam_check.py [messages]. Starts its own `spamd -L` the way `emailseq local up` does
(or uses EMAILSEQ_BENCH_SPAMD=host:port), then scores the demo sequence's emails as the preview sends them (full
MIME: tracked links, List-Unsubscribe) through the same SpamdClient the API uses.
"""

import os
import socket
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import yaml
from emailseq.dal.spamd import SpamdClient
from emailseq.domain.ports import Contact
from emailseq.domain.sequence import SequenceDocument
from emailseq.domain.tenant import TenantSettings
from emailseq.logic.deliverability import Outbound, outgoing_message
from emailseq_cli.local import spamd
from emailseq_cli.local.paths import LocalPaths

ROOT = Path(__file__).resolve().parents[1]
OUTBOUND = Outbound("Example News <news@example.com>", "https://d1234.cloudfront.net", "unsubscribe@example.com")


def demo_messages() -> list[bytes]:
    document = SequenceDocument.model_validate(yaml.safe_load((ROOT / "examples" / "demo-sequence.yaml").read_text()))
    contact = Contact("demo", "c-1", "ada@example.com", first_name="Ada")
    now = datetime.now(UTC)
    return [
        outgoing_message(step, contact, document.id, TenantSettings(), OUTBOUND, now, "demo")
        for step in document.email_steps()
    ]


def timed(client: SpamdClient, message: bytes) -> float:
    started = time.perf_counter()
    client.check(message)
    return time.perf_counter() - started


def measure(address: str, count: int) -> None:
    client, messages = SpamdClient(address, timeout_seconds=30), demo_messages()
    client.check(messages[0])  # warm-up: spamd's children compile rules on their first message
    latencies = sorted(timed(client, messages[n % len(messages)]) for n in range(count))
    p50, p95 = statistics.median(latencies), latencies[int(0.95 * (len(latencies) - 1))]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:  # spamd runs two children
        list(pool.map(lambda n: timed(client, messages[n % len(messages)]), range(count)))
    rate = count / (time.perf_counter() - started)
    size = statistics.mean(len(m) for m in messages)
    print(f"spam check (spamd -L, SpamAssassin offline rules), {len(messages)} demo emails of ~{size / 1024:.1f} KB")
    print(f"  one at a time : p50 {p50 * 1000:6.0f} ms   p95 {p95 * 1000:6.0f} ms   ({count} messages)")
    print(f"  two in flight : {rate:6.1f} messages/s")
    print(f"  (machine load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores while measuring)")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    if address := os.environ.get("EMAILSEQ_BENCH_SPAMD"):
        measure(address, count)
        return
    if spamd.binary() is None:
        sys.exit("spamd is not installed: make setup (as root) installs SpamAssassin")
    with tempfile.TemporaryDirectory() as workdir:
        paths = LocalPaths(Path(workdir))
        paths.home.mkdir()
        with socket.socket() as probe:  # a free loopback port
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if not spamd.start(paths, port):
            sys.exit(f"spamd did not start; see {paths.spamd_log}")
        try:
            measure(f"127.0.0.1:{port}", count)
        finally:
            spamd.stop(paths)


if __name__ == "__main__":
    main()
