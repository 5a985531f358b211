"""Unit tests: the domain and the use cases against in-memory fakes of the ports (no sockets, no AWS)."""

import sys
from pathlib import Path

import pytest

# The suite runs with --import-mode=importlib, which puts no test directory on sys.path: make the helper
# modules (fakes, builders) importable by name.
sys.path.insert(0, str(Path(__file__).parent))

from fakes import World


@pytest.fixture
def world() -> World:
    return World()
