"""Instance status and waiting for RUNNING through the Python binding: instance_status(),
wait_running(), and restart/soft_restart with wait=."""

import json
import time

import pytest

import dcs
from binding_support import FROZEN, RUNNING_4, RUNNING_5, RUNNING_6
from conftest import client_of
from emulator import Emulator

S, F, N, U = dcs.Outcome.SUCCESS, dcs.Outcome.FAILED, dcs.Outcome.NOT_SENT, dcs.Outcome.UNKNOWN


def raised(call, cls):
    with pytest.raises(dcs.DcsError) as info:
        call()
    assert type(info.value) is cls
    return info.value


# --- instance_status ---------------------------------------------------------------------------

def test_instance_status_running_and_frozen(client, emu):
    assert client.instance_status(RUNNING_6) is dcs.InstanceStatus.RUNNING
    assert client.instance_status(FROZEN) is dcs.InstanceStatus.FROZEN
    assert str(client.instance_status(FROZEN)) == "FROZEN"
    assert emu.stats()["status_gets"] == 3


def test_instance_status_gives_every_status_the_service_reports(client, emu):
    for status in dcs.InstanceStatus:
        if status is dcs.InstanceStatus.OTHER:
            continue
        emu.set_instance_status(RUNNING_4, str(status))
        assert client.instance_status(RUNNING_4) is status


def test_a_status_the_library_does_not_know_is_other(tmp_path):
    fleet = tmp_path / "fleet.json"
    fleet.write_text(json.dumps([{"id": "upgrading-1", "engine_version": "6.0", "status": "UPGRADING"}]))
    with Emulator(["--instances", str(fleet), "--quiet"]) as emulator:
        with client_of(emulator) as client:
            assert client.instance_status("upgrading-1") is dcs.InstanceStatus.OTHER


def test_unknown_instance_is_an_api_error_404(client, emu):
    error = raised(lambda: client.instance_status("no-such-instance"), dcs.ApiError)
    assert (error.status, error.http_status, error.code) == (dcs.Status.EAPI, 404, "DCS.3022")
    assert len(error.request_id) == 32 and error.results == []


def test_instance_status_arguments_are_checked_and_nothing_is_sent(client, emu, native):
    with pytest.raises(dcs.InvalidArgument, match="instance_id holds a control character"):
        client.instance_status("bad\nid")  # C's check
    with pytest.raises(dcs.InvalidArgument, match="instance_id holds a NUL character"):
        client.instance_status("bad\0id")
    before = native.c_calls()
    for wrong in (b"id", None, [RUNNING_6]):
        with pytest.raises(TypeError, match="instance_id must be a str"):
            client.instance_status(wrong)
    assert native.c_calls() == before
    assert emu.stats()["api_requests"] == 0


# --- wait_running --------------------------------------------------------------------------

def test_restart_then_wait_running(make_client, quick_emu):
    client = make_client(quick_emu)
    ids = [RUNNING_6, RUNNING_5]
    assert client.restart(ids) == [dcs.Result(i, S) for i in ids]
    assert client.instance_status(RUNNING_6) is dcs.InstanceStatus.RESTARTING
    started = time.monotonic()
    assert client.wait_running(ids, timeout=20) == [dcs.Result(i, S) for i in ids]
    assert time.monotonic() - started < 10
    assert client.instance_status(RUNNING_6) is dcs.InstanceStatus.RUNNING
    stats = quick_emu.stats()
    assert stats["status_puts"] == 1  # waiting changes nothing
    assert stats["status_gets"] >= 2 + 2 * 2  # RUNNING twice in a row for each


def test_wait_running_times_out_with_unknown(make_client, slow_emu):
    client = make_client(slow_emu)
    client.restart([RUNNING_6])  # RESTARTING for 60 s
    started = time.monotonic()
    error = raised(lambda: client.wait_running([RUNNING_6, RUNNING_5], timeout=1.5), dcs.Timeout)
    elapsed = time.monotonic() - started
    assert 1.4 <= elapsed < 4
    assert isinstance(error, TimeoutError) and error.status is dcs.Status.ETIMEOUT
    assert error.results == [dcs.Result(RUNNING_6, U), dcs.Result(RUNNING_5, S)]
    assert "1 of 2 instances not RUNNING after 1500 ms" in error.message
    assert f"{RUNNING_6} (RESTARTING)" in error.message


def test_wait_running_reports_frozen_and_unknown_instances_as_failed(client, emu):
    ids = [FROZEN, RUNNING_5, "no-such-instance"]
    error = raised(lambda: client.wait_running(ids, timeout=10), dcs.PartialFailure)
    assert error.results == [dcs.Result(FROZEN, F), dcs.Result(RUNNING_5, S), dcs.Result("no-such-instance", F)]
    assert "2 of 3 instances will not run" in error.message and f"{FROZEN} (FROZEN)" in error.message
    emu.set_instance_status(RUNNING_4, "ERROR")
    error = raised(lambda: client.wait_running([RUNNING_4], timeout=10), dcs.PartialFailure)
    assert error.results == [dcs.Result(RUNNING_4, F)]


def test_wait_running_a_refusal_ends_the_wait(make_client, emu):
    error = raised(lambda: make_client(sk="not-the-secret-key").wait_running([RUNNING_6], timeout=30), dcs.ApiError)
    assert (error.http_status, error.code) == (401, "APIGW.0301")
    assert error.results == [dcs.Result(RUNNING_6, U)]
    assert emu.stats()["api_requests"] == 1


def test_wait_running_arguments(client, emu):
    with pytest.raises(TypeError):
        client.wait_running([RUNNING_6])  # timeout is required
    with pytest.raises(TypeError, match="timeout must be a number of seconds"):
        client.wait_running([RUNNING_6], timeout=None)
    with pytest.raises(dcs.InvalidArgument, match="timeout must be from 0.001"):
        client.wait_running([RUNNING_6], timeout=0)
    with pytest.raises(TypeError, match="not a single str"):
        client.wait_running(RUNNING_6, timeout=1)
    with pytest.raises(dcs.InvalidArgument, match=r"instance_ids\[1\] repeats instance_ids\[0\]"):
        client.wait_running([RUNNING_6, RUNNING_6], timeout=1)
    with pytest.raises(TypeError, match="cancel must be a dcs.CancelToken"):
        client.wait_running([RUNNING_6], timeout=1, cancel=True)
    assert emu.stats()["api_requests"] == 0


# --- restart(wait=) ------------------------------------------------------------------------

def test_restart_with_wait_true_returns_when_running_again(make_client, quick_emu):
    client = make_client(quick_emu)
    ids = [RUNNING_6, RUNNING_5]
    started = time.monotonic()
    assert client.restart(ids, wait=True) == [dcs.Result(i, S) for i in ids]
    assert time.monotonic() - started >= 0.5  # the emulator's restart time
    assert client.instance_status(RUNNING_6) is dcs.InstanceStatus.RUNNING
    stats = quick_emu.stats()
    assert stats["status_puts"] == 1 and stats["status_gets"] >= 2 * 2 + 1
    # soft_restart too; and an instance the action failed on is not waited for.
    quick_emu.reset()
    error = raised(lambda: client.soft_restart([RUNNING_6, FROZEN, RUNNING_5], wait=30), dcs.PartialFailure)
    assert error.results == [dcs.Result(RUNNING_6, S), dcs.Result(FROZEN, F), dcs.Result(RUNNING_5, S)]
    gets = [r["path"] for r in quick_emu.requests() if r["method"] == "GET"]
    assert gets and not any(FROZEN in path for path in gets)


def test_restart_with_a_short_wait_times_out(make_client, slow_emu):
    client = make_client(slow_emu)
    started = time.monotonic()
    error = raised(lambda: client.restart([RUNNING_6], wait=1), dcs.Timeout)
    assert time.monotonic() - started < 3
    assert error.results == [dcs.Result(RUNNING_6, U)]
    assert "not RUNNING after 1000 ms" in error.message
    assert slow_emu.stats()["status_puts"] == 1  # the restart was made: only the wait timed out


def test_the_call_timeout_bounds_the_wait_too(make_client, slow_emu):
    client = make_client(slow_emu)
    started = time.monotonic()
    error = raised(lambda: client.restart([RUNNING_6], wait=True, timeout=1), dcs.Timeout)
    assert time.monotonic() - started < 3  # not the 600 s of wait=True
    assert error.results == [dcs.Result(RUNNING_6, U)]


@pytest.mark.parametrize("wait, milliseconds", [
    (False, 0), (None, 0), (0, 0), (True, 600_000), (1, 1000), (2.5, 2500), (0.001, 1), (86400, 86_400_000),
])
def test_wait_reaches_c_as_wait_running_ms(client, monkeypatch, wait, milliseconds):
    from dcs import _native

    seen = []
    real_call = _native.library().dcs_call

    def spy(*args):
        options = args[4]._obj
        seen.append((options.version, options.deadline_ms, options.wait_running_ms, bool(options.cancel)))
        return real_call(*args)

    monkeypatch.setattr(_native.library(), "dcs_call", spy)
    try:
        client.restart([RUNNING_6], wait=wait, timeout=30)
    except dcs.Timeout:  # 1 ms is too short to see it RUNNING twice
        assert milliseconds == 1
    assert seen == [(_native.CALL_OPTIONS_VERSION, 30_000, milliseconds, True)]  # and the call's own cancel token


@pytest.mark.parametrize("wait, error", [
    ("600", TypeError), ([1], TypeError), (-1, dcs.InvalidArgument), (float("nan"), dcs.InvalidArgument),
    (5e6, dcs.InvalidArgument),
])
def test_bad_wait_is_refused_before_anything_is_sent(client, emu, wait, error):
    with pytest.raises(error, match="wait must be"):
        client.restart([RUNNING_6], wait=wait)
    assert emu.stats()["api_requests"] == 0


def test_flush_takes_no_wait(client):
    with pytest.raises(TypeError):
        client.flush([RUNNING_6], wait=True)
    assert client.call("flush", [RUNNING_6], wait=5) == [dcs.Result(RUNNING_6, S)]  # harmless, as C says
