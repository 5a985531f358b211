"""SpamAssassin's `spamd` for the preview's deliverability check, run like the emulator: on loopback, in the
background, stopped by `local down`. `-L` keeps it to local tests (no DNS or network lookups) and the rules are
the ones Debian's package ships, so nothing downloads. Not installed: `local up` says so and goes on."""

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from emailseq.dal.spamd import SpamdClient
from emailseq.domain.deliverability import SpamCheckUnavailable

from emailseq_cli.local.paths import LocalPaths

DEFAULT_PORT = 7830  # serverless.yml's local `spamdAddress` uses the same default
INSTALL_HINT = "apt-get install spamassassin spamc spamd (or `make setup` as root)"


def spamd_port() -> int:
    return int(os.environ.get("EMAILSEQ_SPAMD_PORT", DEFAULT_PORT))


def binary() -> str | None:
    found = shutil.which("spamd") or "/usr/sbin/spamd"
    return found if Path(found).is_file() else None


def is_up(port: int) -> bool:
    try:
        return SpamdClient(f"127.0.0.1:{port}", timeout_seconds=2).ping()
    except SpamCheckUnavailable:
        return False


def start(paths: LocalPaths, port: int, wait_seconds: float = 60) -> bool:
    """True when a spamd answers on `port` (started now or already running)."""
    if is_up(port):
        return True
    executable = binary()
    if executable is None:
        print(f"SpamAssassin is not installed: previews will say the deliverability check is off ({INSTALL_HINT})")
        return False
    command = [executable, "-L", "--nouser-config", f"--listen=127.0.0.1:{port}", "--min-children=1"]
    command += ["--max-children=2", f"--pidfile={paths.spamd_pid_file}", "--syslog=stderr"]
    with paths.spamd_log.open("ab") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + wait_seconds  # loading the rules takes a few seconds
    while time.monotonic() < deadline and process.poll() is None:
        if is_up(port):
            print(f"spamd (SpamAssassin, offline rules) on 127.0.0.1:{port}")
            return True
        time.sleep(0.3)
    print(f"spamd did not start on port {port}; previews go without the check (see .emailseq/spamd.log)")
    return False


def stop(paths: LocalPaths, timeout: float = 15) -> bool:
    if not paths.spamd_pid_file.is_file():
        return False
    pid = int(paths.spamd_pid_file.read_text().strip() or 0)
    try:
        os.kill(pid, signal.SIGTERM)
    except (ProcessLookupError, ValueError):
        paths.spamd_pid_file.unlink(missing_ok=True)
        return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and paths.spamd_pid_file.is_file():
        time.sleep(0.2)  # spamd removes its pidfile when its children are gone
    paths.spamd_pid_file.unlink(missing_ok=True)
    return True
