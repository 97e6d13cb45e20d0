"""libdcs through its C ABI against the emulator.

Each test runs one case of abi_test.c (which checks statuses, outcomes and error fields in C)
and then checks what only the server saw: how many requests and connections, and what arrived.
"""

import ctypes
import json
import subprocess
import time

import pytest

from c_support import MEMCHECK, TIME_SCALE, under_memcheck
from clients import SECRETS, client_env, closed_port_url, leaked
from emulator import Emulator, TEST_AK, TEST_AUTH_TOKEN, TEST_SECURITY_TOKEN
from tls_proxy import TLSProxy

def run_case(abi_test, name, emulator, timeout=120, **extra_env):
    """Runs one C case; fails with its own report when a check in C failed."""
    started = time.monotonic()
    done = subprocess.run(under_memcheck([abi_test, name]), env=client_env(emulator, **extra_env),
                          capture_output=True, text=True, timeout=timeout * (10 if MEMCHECK else 1))
    elapsed = time.monotonic() - started
    assert leaked(done.stdout + done.stderr) == [], f"case {name} printed a secret"
    assert done.returncode == 0, f"case {name} failed:\n{done.stderr}"
    return elapsed


def assert_returns_within(elapsed, seconds):
    """Time bounds hold for the program itself; under valgrind, which slows it many times over,
    they are checked in the normal run only."""
    if not MEMCHECK:
        assert elapsed < seconds


OFFLINE_CASES = ["version_and_names", "null_objects_are_harmless", "config_setters_check_their_argument",
                 "client_new_checks_the_whole_config", "config_from_env_names_the_variable",
                 "check_instance_ids_as_the_operations_do"]


def test_every_case_is_driven(abi_test):
    """A case added to abi_test.c without a test here would never run."""
    listed = subprocess.run([str(abi_test), "--list"], capture_output=True, text=True, check=True).stdout.split()
    driven = {name[len("test_"):] for name in globals() if name.startswith("test_")} | set(OFFLINE_CASES)
    assert set(listed) <= driven, f"cases without a driver: {sorted(set(listed) - driven)}"


@pytest.mark.parametrize("case", OFFLINE_CASES)
def test_offline_cases(abi_test, emu, case):
    """Cases that make no call reach nothing: the emulator sees no request."""
    run_case(abi_test, case, emu)
    assert emu.stats()["api_requests"] == 0


def test_libcurl_version_is_the_loaded_libcurls(libdcs):
    """dcs_libcurl_version names the libcurl the process runs on: the one the loader gives for
    libcurl.so.4, which libdcs.so links."""
    lib = ctypes.CDLL(str(libdcs))
    lib.dcs_libcurl_version.restype = ctypes.c_char_p
    curl = ctypes.CDLL("libcurl.so.4")
    curl.curl_version.restype = ctypes.c_char_p
    loaded = curl.curl_version().decode().split()[0]  # "libcurl/7.88.1"
    assert loaded == "libcurl/" + lib.dcs_libcurl_version().decode()


def test_success(abi_test, emu):
    run_case(abi_test, "success", emu)
    stats = emu.stats()
    assert stats["api_requests"] == 1 and stats["status_puts"] == 1
    (request,) = emu.requests()
    assert request["method"] == "PUT"
    assert request["path"] == "/v2/0a1b2c3d4e5f60718293a4b5c6d7e8f9/instances/status"
    assert json.loads(request["body"]) == {
        "instances": ["2e803f66-fbb0-47ad-b6cb-fb87f5bed4ef", "5b7c1a2e-3f4d-4e5a-9b6c-7d8e9f0a1b2c",
                      "9d1e2f3a-4b5c-4d6e-8f7a-0b1c2d3e4f5a"],
        "action": "restart"}
    headers = {name.lower(): value for name, value in request["headers"]}
    assert headers["content-type"] == "application/json"
    assert headers["x-project-id"] == "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
    assert headers["authorization"].startswith(
        f"SDK-HMAC-SHA256 Access={TEST_AK}, SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature=")
    assert "expect" not in headers  # no 100-continue round trip


def test_soft_restart_and_flush(abi_test, emu):
    run_case(abi_test, "soft_restart_and_flush", emu)
    actions = [json.loads(r["body"])["action"] for r in emu.requests()]
    assert actions == ["soft_restart", "flush"]


def test_partial(abi_test, emu):
    run_case(abi_test, "partial", emu)
    assert emu.stats()["api_requests"] == 1


def test_wrong_sk(abi_test, emu):
    run_case(abi_test, "wrong_sk", emu)
    assert emu.stats()["api_requests"] == 1  # a 401 is final: not retried


def test_iam_token(abi_test, emu):
    run_case(abi_test, "iam_token", emu)
    first, second = emu.requests()
    headers = {name.lower(): value for name, value in first["headers"]}
    assert headers["x-auth-token"] == TEST_AUTH_TOKEN
    assert "authorization" not in headers


def test_security_token(abi_test):
    with Emulator(["--record-requests", "--security-token", TEST_SECURITY_TOKEN, "--quiet"]) as emulator:
        run_case(abi_test, "security_token", emulator)
        (request,) = emulator.requests()
        authorization = dict((n.lower(), v) for n, v in request["headers"])["authorization"]
        assert "x-security-token" in authorization.split("SignedHeaders=")[1].split(",")[0].split(";")


def test_invalid_arguments_send_nothing(abi_test, emu):
    run_case(abi_test, "invalid_arguments_send_nothing", emu)
    stats = emu.stats()
    assert stats["api_requests"] == 0 and stats["api_connections"] == 0


def test_long_id_accepted(abi_test, emu):
    run_case(abi_test, "long_id_accepted", emu)
    (request,) = emu.requests()
    assert json.loads(request["body"])["instances"] == ["b" * 128]


def test_config_is_copied_into_the_client(abi_test, emu):
    run_case(abi_test, "config_is_copied_into_the_client", emu)


def test_120_ids_in_three_requests(abi_test, emu):
    run_case(abi_test, "120_ids_in_three_requests", emu)
    bodies = [json.loads(r["body"]) for r in emu.requests()]
    assert [len(b["instances"]) for b in bodies] == [50, 50, 20]
    sent = [i for b in bodies for i in b["instances"]]
    assert sent == [f"emu-{n:04d}" for n in range(120, 0, -1)]
    assert emu.stats()["api_connections"] == 1


def test_unusual_id_reaches_the_server_intact(abi_test, emu):
    run_case(abi_test, "unusual_id_reaches_the_server_intact", emu)
    (request,) = emu.requests()
    assert json.loads(request["body"])["instances"][0] == "quote\"back\\slash/café-日本-🔥"


def test_50_sequential_calls(abi_test, emu):
    run_case(abi_test, "50_sequential_calls", emu)
    stats = emu.stats()
    assert stats["api_requests"] == 50
    assert stats["api_connections"] == 1  # keep-alive: one connection for all


def test_8_threads_share_one_client(abi_test, emu):
    run_case(abi_test, "8_threads_share_one_client", emu)
    stats = emu.stats()
    assert stats["api_requests"] == 400
    assert 1 <= stats["api_connections"] <= 8  # a connection per concurrent call at most, reused


def test_connection_refused_is_not_sent(abi_test, emu):
    run_case(abi_test, "connection_refused_is_not_sent", emu, DCS_TEST_CLOSED_ENDPOINT=closed_port_url())


def run_fault_case(abi_test, emu, case, kind, expected_requests, total_ms=2000, **params):
    emu.fault(kind, count=params.pop("count", 1), **params)
    elapsed = run_case(abi_test, case, emu, DCS_TEST_TOTAL_MS=str(total_ms))
    assert emu.stats()["api_requests"] == expected_requests
    return elapsed


def test_500_is_unknown(abi_test, emu):
    run_fault_case(abi_test, emu, "500_is_unknown", "status500", expected_requests=1)  # never retried


def test_html_502_is_readable(abi_test, emu):
    run_fault_case(abi_test, emu, "html_502_is_readable", "html502", expected_requests=1)


def test_503_retried_then_success(abi_test, emu):
    elapsed = run_fault_case(abi_test, emu, "503_retried_then_success", "status503", expected_requests=2,
                             retry_after=1)
    assert elapsed >= 1.0  # Retry-After: 1 was honoured (a lower bound holds under valgrind too)


def test_503_retries_exhausted(abi_test, emu):
    run_fault_case(abi_test, emu, "503_retries_exhausted", "status503", expected_requests=3, count=3,
                   retry_after=0)


def test_429_retries_exhausted(abi_test, emu):
    run_fault_case(abi_test, emu, "429_retries_exhausted", "status429", expected_requests=3, count=3,
                   retry_after=0)


def test_timeout_after_send_is_unknown(abi_test, emu):
    elapsed = run_fault_case(abi_test, emu, "timeout_after_send_is_unknown", "delay", expected_requests=1,
                             total_ms=1000, ms=4000)
    assert_returns_within(elapsed, 3.5)  # returns at the 1 s timeout, not after the 4 s delay


def test_reset_after_send_is_unknown(abi_test, emu):
    run_fault_case(abi_test, emu, "reset_after_send_is_unknown", "reset", expected_requests=1)


def test_not_json_is_protocol_error(abi_test, emu):
    run_fault_case(abi_test, emu, "not_json_is_protocol_error", "not_json", expected_requests=1)


def test_huge_answer_is_refused(abi_test, emu):
    run_fault_case(abi_test, emu, "huge_answer_is_refused", "huge", expected_requests=2, mb=64, skip=1)


def test_huge_chunked_answer_is_refused(abi_test, emu):
    """No Content-Length to refuse early: the 1 MiB cap holds while reading."""
    run_fault_case(abi_test, emu, "huge_chunked_answer_is_refused", "huge_chunked", expected_requests=2, mb=64,
                   skip=1)


def test_truncated_answer_is_unknown(abi_test, emu):
    run_fault_case(abi_test, emu, "truncated_answer_is_unknown", "truncated", expected_requests=1)


def test_wrong_types_are_protocol_error(abi_test, emu):
    run_fault_case(abi_test, emu, "wrong_types_are_protocol_error", "wrong_types", expected_requests=1)


def test_missing_results_are_unknown(abi_test, emu):
    run_fault_case(abi_test, emu, "missing_results_are_unknown", "missing_results", expected_requests=1)


def test_all_failed_is_partial(abi_test, emu):
    run_fault_case(abi_test, emu, "all_failed_is_partial", "all_failed", expected_requests=1)


# Every fault kind, one call each (503 and 429 three times: the call retries twice).
FAULT_MATRIX = [("status500", {}), ("status503", {"count": 3, "retry_after": 0}),
                ("status429", {"count": 3, "retry_after": 0}), ("html502", {}), ("reset", {}),
                ("truncated", {}), ("not_json", {}), ("wrong_types", {}), ("huge", {"mb": 2}),
                ("huge_chunked", {"mb": 2}), ("missing_results", {}), ("all_failed", {}),
                ("echo_headers", {}), ("delay", {"ms": 1500})]


@pytest.mark.parametrize("credentials", ["ak_sk_with_security_token", "iam_token"])
def test_messages_hold_no_secret(abi_test, emu, credentials):
    """The fault matrix, a broken proxy that quotes the request's headers back included: no
    SK, token or signature in any message, field or log line."""
    for kind, params in FAULT_MATRIX:
        params = dict(params)
        emu.fault(kind, count=params.pop("count", 1), **params)
    extra = {"DCS_TEST_CALLS": str(len(FAULT_MATRIX))}
    if credentials == "iam_token":
        extra["DCS_TEST_USE_IAM_TOKEN"] = "1"
    done = subprocess.run(under_memcheck([abi_test, "messages_hold_no_secret"]), env=client_env(emu, **extra),
                          capture_output=True, text=True, timeout=1200 if MEMCHECK else 120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == len(FAULT_MATRIX)
    assert any("Bad gateway. The request was:" in line for line in lines)  # the echo did arrive
    signatures = [value.split("Signature=")[1] for request in emu.requests()
                  for name, value in request["headers"] if name.lower() == "authorization"]
    assert len(signatures) == (0 if credentials == "iam_token" else emu.stats()["api_requests"])
    secrets = (*SECRETS, *signatures)
    assert leaked(done.stdout + done.stderr, secrets) == [], "a secret appeared in a message"
    assert leaked(emu.log_text(), secrets) == [], "a secret appeared in the emulator's log"


def test_dead_reused_connection_is_not_resent(abi_test, emu):
    emu.fault("reset", skip=1)
    run_case(abi_test, "dead_reused_connection_is_not_resent", emu)
    stats = emu.stats()
    # libcurl would silently send the second request again on a new connection: 3 requests.
    assert stats["api_requests"] == 2


def test_fault_on_second_chunk(abi_test, emu):
    emu.fault("status500", skip=1)
    run_case(abi_test, "fault_on_second_chunk", emu)
    assert emu.stats()["api_requests"] == 2  # the third chunk was not sent


def test_call_is_the_general_form(abi_test, emu):
    run_case(abi_test, "call_is_the_general_form", emu)
    assert [json.loads(r["body"])["action"] for r in emu.requests()] == ["flush", "soft_restart"]


def test_deadline_cuts_a_slow_answer(abi_test, emu):
    emu.fault("delay", ms=4000 * TIME_SCALE)
    elapsed = run_case(abi_test, "deadline_cuts_a_slow_answer", emu)
    assert_returns_within(elapsed, 2.5)  # the 500 ms deadline, not the 30 s timeout nor the 4 s delay
    assert emu.stats()["api_requests"] == 1


def test_deadline_stops_retries(abi_test, emu):
    emu.fault("status503", count=3, retry_after=2 * TIME_SCALE)
    elapsed = run_case(abi_test, "deadline_stops_retries", emu)
    assert_returns_within(elapsed, 1.5)  # did not wait the 2 s Retry-After
    assert emu.stats()["api_requests"] == 1


@pytest.fixture
def tls_front(emu, tmp_path):
    """https:// in front of the emulator, its certificate signed by a CA made for this test."""
    with TLSProxy(emu.port, tmp_path) as proxy:
        yield proxy


def test_tls_refused_by_default(abi_test, emu, tls_front):
    run_case(abi_test, "tls_refused_by_default", emu, DCS_ENDPOINT=tls_front.url)
    assert emu.stats()["api_requests"] == 0
    assert tls_front.handshakes_failed == 1  # refused once: a certificate failure is not retried


def test_tls_accepted_with_ca_file(abi_test, emu, tls_front):
    run_case(abi_test, "tls_accepted_with_ca_file", emu, DCS_ENDPOINT=tls_front.url,
             DCS_TEST_CA_FILE=str(tls_front.ca_file))
    assert emu.stats()["api_requests"] == 1


def test_tls_accepted_insecure(abi_test, emu, tls_front):
    run_case(abi_test, "tls_accepted_insecure", emu, DCS_ENDPOINT=tls_front.url)
    assert emu.stats()["api_requests"] == 1
