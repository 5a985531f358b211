"""Where the local stack keeps things: all under `.emailseq/` in the project (git-ignored), kept across runs."""

import os
from dataclasses import dataclass
from pathlib import Path

from emailseq_cli.errors import CliError

EMULATOR_PACKAGE = "ministack==1.5.33"
# The HTTP server the emulator's ASGI app runs under (see emulator.start): C parsers and event loop.
EMULATOR_SERVER = ("uvicorn==0.54.0", "httptools==0.9.0", "uvloop==0.23.0")
DEFAULT_PORT = 4566


def project_root() -> Path:
    """The checkout holding serverless.yml: $EMAILSEQ_PROJECT, the working directory or a parent, or ours."""
    candidates = [Path(os.environ["EMAILSEQ_PROJECT"])] if "EMAILSEQ_PROJECT" in os.environ else []
    cwd = Path.cwd().resolve()
    candidates += [cwd, *cwd.parents, Path(__file__).resolve().parents[3]]
    for candidate in candidates:
        if (candidate / "serverless.yml").is_file() and (candidate / "functions").is_dir():
            return candidate
    raise CliError("cannot find the emailseq project (serverless.yml); run from the checkout or set EMAILSEQ_PROJECT")


@dataclass(frozen=True)
class LocalPaths:
    root: Path

    @property
    def home(self) -> Path:
        return self.root / ".emailseq"

    @property
    def emulator_venv(self) -> Path:
        return self.home / "emulator-venv"

    @property
    def emulator_state(self) -> Path:
        return self.home / "emulator-state"

    @property
    def emulator_log(self) -> Path:
        return self.home / "emulator.log"

    @property
    def pid_file(self) -> Path:
        return self.home / "emulator.pid"

    @property
    def stack_file(self) -> Path:
        """What `local up` learnt about the deployed stack (URLs, queue URLs, function names)."""
        return self.home / "stack.json"

    @property
    def clock_file(self) -> Path:
        return self.home / "clock.json"

    @property
    def spamd_pid_file(self) -> Path:
        return self.home / "spamd.pid"

    @property
    def spamd_log(self) -> Path:
        return self.home / "spamd.log"


def local_paths() -> LocalPaths:
    return LocalPaths(project_root())


def local_port() -> int:
    return int(os.environ.get("EMAILSEQ_LOCAL_PORT", DEFAULT_PORT))
