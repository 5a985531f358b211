"""The e2e suite drives the local stack over HTTP and through the `emailseq` command, as a user would."""

import uuid
from pathlib import Path

import pytest


@pytest.fixture
def unique() -> str:
    """A suffix that keeps this test's sequences, events and addresses apart from earlier runs' (state persists)."""
    return uuid.uuid4().hex[:10]


@pytest.fixture
def write_sequence(tmp_path: Path):  # type: ignore[no-untyped-def]
    def write(name: str, text: str) -> Path:
        path = tmp_path / f"{name}.yaml"
        path.write_text(text)
        return path

    return write
