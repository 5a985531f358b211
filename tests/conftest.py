"""Fixtures shared across suites. `stack` (the running local stack) is only started by suites that ask for it."""

from collections.abc import Iterator

import pytest

from tests.support.local_stack import ROOT, LocalStack, local_stack
from tests.support.packaging import Packages

INFRASTRUCTURE = ROOT / "tests" / "infrastructure"


_PACKAGES = pytest.StashKey[Packages]()


@pytest.fixture(scope="session")
def stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with local_stack() as running:
        if any(INFRASTRUCTURE in item.path.parents for item in request.session.items):
            # packaged now, in the background, while the e2e suite runs (tests/support/packaging.py)
            request.config.stash[_PACKAGES] = Packages(running, tmp_path_factory.mktemp("packages"))
        yield running


@pytest.fixture(scope="session")
def packages(request: pytest.FixtureRequest, stack: LocalStack) -> Packages:
    return request.config.stash[_PACKAGES]
