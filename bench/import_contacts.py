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

import httpx
from emailseq_cli.api import api_target, call

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
        first_rows, state = None, created
        while state["status"] not in ("done", "failed"):
            time.sleep(0.5)
            state = call("GET", f"/v1/imports/{created['id']}")
            if first_rows is None and state["done"]:
                first_rows = time.monotonic()
        finished = time.monotonic()
    report_lines = _report_lines(state.get("error_report_url"))
    sample = [line for line in range(2, rows + 2, max(1, rows // 20)) if line not in bad]
    found = sum(1 for line in sample if _exists(f"u{line}.{run}@example.com"))
    total = finished - started
    print(
        f"rows {rows:,} ({size / 1e6:.1f} MB), status {state['status']}: good {state['good']:,}, bad {state['bad']:,}"
    )
    print(f"upload            {uploaded - started:7.1f} s")
    print(f"first rows in     {(first_rows or finished) - started:7.1f} s")
    print(f"total             {total:7.1f} s   ({rows / total:,.0f} rows/s end to end)")
    print(f"error report      {len(report_lines):,} rows, lines match the bad ones: {report_lines == sorted(bad)}")
    print(f"good contacts     {found}/{len(sample)} of a sample found with GET /v1/contacts?email=")


def _report_lines(url: str | None) -> list[int]:
    if not url:
        return []
    text = httpx.get(url, timeout=60).text
    return sorted({int(row[0]) for row in list(csv.reader(io.StringIO(text)))[1:]})


def _exists(email: str) -> bool:
    target = api_target()
    response = httpx.get(
        f"{target.url}/v1/contacts", params={"email": email}, headers={"Authorization": f"Bearer {target.token}"}
    )
    return response.status_code == 200


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
