"""The embedded AWS emulator (ministack): installed in its own venv, run on loopback, state kept on disk."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from emailseq_cli.errors import CliError
from emailseq_cli.local.installer import install_into_venv
from emailseq_cli.local.paths import EMULATOR_PACKAGE, EMULATOR_SERVER, LocalPaths


def endpoint(port: int) -> str:
    return f"http://127.0.0.1:{port}"


def ensure_installed(paths: LocalPaths) -> Path:
    """The emulator's interpreter; it pins botocore exactly, so it never shares our venv."""
    python = paths.emulator_venv / "bin" / "python"
    marker = paths.emulator_venv / ".installed"
    wanted = " ".join((EMULATOR_PACKAGE, *EMULATOR_SERVER))
    if marker.is_file() and marker.read_text() == wanted:
        return python
    # Same interpreter version as ours (python3.12): the emulator runs the Lambdas on it, and the layer's
    # binary wheels are built for it.
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(paths.emulator_venv)], check=True)
    install_into_venv(python, EMULATOR_PACKAGE, *EMULATOR_SERVER)
    marker.write_text(wanted)
    return python


BUSY_WAIT_SECONDS = 300.0  # a chaos run's event consumers catching up can keep the emulator this long


def is_up(port: int, timeout: float = 2) -> bool:
    try:
        return httpx.get(f"{endpoint(port)}/_ministack/health", timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


def already_running(paths: LocalPaths, port: int, patience: float = BUSY_WAIT_SECONDS) -> bool:
    """True when our emulator answers, or is running but too busy to answer at once: then it is waited for,
    since a second one would find the port taken and share the state directory. False when none runs."""
    if is_up(port):
        return True
    ours = _recorded_emulator_alive(paths)
    if not ours and not _port_taken(port):
        return False
    # Ours (busy, or still starting), or the port's holder lost its pid file: give it time to answer. Something
    # else on the port gets less patience.
    deadline = time.monotonic() + (patience if ours else min(patience, 20.0))
    while time.monotonic() < deadline:
        if is_up(port, timeout=min(10.0, max(0.5, deadline - time.monotonic()))):
            return True
        time.sleep(1)
    raise CliError(
        f"port {port} is held by a process that does not answer as the emulator; "
        "`emailseq local down` stops ours, else free the port or set EMAILSEQ_LOCAL_PORT"
    )


def _recorded_emulator_alive(paths: LocalPaths) -> bool:
    try:
        pid = int(paths.pid_file.read_text())
    except (OSError, ValueError):
        return False
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.exists():  # Linux: a pid from before a reboot may now be someone else's
        return b"ministack" in cmdline.read_bytes()
    return _alive(pid)


def _port_taken(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def start(paths: LocalPaths, port: int) -> subprocess.Popen[bytes]:
    python = ensure_installed(paths)
    paths.emulator_state.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "BIND_HOST": "127.0.0.1",
        "GATEWAY_PORT": str(port),
        "PERSIST_STATE": "1",
        "S3_PERSIST": "1",
        "STATE_DIR": str(paths.emulator_state),
        "S3_DATA_DIR": str(paths.emulator_state / "s3"),
        "LOG_LEVEL": "WARNING",
    }
    log = paths.emulator_log.open("ab")
    process = subprocess.Popen(
        server_command(python, port),
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        cwd=paths.home,
    )
    paths.pid_file.write_text(str(process.pid))
    wait_until_up(port, process)
    return process


def server_command(python: Path, port: int) -> list[str]:
    """ministack under its own hypercorn, or with EMAILSEQ_EMULATOR_SERVER=uvicorn (what `make chaos` sets) its
    ASGI app under uvicorn with httptools and uvloop. Measured: under uvicorn the emulator spends about a third
    less CPU per AWS call and a 1,000-enrollment chaos run takes 404 s instead of 644 s, but `make test`'s
    stack suites took ~20 % longer (1,149 s vs 928-953 s; cause not found), so tests and `make run` keep
    hypercorn (docs/chaos.md)."""
    if os.environ.get("EMAILSEQ_EMULATOR_SERVER", "hypercorn") != "uvicorn":
        return [str(python), "-m", "ministack"]
    return [str(python), "-m", "uvicorn", *_uvicorn_options(port)]


def _uvicorn_options(port: int) -> list[str]:
    """WebSockets (the live feed's API) through wsproto, which ministack already installs; the keep-alive is
    ministack's own (75 s)."""
    return [
        "ministack.app:app",
        *("--host", "127.0.0.1", "--port", str(port), "--loop", "uvloop", "--http", "httptools"),
        *("--ws", "wsproto", "--lifespan", "on", "--timeout-keep-alive", "75", "--no-access-log"),
        *("--log-level", "warning"),
    ]


def wait_until_up(port: int, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise CliError(f"the emulator exited with status {process.returncode}; see .emailseq/emulator.log")
        if is_up(port):
            return
        time.sleep(0.3)
    raise CliError(f"the emulator did not answer on port {port} within {seconds:.0f}s; see .emailseq/emulator.log")


def stop(paths: LocalPaths, timeout: float = 30) -> bool:
    """Stop a running emulator gracefully (SIGINT, so it writes its state); True if one was running."""
    if not paths.pid_file.is_file():
        return False
    pid = int(paths.pid_file.read_text())
    try:
        os.kill(pid, signal.SIGINT)
    except ProcessLookupError:
        paths.pid_file.unlink(missing_ok=True)
        return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.2)
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)
    paths.pid_file.unlink(missing_ok=True)
    return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie child of ours counts as gone
        finished, _ = os.waitpid(pid, os.WNOHANG)
        return finished == 0
    except ChildProcessError:
        return True
