"""Where settings come from and how refusals are retried: busy_retry=, and what from_env reads
through C beyond the environment (Huawei's credentials file, the region's endpoint override).
from_env runs in a fresh interpreter with exactly the environment of the case."""

import json
import subprocess
import sys
import time

import pytest

import dcs
from binding_support import RUNNING_6, client_env, closed_port_url, leaked_secrets
from clients import credentials_file, without_credentials
from emulator import TEST_AK, TEST_PROJECT_ID, TEST_SK


def raised(call, cls):
    with pytest.raises(dcs.DcsError) as info:
        call()
    assert type(info.value) is cls
    return info.value


# --- busy_retry ------------------------------------------------------------------------------

def test_busy_refusals_are_retried_with_busy_retry(make_client, emu):
    emu.fault("busy", count=2)  # 400 DCS.4111 "restarting", twice, then accepted
    started = time.monotonic()
    assert make_client(busy_retry=10).restart([RUNNING_6]) == [dcs.Result(RUNNING_6, dcs.Outcome.SUCCESS)]
    assert time.monotonic() - started >= 1.5  # paused twice, 1 s the first time
    assert emu.stats()["status_puts"] == 3


@pytest.mark.parametrize("busy_retry", [None, 0])
def test_a_busy_refusal_is_final_without_busy_retry(make_client, emu, busy_retry):
    emu.fault("busy", count=2)
    error = raised(lambda: make_client(busy_retry=busy_retry).restart([RUNNING_6]), dcs.ApiError)
    assert (error.http_status, error.code) == (400, "DCS.4111")
    assert error.results == [dcs.Result(RUNNING_6, dcs.Outcome.FAILED)]  # refused: not applied
    assert emu.stats()["status_puts"] == 1


def test_busy_retry_gives_up_when_its_time_is_spent(make_client, emu):
    emu.fault("busy", count=5)
    started = time.monotonic()
    error = raised(lambda: make_client(busy_retry=1.5).restart([RUNNING_6]), dcs.ApiError)
    assert time.monotonic() - started < 4
    assert error.code == "DCS.4111" and 2 <= emu.stats()["status_puts"] <= 3


def test_busy_retry_reaches_c_in_milliseconds(make_client, monkeypatch):
    from dcs import _native

    seen = []
    setter = _native.library().dcs_config_set_busy_retry

    def spy(cfg, milliseconds):
        seen.append(milliseconds)
        return setter(cfg, milliseconds)

    monkeypatch.setattr(_native.library(), "dcs_config_set_busy_retry", spy)
    make_client(busy_retry=2.5)
    make_client(busy_retry=0)
    make_client()  # not given: the setter is not called
    assert seen == [2500, 0]


@pytest.mark.parametrize("busy_retry, error", [
    (-1, dcs.InvalidArgument), (float("inf"), dcs.InvalidArgument), (5e6, dcs.InvalidArgument), ("10", TypeError),
    (True, TypeError),
])
def test_bad_busy_retry_is_refused(make_client, busy_retry, error):
    with pytest.raises(error, match="busy_retry"):
        make_client(busy_retry=busy_retry)


# --- from_env: the credentials file and the region's endpoint --------------------------------

FLUSH_FROM_ENV = """
import json, dcs
try:
    with dcs.Client.from_env() as client:
        print(json.dumps([str(r.outcome) for r in client.flush(["2e803f66-fbb0-47ad-b6cb-fb87f5bed4ef"])]))
except dcs.DcsError as error:
    print(json.dumps({"error": type(error).__name__, "message": error.message}))
"""


def from_env(env):
    done = subprocess.run([sys.executable, "-c", FLUSH_FROM_ENV], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert leaked_secrets(done.stdout, done.stderr) == []
    return json.loads(done.stdout)


def test_credentials_from_the_file_named_by_the_environment(emu, tmp_path):
    named = credentials_file(tmp_path / "named", ak=TEST_AK, sk=TEST_SK, project_id=TEST_PROJECT_ID)
    env = without_credentials(client_env(emu, HUAWEICLOUD_SDK_CREDENTIALS_FILE=str(named), HOME=str(tmp_path / "nohome")))
    assert from_env(env) == ["success"]
    assert emu.stats()["status_puts"] == 1
    # Without the file, the same environment has no credentials.
    del env["HUAWEICLOUD_SDK_CREDENTIALS_FILE"]
    report = from_env(env)
    assert report["error"] == "ConfigError"
    assert "no project id" in report["message"] or "no credentials" in report["message"]


def test_credentials_from_the_home_directory_and_the_region_s_endpoint(emu, tmp_path):
    home = tmp_path / "home"
    credentials_file(home / ".huaweicloud" / "credentials", ak=TEST_AK, sk=TEST_SK, project_id=TEST_PROJECT_ID)
    before = sorted((str(p), p.stat().st_mtime_ns) for p in home.rglob("*"))
    env = without_credentials(client_env(emu, HOME=str(home), DCS_REGION="cn-north-4",
                                         HUAWEICLOUD_SDK_REGION_DCS_CN_NORTH_4=emu.url))
    del env["DCS_ENDPOINT"]
    assert from_env(env) == ["success"]
    assert emu.stats()["status_puts"] == 1
    assert sorted((str(p), p.stat().st_mtime_ns) for p in home.rglob("*")) == before  # only read


def test_the_environment_wins_over_the_file(emu, tmp_path):
    wrong = credentials_file(tmp_path / "wrong", ak="WRONGAK", sk="wrong-sk", project_id=TEST_PROJECT_ID)
    assert from_env(client_env(emu, HUAWEICLOUD_SDK_CREDENTIALS_FILE=str(wrong))) == ["success"]


def test_dcs_endpoint_wins_over_the_region_s_endpoint(emu):
    env = client_env(emu, DCS_REGION="cn-north-4", HUAWEICLOUD_SDK_REGION_DCS_CN_NORTH_4=closed_port_url())
    assert from_env(env) == ["success"]
    # And the region's endpoint is the one used when DCS_ENDPOINT is not set.
    del env["DCS_ENDPOINT"]
    report = from_env(env)
    assert report["error"] == "TransportError"


@pytest.mark.parametrize("case", ["missing_named_file", "ak_without_sk", "bad_project"])
def test_a_bad_credentials_file_is_a_config_error_naming_it(emu, tmp_path, case):
    path, expected = {
        "missing_named_file": (tmp_path / "absent", "HUAWEICLOUD_SDK_CREDENTIALS_FILE"),
        "ak_without_sk": (credentials_file(tmp_path / "c1", ak=TEST_AK), "ak and sk go together"),
        "bad_project": (credentials_file(tmp_path / "c2", ak=TEST_AK, sk=TEST_SK, project_id="a/b"), "project_id"),
    }[case]
    report = from_env(without_credentials(client_env(emu, HUAWEICLOUD_SDK_CREDENTIALS_FILE=str(path))))
    assert report["error"] == "ConfigError" and expected in report["message"]
    assert emu.stats()["api_requests"] == 0
