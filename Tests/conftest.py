import os
import pathlib
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "Tests" / "harness"))

# The library under test: $DCS_LIBRARY (scripts/test.sh sets it), else the checkout's build
# output. Set here, for the whole session, because the binding run from the checkout carries no
# library and, outside $DCS_LIBRARY, only looks beside itself and in the system; every program a
# test starts (dcsctl.py, python -m dcs) inherits it.
os.environ.setdefault("DCS_LIBRARY", str(REPO / ".build" / "release" / "libdcs.so"))

from emulator import Emulator  # noqa: E402


@pytest.fixture(scope="session")
def batch_emulator():
    """The default fleet plus emu-0001..emu-0120, restarts complete at once so that calls can
    repeat; its log (no secret may reach it) is kept. Shared by the C and the binding tests."""
    # --record-secrets: the tests compare what was sent (signatures, tokens) with what they see.
    with Emulator(["--record-requests", "--record-secrets", "--restart-seconds", "0", "--generated-instances", "120"]) as running:
        yield running


@pytest.fixture
def emu(batch_emulator):
    """The batch emulator, reset: no faults, counters at zero, no recorded requests."""
    batch_emulator.reset()
    return batch_emulator


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
