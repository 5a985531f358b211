"""`emailseq local up` never starts a second emulator beside a running one that is too busy to answer at once
(the chaos run's consumers can hold it for minutes): it waits for it, or says what holds the port."""

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from emailseq_cli.errors import CliError
from emailseq_cli.local import emulator
from emailseq_cli.local.paths import LocalPaths


class SlowHealth(BaseHTTPRequestHandler):
    """Answers /_ministack/health after 3 s: longer than a quick probe waits, as a loaded emulator does."""

    def do_GET(self) -> None:
        time.sleep(3)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def paths(tmp_path: Path) -> LocalPaths:
    found = LocalPaths(tmp_path)
    found.home.mkdir()
    return found


@pytest.fixture
def slow_emulator() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowHealth)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


@pytest.fixture
def silent_listener() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_with_nothing_running_a_new_emulator_is_started(paths):
    # Given no pid recorded and a free port / Then none is running
    assert emulator.already_running(paths, _free_port()) is False


@pytest.fixture
def ministack_process() -> Iterator[int]:
    """A live process whose command line names ministack, as the emulator's does (it only sleeps)."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "ministack"])
    yield process.pid
    process.kill()
    process.wait()


def test_a_busy_emulator_of_ours_is_waited_for_not_started_twice(paths, slow_emulator, ministack_process):
    # Given our emulator's pid recorded, and it answers its health check only after 3 s
    paths.pid_file.write_text(str(ministack_process))
    # When `local up` looks for it / Then it is found running (after waiting), so no second one starts
    assert emulator.already_running(paths, slow_emulator, patience=30) is True


def test_an_emulator_that_never_answers_is_reported_not_doubled(paths, silent_listener, ministack_process):
    # Given our emulator's pid recorded and its port taken, but no answer at all
    paths.pid_file.write_text(str(ministack_process))
    # Then after the patience the user is told how to recover
    with pytest.raises(CliError, match="does not answer as the emulator"):
        emulator.already_running(paths, silent_listener, patience=1)


def test_a_stale_pid_file_naming_another_program_is_not_our_emulator(paths):
    # Given a pid file left from before a reboot, now naming some other live process (this test's own)
    paths.pid_file.write_text(str(os.getpid()))
    # Then, with nothing on the port, a new emulator is started
    assert emulator.already_running(paths, _free_port()) is False


def test_a_port_held_by_another_program_is_named(paths, silent_listener):
    # Given no emulator of ours recorded, and another program listening on the port that never answers
    # Then `local up` stops (after a short wait) and says what holds the port
    with pytest.raises(CliError, match="held by a process"):
        emulator.already_running(paths, silent_listener, patience=1)


def test_the_emulator_runs_under_its_own_server_unless_uvicorn_is_asked_for(monkeypatch):
    # Given no choice made / Then ministack's own entry point (hypercorn), as tests and `make run` use it
    monkeypatch.delenv("EMAILSEQ_EMULATOR_SERVER", raising=False)
    assert emulator.server_command(Path("py"), 4566) == ["py", "-m", "ministack"]
    # Given uvicorn asked for (make chaos) / Then its app under uvicorn, with WebSockets for the live feed
    monkeypatch.setenv("EMAILSEQ_EMULATOR_SERVER", "uvicorn")
    command = emulator.server_command(Path("py"), 4566)
    assert command[:4] == ["py", "-m", "uvicorn", "ministack.app:app"]
    assert {"httptools", "uvloop", "wsproto", "4566"} <= set(command)
