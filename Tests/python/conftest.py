"""Fixtures for the tests of the Python binding (examples/python) against dcs-emulator.

The package is imported from the checkout; libdcs.so comes from $DCS_LIBRARY, which
Tests/conftest.py points at the checkout's build output unless it is set.
"""

import sys

import pytest

from binding_support import PACKAGE_ROOT

sys.path.insert(0, str(PACKAGE_ROOT))

import dcs  # noqa: E402
from emulator import Emulator, TEST_AK, TEST_PROJECT_ID, TEST_SK  # noqa: E402


@pytest.fixture(scope="session")
def quick_restarts_emulator():
    with Emulator(["--record-requests", "--restart-seconds", "0.5", "--quiet"]) as emulator:
        yield emulator


@pytest.fixture
def quick_emu(quick_restarts_emulator):
    """Restarted instances are RESTARTING for 0.5 s, then RUNNING; reset."""
    quick_restarts_emulator.reset()
    return quick_restarts_emulator


@pytest.fixture(scope="session")
def slow_restarts_emulator():
    with Emulator(["--restart-seconds", "60", "--quiet"]) as emulator:
        yield emulator


@pytest.fixture
def slow_emu(slow_restarts_emulator):
    """Restarted instances are RESTARTING for 60 s; reset (RUNNING again)."""
    slow_restarts_emulator.reset()
    return slow_restarts_emulator


def client_of(emulator, **settings):
    """A client of `emulator` with the test credentials; keywords override them."""
    return dcs.Client(**{"endpoint": emulator.url, "project_id": TEST_PROJECT_ID, "ak": TEST_AK, "sk": TEST_SK,
                         **settings})


@pytest.fixture
def make_client(emu):
    """Makes clients of `emu` (or of the emulator given first) with the test credentials (keywords
    override them); closes them after."""
    made = []

    def make(emulator=emu, **settings):
        client = client_of(emulator, **settings)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(make_client):
    return make_client()


class NativeLedger:
    """Every C function of the loaded library, wrapped: counts the calls, and follows each object
    C hands out (configs, clients, results, errors, cancel tokens, instance lists) by address
    from the call that made it to its free, so that a leak, a double free or a free of something
    never handed out shows."""

    OUT_PARAMS = {"dcs_client_new": {1: "client", 2: "error"}, "dcs_call": {5: "results", 6: "error"},
                  "dcs_restart": {3: "results", 4: "error"}, "dcs_soft_restart": {3: "results", 4: "error"},
                  "dcs_flush": {3: "results", 4: "error"}, "dcs_get_instance_status": {3: "error"},
                  "dcs_get_instance_status_with": {4: "error"},
                  "dcs_wait_running": {4: "results", 5: "error"}, "dcs_wait_running_with": {5: "results", 6: "error"},
                  "dcs_list_instances": {3: "instance_list", 4: "error"}}
    RETURNED = {"dcs_config_new": "config", "dcs_cancel_new": "cancel"}
    FREES = {"dcs_config_free": "config", "dcs_client_free": "client", "dcs_results_free": "results",
             "dcs_error_free": "error", "dcs_cancel_free": "cancel", "dcs_instance_list_free": "instance_list"}

    def __init__(self):
        self.calls = {}
        self.handed_out = {}  # kind: how many
        self.live = set()  # (kind, address)
        self.problems = []

    def _hand_out(self, kind, address):
        if (kind, address) in self.live:
            self.problems.append(f"{kind} {address:#x} handed out again while live")
        self.live.add((kind, address))
        self.handed_out[kind] = self.handed_out.get(kind, 0) + 1

    def wrap(self, name, function):
        def wrapper(*args):
            self.calls[name] = self.calls.get(name, 0) + 1
            if name in self.FREES and args[0].value:
                entry = (self.FREES[name], args[0].value)
                if entry not in self.live:
                    self.problems.append(f"{entry[0]} {entry[1]:#x} freed but not live (double free?)")
                self.live.discard(entry)
            result = function(*args)
            if name in self.RETURNED and result:
                self._hand_out(self.RETURNED[name], result.value)
            for index, kind in self.OUT_PARAMS.get(name, {}).items():
                if args[index]._obj.value:
                    self._hand_out(kind, args[index]._obj.value)
            return result

        return wrapper

    def c_calls(self):
        """How many C functions were called, dcs_version and the name functions aside."""
        return sum(n for name, n in self.calls.items() if not name.endswith(("_name", "dcs_version")))

    def unbalanced(self):
        """What was not freed exactly once: [] when every object handed out was freed once."""
        return self.problems + [f"{kind} {address:#x} never freed" for kind, address in sorted(self.live)]


@pytest.fixture
def native(monkeypatch):
    """A NativeLedger of the C calls made during the test."""
    from dcs import _native

    lib = _native.library()
    ledger = NativeLedger()
    for name in _native.PROTOTYPES:
        monkeypatch.setattr(lib, name, ledger.wrap(name, getattr(lib, name)))
    return ledger
