"""What a rolling operation needs from dcs-emulator: FLUSHING during --flush-seconds, instances that
never come back, faults aimed at one kind of request (the second PUT of a rolling restart), and
every busy refusal Terraform's provider retries. Requests signed by Huawei's official signer."""

import json
import time

import pytest

from emulator import TEST_PROJECT_ID, Emulator, EmulatorError
from test_emulator import (FROZEN_5, RUNNING_3, RUNNING_4, RUNNING_5, RUNNING_6, api_status, assert_refused,
                           instance_path, restart, results, send_signed, status_of)

LIST_PATH = f"/v2/{TEST_PROJECT_ID}/instances"

# Terraform's huaweicloud provider: the 400 codes it retries for every DCS operation.
TERRAFORM_BUSY_CODES = ["DCS.4026", "DCS.4049", "DCS.4096", "DCS.4097", "DCS.4111", "DCS.4113", "DCS.4114",
                        "DCS.4115", "DCS.4116", "DCS.4117", "DCS.4118", "DCS.4120", "DCS.4121", "DCS.4975",
                        "CBC.99003651"]


def list_status(emu, instance_id):
    answer = send_signed(emu, "GET", LIST_PATH, query=[("instance_id", instance_id)])
    assert answer.status == 200, answer.body
    return answer.json()["instances"][0]["status"]


def wait_until(condition, seconds=5):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


# Flush -------------------------------------------------------------------------------------

def test_flush_shows_flushing_for_flush_seconds_then_running():
    with Emulator(["--flush-seconds", "0.8", "--restart-seconds", "0.2"]) as emu:
        started = time.monotonic()
        assert results(restart(emu, [RUNNING_6, RUNNING_3], action="flush")) == [(RUNNING_6, "success"),
                                                                                 (RUNNING_3, "failed")]
        assert api_status(emu, RUNNING_6) == "FLUSHING"
        assert list_status(emu, RUNNING_6) == "FLUSHING"
        assert api_status(emu, RUNNING_3) == "RUNNING"  # not flushed: pre-4.0
        # Only RUNNING instances are acted on: no restart and no second flush while flushing.
        assert results(restart(emu, [RUNNING_6])) == [(RUNNING_6, "failed")]
        assert results(restart(emu, [RUNNING_6], action="flush")) == [(RUNNING_6, "failed")]
        wait_until(lambda: api_status(emu, RUNNING_6) == "RUNNING")
        assert 0.8 <= time.monotonic() - started < 2.5
        assert results(restart(emu, [RUNNING_6])) == [(RUNNING_6, "success")]
        assert api_status(emu, RUNNING_6) == "RESTARTING"


def test_flush_stays_running_by_default(fresh_emulator):
    assert results(restart(fresh_emulator, [RUNNING_5], action="flush")) == [(RUNNING_5, "success")]
    assert api_status(fresh_emulator, RUNNING_5) == "RUNNING"


def test_reset_ends_a_flush():
    with Emulator(["--flush-seconds", "60"]) as emu:
        restart(emu, [RUNNING_4], action="flush")
        assert api_status(emu, RUNNING_4) == "FLUSHING"
        emu.reset()
        assert api_status(emu, RUNNING_4) == "RUNNING"


@pytest.mark.parametrize("value", ["-1", "nan", "inf"])
def test_bad_flush_seconds_are_refused(value):
    with pytest.raises(EmulatorError, match="flush-seconds"):
        Emulator([f"--flush-seconds={value}"])


# An instance that never comes back -----------------------------------------------------------

def fleet_with_one_that_never_returns(tmp_path, restart_seconds=0.2):
    fleet = tmp_path / "fleet.json"
    fleet.write_text(json.dumps([
        {"id": "steady", "engine_version": "6.0", "status": "RUNNING", "restart_seconds": restart_seconds},
        {"id": "lost", "engine_version": "6.0", "status": "RUNNING", "restart_seconds": restart_seconds,
         "never_returns": True, "tags": {"role": "session-cache"}},
    ]))
    return str(fleet)


@pytest.mark.parametrize("restart_seconds", [0.2, 0])
def test_an_instance_that_never_returns_stays_restarting(tmp_path, restart_seconds):
    with Emulator(["--instances", fleet_with_one_that_never_returns(tmp_path, restart_seconds)]) as emu:
        assert [e["never_returns"] for e in emu.instances()] == [False, True]
        assert results(restart(emu, ["steady", "lost"])) == [("steady", "success"), ("lost", "success")]
        time.sleep(restart_seconds + 0.5)
        assert api_status(emu, "steady") == "RUNNING"
        assert api_status(emu, "lost") == "RESTARTING"
        assert list_status(emu, "lost") == "RESTARTING"
        assert results(restart(emu, ["lost"])) == [("lost", "failed")]
        # Setting a status brings it back; the next restart is lost again.
        emu.set_instance_status("lost", "RUNNING")
        assert api_status(emu, "lost") == "RUNNING"
        assert results(restart(emu, ["lost"], action="soft_restart")) == [("lost", "success")]
        time.sleep(restart_seconds + 0.3)
        assert api_status(emu, "lost") == "RESTARTING"
        emu.reset()
        assert api_status(emu, "lost") == "RUNNING"
        assert emu.instances()[1]["never_returns"] is True


def test_an_instance_that_never_returns_stays_flushing(tmp_path):
    with Emulator(["--instances", fleet_with_one_that_never_returns(tmp_path)]) as emu:  # --flush-seconds 0
        assert results(restart(emu, ["steady", "lost"], action="flush")) == [("steady", "success"), ("lost", "success")]
        time.sleep(0.3)
        assert [api_status(emu, i) for i in ("steady", "lost")] == ["RUNNING", "FLUSHING"]


def test_never_returns_set_at_run_time_keeps_a_restart_under_way(fresh_emulator):
    shown = fresh_emulator.set_never_returns(RUNNING_5)
    assert shown["never_returns"] is True and shown["status"] == "RUNNING"
    assert results(restart(fresh_emulator, [RUNNING_5, RUNNING_4])) == [(RUNNING_5, "success"), (RUNNING_4, "success")]
    time.sleep(0.5)  # past the session emulator's 0.2 s restart
    assert [api_status(fresh_emulator, i) for i in (RUNNING_5, RUNNING_4)] == ["RESTARTING", "RUNNING"]
    # Set while a restart is under way: that restart never ends either.
    assert results(restart(fresh_emulator, [RUNNING_6])) == [(RUNNING_6, "success")]
    fresh_emulator.set_never_returns(RUNNING_6)
    time.sleep(0.5)
    assert api_status(fresh_emulator, RUNNING_6) == "RESTARTING"
    # False again: the restart ends (its deadline has passed).
    assert fresh_emulator.set_never_returns(RUNNING_5, False)["status"] == "RUNNING"
    assert api_status(fresh_emulator, RUNNING_5) == "RUNNING"
    fresh_emulator.reset()
    assert [(e["status"], e["never_returns"]) for e in fresh_emulator.instances()] == [("RUNNING", False)] * 4 + [
        ("FROZEN", False)]


def test_never_returns_set_after_a_restart_ended_does_not_bring_it_back(fresh_emulator):
    assert results(restart(fresh_emulator, [RUNNING_4])) == [(RUNNING_4, "success")]
    time.sleep(0.4)
    assert api_status(fresh_emulator, RUNNING_4) == "RUNNING"
    fresh_emulator.set_never_returns(RUNNING_4)
    assert api_status(fresh_emulator, RUNNING_4) == "RUNNING"


def test_status_and_never_returns_together(fresh_emulator):
    fresh_emulator._control("POST", "/_emulator/instances/" + FROZEN_5, {"status": "RUNNING", "never_returns": True})
    assert results(restart(fresh_emulator, [FROZEN_5])) == [(FROZEN_5, "success")]
    time.sleep(0.4)
    assert status_of(fresh_emulator, FROZEN_5) == "RESTARTING"


@pytest.mark.parametrize("document", [{}, {"never_returns": "yes"}, {"never_returns": 1}, {"never_returns": None},
                                      {"never_return": True}, {"status": "RUNNING", "extra": 1}, [True]])
def test_bad_instance_changes_are_400_and_change_nothing(fresh_emulator, document):
    with pytest.raises(EmulatorError, match="400"):
        fresh_emulator._control("POST", "/_emulator/instances/" + RUNNING_6, document)
    assert fresh_emulator.instances()[0]["never_returns"] is False


def test_never_returns_of_an_unknown_instance_is_404(fresh_emulator):
    with pytest.raises(EmulatorError, match="404"):
        fresh_emulator.set_never_returns("00000000-0000-4000-8000-000000000000")


# Faults aimed at one kind of request --------------------------------------------------------

def get(emu, instance_id=RUNNING_4):
    return send_signed(emu, "GET", instance_path(instance_id))


def list_all(emu):
    return send_signed(emu, "GET", LIST_PATH)


def test_a_fault_on_put_hits_the_second_put_whatever_comes_between(fresh_emulator):
    fresh_emulator.fault("busy", skip=1, on="put")
    assert fresh_emulator.faults() == [{"kind": "busy", "count": 1, "skip": 1, "on": "put", "code": "DCS.4111"}]
    first = restart(fresh_emulator, [RUNNING_6])
    between = [get(fresh_emulator), list_all(fresh_emulator), get(fresh_emulator)]
    second = restart(fresh_emulator, [RUNNING_5])
    third = restart(fresh_emulator, [RUNNING_4])
    assert results(first) == [(RUNNING_6, "success")]
    assert [answer.status for answer in between] == [200, 200, 200]
    assert_refused(second, code="DCS.4111", status=400)
    assert results(third) == [(RUNNING_4, "success")]
    assert status_of(fresh_emulator, RUNNING_5) == "RUNNING"  # refused: nothing done
    assert fresh_emulator.faults() == []


@pytest.mark.parametrize("on, hit", [("get", 1), ("list", 2), ("any", 0)])
def test_a_fault_hits_only_what_its_on_names(fresh_emulator, on, hit):
    fresh_emulator.fault("status500", on=on)
    answers = [restart(fresh_emulator, [RUNNING_3]), get(fresh_emulator), list_all(fresh_emulator),
               get(fresh_emulator), list_all(fresh_emulator)]
    assert [answer.status for answer in answers] == [500 if i == hit else 200 for i in range(5)]


def test_faults_on_different_requests_take_their_turns(fresh_emulator):
    fresh_emulator.fault("status503", on="list", count=2)
    fresh_emulator.fault("busy", on="put", code="DCS.4049")
    # The PUT fault waits for the list fault: PUTs before then pass and count for nothing.
    statuses = [restart(fresh_emulator, [RUNNING_3]).status, list_all(fresh_emulator).status,
                restart(fresh_emulator, [RUNNING_3]).status, list_all(fresh_emulator).status,
                list_all(fresh_emulator).status, get(fresh_emulator).status]
    assert statuses == [200, 503, 200, 503, 200, 200]
    assert_refused(restart(fresh_emulator, [RUNNING_3]), code="DCS.4049", status=400)


def test_command_line_faults_take_an_on():
    with Emulator(["--fault", "status500:1:1:get"]) as emu:
        statuses = [get(emu).status, restart(emu, [RUNNING_3]).status, get(emu).status, get(emu).status]
        assert statuses == [200, 200, 500, 200]
    with pytest.raises(EmulatorError, match="on must be one of any, put, get, list"):
        Emulator(["--fault", "status500:1:0:post"])


@pytest.mark.parametrize("on", ["PUT", "post", "", 1, None])
def test_bad_fault_targets_are_rejected(fresh_emulator, on):
    with pytest.raises(EmulatorError, match="400"):
        fresh_emulator._control("POST", "/_emulator/faults", {"kind": "status500", "on": on})
    assert fresh_emulator.faults() == []


def test_list_gets_count_listing_requests_only(fresh_emulator):
    restart(fresh_emulator, [RUNNING_3])
    get(fresh_emulator)
    list_all(fresh_emulator)
    list_all(fresh_emulator)
    send_signed(fresh_emulator, "GET", LIST_PATH, sk="wrong")
    stats = fresh_emulator.stats()
    assert (stats["status_puts"], stats["status_gets"], stats["list_gets"], stats["api_requests"]) == (1, 1, 3, 5)


# Busy refusals -----------------------------------------------------------------------------

@pytest.mark.parametrize("code", TERRAFORM_BUSY_CODES)
def test_busy_fault_gives_each_code_terraform_retries(fresh_emulator, code):
    fresh_emulator.fault("busy", code=code)
    answer = restart(fresh_emulator, [RUNNING_6])
    document = assert_refused(answer, code=code, status=400)
    assert "Try again later" in document["error_msg"]
    assert status_of(fresh_emulator, RUNNING_6) == "RUNNING"
    assert results(restart(fresh_emulator, [RUNNING_6])) == [(RUNNING_6, "success")]


def test_busy_codes_name_their_operation(fresh_emulator):
    messages = set()
    for code in TERRAFORM_BUSY_CODES:
        fresh_emulator.fault("busy", code=code)
        messages.add(restart(fresh_emulator, [RUNNING_6]).json()["error_msg"])
    assert len(messages) == len(TERRAFORM_BUSY_CODES)


def test_busy_fault_defaults_to_dcs_4111_and_takes_other_codes(fresh_emulator):
    fresh_emulator.fault("busy")
    fresh_emulator.fault("busy", code="111400017")
    fresh_emulator.fault("busy", code="DCS.4017")
    assert [f["code"] for f in fresh_emulator.faults()] == ["DCS.4111", "111400017", "DCS.4017"]
    codes = [restart(fresh_emulator, [RUNNING_6]).error_code() for _ in range(3)]
    assert codes == ["DCS.4111", "111400017", "DCS.4017"]


@pytest.mark.parametrize("code", ["", "x" * 17, "DCS 4111", "DCS-4111", 4111, None, "DCS.4111\n"])
def test_bad_busy_codes_are_rejected(fresh_emulator, code):
    with pytest.raises(EmulatorError, match="400"):
        fresh_emulator._control("POST", "/_emulator/faults", {"kind": "busy", "code": code})
    assert fresh_emulator.faults() == []
