"""Fixtures for the tests of the Python binding (examples/python) against dcs-emulator.

The package is imported from the checkout; libdcs.so comes from $DCS_LIBRARY or the checkout's
build output, exactly as the package itself looks for it.
"""

import sys

import pytest

from binding_support import PACKAGE_ROOT

sys.path.insert(0, str(PACKAGE_ROOT))

import dcs  # noqa: E402
from emulator import Emulator, TEST_AK, TEST_PROJECT_ID, TEST_SK  # noqa: E402


@pytest.fixture(scope="session")
def binding_emulator():
    """Default fleet plus emu-0001..emu-0120; restarts complete at once so calls can repeat."""
    with Emulator(["--record-requests", "--restart-seconds", "0", "--generated-instances", "120",
                   "--quiet"]) as emulator:
        yield emulator


@pytest.fixture
def emu(binding_emulator):
    """The session's emulator, reset: no faults, counters at zero, no recorded requests."""
    binding_emulator.reset()
    return binding_emulator


@pytest.fixture
def make_client(emu):
    """Makes clients of `emu` with the test credentials (keywords override them); closes them after."""
    made = []

    def make(**settings):
        settings = {"endpoint": emu.url, "project_id": TEST_PROJECT_ID, "ak": TEST_AK, "sk": TEST_SK, **settings}
        client = dcs.Client(**settings)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(make_client):
    return make_client()
