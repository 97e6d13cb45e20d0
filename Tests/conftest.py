import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent / "harness"))

from emulator import Emulator  # noqa: E402


@pytest.fixture(scope="session")
def emulator():
    """One emulator for the session, with the harness's test credentials."""
    with Emulator(["--record-requests", "--restart-seconds", "0.2"]) as running:
        yield running


@pytest.fixture
def fresh_emulator(emulator):
    """The session emulator, reset: zero counters, no recorded requests or faults, fleet as at start."""
    emulator.reset()
    return emulator
