"""A real SpamAssassin `spamd -L` (local tests only, offline, the packaged rules) on a free loopback port, started
the way `emailseq local up` starts it, for the tests of the deliverability check. Skips when SpamAssassin is not
installed (`make setup` installs it when run as root)."""

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from emailseq_cli.local import spamd
from emailseq_cli.local.paths import LocalPaths


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_spamd(workdir: Path) -> Iterator[str]:
    """Yields the `host:port` of a spamd started for the caller; stops it afterwards."""
    if spamd.binary() is None:
        pytest.skip("SpamAssassin's spamd is not installed (make setup installs it when run as root)")
    paths = LocalPaths(workdir)
    paths.home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    if not spamd.start(paths, port):
        raise RuntimeError(f"spamd did not start; see {paths.spamd_log}")
    try:
        yield f"127.0.0.1:{port}"
    finally:
        spamd.stop(paths)
