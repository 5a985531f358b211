"""The local stack the suites run against: the very one `make run` starts (reused when it is already up)."""

import json
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
EMAILSEQ = str(ROOT / ".venv" / "bin" / "emailseq")


@dataclass(frozen=True)
class LocalStack:
    api_url: str
    token: str
    endpoint: str

    def http(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> httpx.Response:
        chosen = self.token if token is None else token
        headers = {"Authorization": f"Bearer {chosen}"} if chosen else {}
        return httpx.request(method, f"{self.api_url}{path}", headers=headers, timeout=60, **kwargs)


def cli(
    *args: str, check: bool = True, timeout: float = 300, as_tenant: tuple[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the `emailseq` command as a user would, from the project directory, with only the local stack's env
    (or, with `as_tenant=(api_url, token)`, as another tenant)."""
    # The emulator's port is the machine's choice (parallel stacks), not the user's environment: keep it.
    env = {
        k: v
        for k, v in os.environ.items()
        if k == "EMAILSEQ_LOCAL_PORT" or not (k.startswith("EMAILSEQ_") or k.startswith("AWS_"))
    }
    if as_tenant is not None:
        env.update(EMAILSEQ_API_URL=as_tenant[0], EMAILSEQ_TOKEN=as_tenant[1])
    result = subprocess.run([EMAILSEQ, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"emailseq {' '.join(args)} failed ({result.returncode}):\n{result.stderr}{result.stdout}")
    return result


def _emulator_running() -> bool:
    port = os.environ.get("EMAILSEQ_LOCAL_PORT", "4566")
    try:
        return httpx.get(f"http://127.0.0.1:{port}/_ministack/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def local_stack() -> Iterator[LocalStack]:
    """Deploy the current code into the running stack (or start one), and stop it afterwards if we started it."""
    started_here = not _emulator_running()
    cli("local", "up", "--detach", timeout=900)
    try:
        lines = dict(line.split("=", 1) for line in cli("local", "env").stdout.splitlines() if "=" in line)
        yield LocalStack(
            api_url=lines["EMAILSEQ_API_URL"], token=lines["EMAILSEQ_TOKEN"], endpoint=lines["AWS_ENDPOINT_URL"]
        )
    finally:
        if started_here:
            cli("local", "down", check=False)


def outbox(to: str) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = json.loads(cli("outbox", "--to", to, "--json").stdout)
    return messages


def poll[T](probe: Callable[[], T], timeout: float = 60.0) -> T:
    """What `probe` finds, asked once a second until it finds something or `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(1)
