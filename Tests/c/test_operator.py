"""What operators need beyond the call, through the C ABI: waiting for RUNNING, cancellation,
clock skew, logging, configuration sources and busy retries. Each test runs one case of
operator_test.c and checks what the emulator saw."""

import json
import os
import subprocess

import pytest

from c_support import MEMCHECK, REPO, TIME_SCALE, compile_c, under_memcheck
from clients import SECRETS, client_env, credentials_file, leaked, without_credentials
from emulator import Emulator, TEST_AK, TEST_PROJECT_ID, TEST_SECURITY_TOKEN, TEST_SK


@pytest.fixture(scope="module")
def operator_test(libdcs, tmp_path_factory):
    return compile_c(REPO / "Tests" / "c" / "operator_test.c", tmp_path_factory.mktemp("op") / "operator_test", libdcs)


@pytest.fixture(scope="module")
def quick_restarts():
    """Restarted instances are RESTARTING for 0.6 s, then RUNNING."""
    with Emulator(["--record-requests", "--restart-seconds", "0.6", "--generated-instances", "120"]) as emu:
        yield emu


@pytest.fixture
def emu(quick_restarts):
    quick_restarts.reset()
    return quick_restarts


def run(program, case, env, timeout=120):
    done = subprocess.run(under_memcheck([program, case]), env=env, capture_output=True, text=True,
                          timeout=timeout * (10 if MEMCHECK else 1))
    assert leaked(done.stdout + done.stderr) == [], f"case {case} printed a secret"
    assert done.returncode == 0, f"case {case} failed:\n{done.stderr}"
    return done.stdout


def test_every_case_is_driven(operator_test):
    listed = subprocess.run([str(operator_test), "--list"], capture_output=True, text=True, check=True).stdout.split()
    driven = {name[len("test_"):] for name in globals() if name.startswith("test_")}
    assert set(listed) <= driven, f"cases without a driver: {sorted(set(listed) - driven)}"


def test_instance_status(operator_test, emu):
    run(operator_test, "instance_status", client_env(emu))
    assert emu.stats()["status_gets"] == 4  # the four valid queries; the refused and cancelled ones sent nothing


def test_restart_then_wait(operator_test, emu):
    run(operator_test, "restart_then_wait", client_env(emu))
    stats = emu.stats()
    # Two polls per instance at least (RUNNING twice in a row), one request per instance at a time.
    assert stats["status_gets"] >= 1 + 2 * 2
    assert stats["api_connections"] == 1


def test_restart_with_wait_option(operator_test, emu):
    run(operator_test, "restart_with_wait_option", client_env(emu))
    assert emu.stats()["status_puts"] == 1
    assert emu.stats()["status_gets"] >= 4  # the two restarted ones, twice RUNNING each; FROZEN not polled


def test_restart_with_short_wait(operator_test):
    with Emulator(["--restart-seconds", "60", "--quiet"]) as emulator:
        run(operator_test, "restart_with_short_wait", client_env(emulator))


def test_wait_reports_failed_and_timed_out(operator_test):
    with Emulator(["--restart-seconds", "60", "--quiet"]) as emulator:
        run(operator_test, "wait_reports_failed_and_timed_out", client_env(emulator))


def test_cancel_a_wait(operator_test):
    with Emulator(["--restart-seconds", "60", "--quiet"]) as emulator:
        run(operator_test, "cancel_a_wait", client_env(emulator))


def test_cancel_in_flight(operator_test, emu):
    emu.fault("delay", ms=5000 * TIME_SCALE)
    run(operator_test, "cancel_in_flight", client_env(emu))
    assert emu.stats()["status_puts"] == 1


def test_cancel_during_retry_wait(operator_test, emu):
    emu.fault("status503", retry_after=5 * TIME_SCALE)
    run(operator_test, "cancel_during_retry_wait", client_env(emu))
    assert emu.stats()["status_puts"] == 1  # the retry was never made


def test_cancel_before_sending(operator_test, emu):
    run(operator_test, "cancel_before_sending", client_env(emu))
    assert emu.stats()["api_requests"] == 0


def test_options_version_1_still_accepted(operator_test, emu):
    run(operator_test, "options_version_1_still_accepted", client_env(emu))


def test_log_lines(operator_test, emu):
    emu.fault("status503", retry_after=0)
    emu.fault("status500", skip=1)
    out = run(operator_test, "log_lines", client_env(emu))
    lines = out.splitlines()
    request_ids = [r for r in (dict((n.lower(), v) for n, v in q["headers"]) for q in emu.requests())]
    assert "debug sending PUT /v2/0a1b2c3d4e5f60718293a4b5c6d7e8f9/instances/status: flush of 50 ids, request 1 of 2" in lines
    assert any(line.startswith("warn retry 1 of 2 in 0 ms, HTTP 503 APIGW.0308: flush of 50 ids, request 1 of 2")
               for line in lines)
    assert any(line.startswith("info HTTP 200 in ") and "request id " in line and line.endswith("request 1 of 2")
               for line in lines)
    assert any(line.startswith("error flush of 10 ids, request 2 of 2 failed") for line in lines)
    assert any(line.startswith("debug sending GET /v2/") and "status of 9d1e2f3a" in line for line in lines)
    # No secret, no signature, no header in any line.
    signatures = [headers["authorization"].split("Signature=")[1] for headers in request_ids]
    assert leaked(out, (*SECRETS, *signatures)) == []
    assert not any("Authorization" in line or "X-Security-Token" in line for line in lines)


def test_clock_skew_corrected(operator_test):
    with Emulator(["--clock-offset-seconds", "3600", "--quiet"]) as emulator:
        out = run(operator_test, "clock_skew_corrected", client_env(emulator))
        assert emulator.stats()["status_puts"] == 3  # refused once, then accepted twice
    assert "the service's clock is 3600 s from ours" in out or "the service's clock is 3599 s from ours" in out \
        or "the service's clock is 3601 s from ours" in out


def test_clock_skew_with_token_is_final(operator_test):
    with Emulator(["--clock-offset-seconds", "3600", "--quiet"]) as emulator:
        run(operator_test, "clock_skew_with_token_is_final", client_env(emulator))
        assert emulator.stats()["status_puts"] == 1


def test_configuration_from_files_and_overrides(operator_test, emu, tmp_path):
    # 1. The file HUAWEICLOUD_SDK_CREDENTIALS_FILE names.
    named = credentials_file(tmp_path / "named", ak=TEST_AK, sk=TEST_SK, project_id=TEST_PROJECT_ID)
    run(operator_test, "configuration_from_files_and_overrides",
        without_credentials(client_env(emu, HUAWEICLOUD_SDK_CREDENTIALS_FILE=str(named), HOME=str(tmp_path / "nohome"))))
    # 2. ~/.huaweicloud/credentials, and the region's endpoint override instead of DCS_ENDPOINT;
    #    the home directory is only read.
    home = tmp_path / "home"
    credentials_file(home / ".huaweicloud" / "credentials", ak=TEST_AK, sk=TEST_SK, project_id=TEST_PROJECT_ID)
    before = sorted(str(p.relative_to(home)) + str(p.stat().st_mtime_ns) for p in home.rglob("*"))
    env = without_credentials(client_env(emu, HOME=str(home), DCS_REGION="cn-north-4",
                                         HUAWEICLOUD_SDK_REGION_DCS_CN_NORTH_4=emu.url))
    env.pop("DCS_ENDPOINT")
    run(operator_test, "configuration_from_files_and_overrides", env)
    assert sorted(str(p.relative_to(home)) + str(p.stat().st_mtime_ns) for p in home.rglob("*")) == before
    # 3. The environment wins over the file.
    wrong = credentials_file(tmp_path / "wrong", ak="WRONGAK", sk="wrong-sk", project_id=TEST_PROJECT_ID)
    run(operator_test, "configuration_from_files_and_overrides",
        client_env(emu, HUAWEICLOUD_SDK_CREDENTIALS_FILE=str(wrong)))
    assert emu.stats()["status_puts"] == 3


@pytest.mark.parametrize("case", ["missing_named_file", "ak_without_sk", "bad_project"])
def test_configuration_file_errors(operator_test, emu, tmp_path, case):
    files = {
        "missing_named_file": (tmp_path / "absent", "HUAWEICLOUD_SDK_CREDENTIALS_FILE"),
        "ak_without_sk": (credentials_file(tmp_path / "c1", ak=TEST_AK), "ak and sk go together"),
        "bad_project": (credentials_file(tmp_path / "c2", ak=TEST_AK, sk=TEST_SK, project_id="a/b"), "project_id"),
    }
    path, expected = files[case]
    run(operator_test, "configuration_file_errors",
        without_credentials(client_env(emu, HUAWEICLOUD_SDK_CREDENTIALS_FILE=str(path),
                                       DCS_TEST_EXPECTED_MESSAGE=expected)))


def test_busy_retry(operator_test, emu):
    emu.fault("busy", count=2)
    run(operator_test, "busy_retry", client_env(emu))
    assert emu.stats()["status_puts"] == 3


def test_busy_refusal_is_final_by_default(operator_test, emu):
    emu.fault("busy", count=2)
    run(operator_test, "busy_refusal_is_final_by_default", client_env(emu))
    assert emu.stats()["status_puts"] == 1
