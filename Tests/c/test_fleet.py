"""Fleet operations through the C ABI (Tests/c/fleet_test.c): rolling calls in waves, their
health gate, cancel, deadline and progress; older options structs; listing with paging and
filters; every busy refusal Terraform retries. Each test also checks what only the emulator saw:
how many actions and listings reached it."""

import json
import subprocess

import pytest

from c_support import MEMCHECK, REPO, compile_c, under_memcheck
from clients import client_env, leaked
from emulator import Emulator

ROLLING_IDS = [f"roll-{n:02d}" for n in range(1, 13)]
LOST = "roll-07"  # in wave 2 of waves of 5: restarted, never RUNNING again

# Terraform's huaweicloud provider retries these 400 codes for every DCS operation
# (../shared/reference/dcs-api.md), and libdcs DCS.4017 too; older deployments spell them
# with 9 digits.
TERRAFORM_BUSY_CODES = ["DCS.4026", "DCS.4049", "DCS.4096", "DCS.4097", "DCS.4111", "DCS.4113", "DCS.4114",
                        "DCS.4115", "DCS.4116", "DCS.4117", "DCS.4118", "DCS.4120", "DCS.4121", "DCS.4975",
                        "CBC.99003651"]
BUSY_CODES = TERRAFORM_BUSY_CODES + ["DCS.4017", "111400017", "111400049", "111400975", "111400113"]


@pytest.fixture(scope="module")
def fleet_test(libdcs, tmp_path_factory):
    return compile_c(REPO / "Tests" / "c" / "fleet_test.c", tmp_path_factory.mktemp("fleet") / "fleet_test", libdcs)


@pytest.fixture(scope="module")
def rolling_emulator(tmp_path_factory):
    fleet = tmp_path_factory.mktemp("fleet") / "rolling.json"
    fleet.write_text(json.dumps([{"id": id, "name": f"rolling-{id[-2:]}", "engine_version": "6.0", "status": "RUNNING",
                                  "restart_seconds": 0.2, "never_returns": id == LOST} for id in ROLLING_IDS]))
    with Emulator(["--instances", str(fleet), "--quiet"]) as emu:
        yield emu


@pytest.fixture
def rolling(rolling_emulator):
    rolling_emulator.reset()
    return rolling_emulator


@pytest.fixture(scope="module")
def default_fleet():
    """cache-a ... cache-e alone, tagged role and env."""
    with Emulator(["--quiet"]) as emu:
        yield emu


@pytest.fixture(scope="module")
def big_fleet():
    with Emulator(["--generated-instances", "2500", "--quiet"]) as emu:
        yield emu


def run_case(program, name, emulator, timeout=120, **extra_env):
    done = subprocess.run(under_memcheck([program, name]), env=client_env(emulator, **extra_env),
                          capture_output=True, text=True, timeout=timeout * (10 if MEMCHECK else 1))
    assert leaked(done.stdout + done.stderr) == [], f"case {name} printed a secret"
    assert done.returncode == 0, f"case {name} failed:\n{done.stderr}"


def test_every_case_is_driven(fleet_test):
    listed = subprocess.run([str(fleet_test), "--list"], capture_output=True, text=True, check=True).stdout.split()
    driven = {name[len("test_"):] for name in globals() if name.startswith("test_")}
    assert set(listed) <= driven, f"cases without a driver: {sorted(set(listed) - driven)}"


def statuses(emu):
    return {entry["id"]: entry["status"] for entry in emu.instances()}


# Rolling calls ------------------------------------------------------------------------------

def test_rolling_restart_stops_at_the_gate(fleet_test, rolling):
    run_case(fleet_test, "rolling_restart_stops_at_the_gate", rolling)
    assert rolling.stats()["status_puts"] == 2  # waves 1 and 2; nothing for wave 3
    seen = statuses(rolling)
    assert seen[LOST] == "RESTARTING"
    assert all(seen[id] == "RUNNING" for id in ROLLING_IDS if id != LOST)


def test_rolling_restart_keeps_going_past_failures(fleet_test, rolling):
    run_case(fleet_test, "rolling_restart_keeps_going_past_failures", rolling)
    assert rolling.stats()["status_puts"] == 3


def test_cancel_between_waves_sends_nothing_more(fleet_test, rolling):
    run_case(fleet_test, "cancel_between_waves_sends_nothing_more", rolling)
    assert rolling.stats()["status_puts"] == 2  # wave 1 of each of the two calls


def test_deadline_before_the_next_wave(fleet_test, rolling):
    run_case(fleet_test, "deadline_before_the_next_wave", rolling)
    assert rolling.stats()["status_puts"] == 1


def test_progress_of_a_call_without_waves(fleet_test, rolling):
    run_case(fleet_test, "progress_of_a_call_without_waves", rolling)
    assert rolling.stats()["status_puts"] == 1


def test_a_refused_wave_ends_the_call(fleet_test, rolling):
    rolling.fault("busy", skip=1, on="put", code="DCS.4049")
    run_case(fleet_test, "a_refused_wave_ends_the_call", rolling)
    assert rolling.stats()["status_puts"] == 2


def test_wave_size_past_the_limit_is_refused(fleet_test, rolling):
    run_case(fleet_test, "wave_size_past_the_limit_is_refused", rolling)
    assert rolling.stats()["api_requests"] == 0


def test_version_2_options_still_work(fleet_test, rolling):
    rolling.set_instance_status(LOST, "RUNNING")
    rolling.set_never_returns(LOST, False)
    run_case(fleet_test, "version_2_options_still_work", rolling)
    stats = rolling.stats()
    assert stats["status_puts"] == 2  # one request of 12 ids (waited on), one of 3
    assert stats["status_gets"] >= 24


# Listing ------------------------------------------------------------------------------------

def test_listing_reads_every_page(fleet_test, big_fleet):
    big_fleet.reset()
    run_case(fleet_test, "listing_reads_every_page", big_fleet)
    assert big_fleet.stats()["list_gets"] == 3  # 1000, 1000, 505


def test_listing_filters_select(fleet_test, default_fleet):
    default_fleet.reset()
    run_case(fleet_test, "listing_filters_select", default_fleet)
    assert default_fleet.stats()["list_gets"] == 6


def test_bad_filters_are_refused_before_sending(fleet_test, emu):
    run_case(fleet_test, "bad_filters_are_refused_before_sending", emu)
    assert emu.stats()["api_requests"] == 0


def test_a_failed_page_fails_the_listing(fleet_test, big_fleet):
    big_fleet.reset()
    big_fleet.fault("status500", skip=1, on="list")  # the second page
    run_case(fleet_test, "a_failed_page_fails_the_listing", big_fleet)
    assert big_fleet.stats()["list_gets"] == 2


def test_a_cancelled_listing_sends_nothing(fleet_test, emu):
    run_case(fleet_test, "a_cancelled_listing_sends_nothing", emu)
    assert emu.stats()["api_requests"] == 0


# Busy refusals -----------------------------------------------------------------------------

@pytest.mark.parametrize("code", BUSY_CODES)
def test_busy_code_is_retried(fleet_test, rolling, code):
    rolling.fault("busy", code=code, on="put")
    run_case(fleet_test, "busy_code_is_retried", rolling)
    assert rolling.stats()["status_puts"] == 2  # refused once, then accepted
