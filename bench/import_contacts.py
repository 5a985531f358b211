"""CSV import throughput on the running local stack: a generated file of N rows (one in 500 bad) imported through
the real path (POST /v1/imports, PUT to the presigned URL, S3 event → import queue → importer chunks).

Run: `make run` (or `emailseq local up --detach`) first, then .venv/bin/python bench/import_contacts.py [ROWS].
Prints the upload time, when the first rows landed, the total, rows/s, and checks that the counts and the error
report add up and that a sample of good contacts is queryable. Each run imports fresh addresses.
"""

import csv
import io
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from emailseq_cli.api import api_target, call
from emailseq_cli.errors import CliError

BAD_EVERY = 500
PLANS = ("free", "pro", "team")


def generate(path: Path, rows: int, run: str) -> set[int]:
    """A CSV of `rows` rows; returns the file lines made bad (a broken address or a non-number age)."""
    bad: set[int] = set()
    rng = random.Random(7)
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["email", "first_name", "last_name", "plan", "age", "signed_up_at"])
        for line in range(2, rows + 2):
            email, age = f"u{line}.{run}@example.com", str(rng.randint(18, 80))
            if line % BAD_EVERY == 0:
                bad.add(line)
                email, age = (f"u{line}.{run}@", age) if line % (2 * BAD_EVERY) else (email, "n/a")
            day = f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T10:00:00Z"
            writer.writerow([email, f"First{line}", f"Last{line}", rng.choice(PLANS), age, day])
    return bad


def main(rows: int) -> None:
    run = uuid.uuid4().hex[:8]
    call("PUT", "/v1/attributes/age", {"type": "number"})
    call("PUT", "/v1/attributes/signed_up_at", {"type": "datetime"})
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "contacts.csv"
        bad = generate(path, rows, run)
        size = path.stat().st_size
        started = time.monotonic()
        created = call("POST", "/v1/imports")
        httpx.put(created["upload_url"], content=path.read_bytes(), headers={"Content-Type": "text/csv"}, timeout=300)
        uploaded = time.monotonic()
        print(
            f"import {created['id']}: {rows:,} rows ({size / 1e6:.1f} MB), uploaded in {uploaded - started:.1f} s",
            flush=True,
        )
        state = _follow(created["id"], started)
        finished = time.monotonic()
    total = finished - started
    print(f"status {state['status']}: done {state['done']:,}, good {state['good']:,}, bad {state['bad']:,}")
    print(f"total             {total:7.1f} s   ({rows / total:,.0f} rows/s end to end, upload included)", flush=True)
    report_lines = _report_lines(state.get("error_report_url"))
    print(f"error report      {len(report_lines):,} rows, lines match the bad ones: {report_lines == sorted(bad)}")
    sample = [line for line in range(2, rows + 2, max(1, rows // 20)) if line not in bad]
    found = sum(1 for line in sample if _exists(f"u{line}.{run}@example.com"))
    print(f"good contacts     {found}/{len(sample)} of a sample found with GET /v1/contacts?email=")


def _follow(import_id: str, started: float) -> dict[str, Any]:
    """Poll the import until it ends, printing its progress every 30 s (a long run shows where it is)."""
    state: dict[str, Any] = {"status": "running", "done": 0}
    shown = started
    while state["status"] not in ("done", "failed"):
        time.sleep(1)
        try:
            state = call("GET", f"/v1/imports/{import_id}")
        except CliError as error:  # a loaded laptop's emulator may time out one poll
            print(f"  (a poll failed: {error})", flush=True)
            continue
        if time.monotonic() - shown >= 30:
            shown = time.monotonic()
            print(f"  {shown - started:6.0f} s  {state['done']:>7,} / {state.get('total') or 0:,} rows", flush=True)
    return state


def _report_lines(url: str | None) -> list[int]:
    if not url:
        return []
    text = httpx.get(url, timeout=120).text
    return sorted({int(row[0]) for row in list(csv.reader(io.StringIO(text)))[1:]})


def _exists(email: str) -> bool:
    target = api_target()
    response = httpx.get(
        f"{target.url}/v1/contacts",
        params={"email": email},
        headers={"Authorization": f"Bearer {target.token}"},
        timeout=60,
    )
    return response.status_code == 200


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
