"""Job bookkeeping every QAOA backend shares: the three states, local runs kept under a job id, remote states.

Local simulators finish inside `submit`, so their jobs are done at once and their counts are kept in memory;
remote devices (Braket tasks, IBM Runtime jobs) report their own state names, mapped onto the same three.
"""

import uuid
from collections.abc import Iterable

DONE, FAILED, PENDING = "COMPLETED", "FAILED", "PENDING"


class LocalJobs:
    """A local simulator's finished runs: `keep` stores the counts under a fresh id; status and counts read them."""

    def __init__(self) -> None:
        self._finished: dict[str, dict[str, int]] = {}

    def keep(self, counts: dict[str, int]) -> str:
        job_id = f"local-{uuid.uuid4().hex}"
        self._finished[job_id] = counts
        return job_id

    def status(self, job_id: str) -> str:
        return DONE if job_id in self._finished else FAILED

    def counts(self, job_id: str) -> dict[str, int]:
        return self._finished[job_id]


def remote_state(state: str, done: str, failed: Iterable[str]) -> str:
    """A device's own state name as DONE, FAILED or PENDING (anything not finished is still pending)."""
    return DONE if state == done else FAILED if state in failed else PENDING
