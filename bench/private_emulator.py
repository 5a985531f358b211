"""A throwaway ministack for a bench: its own port and state directory, no persistence, stopped at exit.

It never shares the local stack's emulator (`make run`): a bench loading a million items must not leave them in
the developer's stack, nor slow it down. The interpreter is the local stack's emulator venv (installed once by
the CLI, as `emailseq local up` does).
"""

import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from emailseq_cli.local.emulator import ensure_installed
from emailseq_cli.local.paths import LocalPaths

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def private_emulator(state_dir: Path | None = None, save_on_exit: bool = False) -> Iterator[str]:
    """Start ministack on a free loopback port; yields its endpoint URL.

    With `state_dir`, the emulator loads its state from there at start (a bench seeds a large table through that
    file) and, with `save_on_exit`, writes it back when the block ends normally; otherwise nothing is kept.
    """
    python = ensure_installed(LocalPaths(ROOT))
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="bench-emulator-") as scratch:
        env = {**os.environ, "BIND_HOST": "127.0.0.1", "GATEWAY_PORT": str(port), "LOG_LEVEL": "WARNING"}
        env.update(STATE_DIR=str(state_dir or scratch), PERSIST_STATE="1" if state_dir else "0", S3_PERSIST="0")
        log = (Path(scratch) / "emulator.log").open("wb")
        command = [str(python), "-m", "ministack"]  # the emulator venv the CLI installs
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        try:
            endpoint = f"http://127.0.0.1:{port}"
            _wait_until_up(endpoint, process, seconds=900 if state_dir else 60)
            yield endpoint
            if save_on_exit:
                process.send_signal(signal.SIGINT)  # it writes its state on SIGINT
                process.wait(timeout=900)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)
            log.close()


def _wait_until_up(endpoint: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the bench emulator exited with status {process.returncode}")
        try:
            if httpx.get(f"{endpoint}/_ministack/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"the bench emulator did not answer at {endpoint} within {seconds:.0f}s")
