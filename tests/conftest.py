"""Fixtures shared across suites. `stack` (the running local stack) is only started by suites that ask for it."""

from collections.abc import Iterator

import pytest

from tests.support.local_stack import LocalStack, local_stack


@pytest.fixture(scope="session")
def stack() -> Iterator[LocalStack]:
    with local_stack() as running:
        yield running
