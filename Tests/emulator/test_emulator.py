"""dcs-emulator keeps the promises its brief makes, and its signature check agrees with Huawei's
official Python signer (huaweicloudsdkcore), which signs every request here."""

import datetime
import email.utils
import http.client
import json
import random
import re
import socket
import threading
import time
import urllib.parse

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

from emulator import (TEST_AK, TEST_AUTH_TOKEN, TEST_PROJECT_ID, TEST_SECURITY_TOKEN, TEST_SK, Emulator,
                      EmulatorError)

SECRETS = {"the SK": TEST_SK, "the IAM token": TEST_AUTH_TOKEN, "the security token": TEST_SECURITY_TOKEN}

RUNNING_6 = "2e803f66-fbb0-47ad-b6cb-fb87f5bed4ef"
RUNNING_5 = "5b7c1a2e-3f4d-4e5a-9b6c-7d8e9f0a1b2c"
RUNNING_4 = "9d1e2f3a-4b5c-4d6e-8f7a-0b1c2d3e4f5a"
RUNNING_3 = "c4d5e6f7-0a1b-4c2d-9e3f-4a5b6c7d8e9f"
FROZEN_5 = "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b"
UNKNOWN = "00000000-0000-4000-8000-000000000000"

STATUS_PATH = f"/v2/{TEST_PROJECT_ID}/instances/status"
SDK_DATE_FORMAT = "%Y%m%dT%H%M%SZ"

# Every signature a test sent, so that the log check can look for them.
SENT_SIGNATURES = set()


def instance_path(instance_id, project=TEST_PROJECT_ID):
    return f"/v2/{project}/instances/{urllib.parse.quote(instance_id, safe='')}"


def status_body(instances, action="restart"):
    return json.dumps({"instances": instances, "action": action}).encode()


class Answer:
    def __init__(self, response, body):
        self.status = response.status
        self.headers = response.headers
        self.body = body

    def json(self):
        return json.loads(self.body)

    def error_code(self):
        return self.json()["error_code"]


def sign(emu, method, path, body=b"", *, ak=TEST_AK, sk=TEST_SK, headers=None, query=None, sdk_date=None):
    """An SdkRequest signed by Huawei's own signer, as the official SDK would send it."""
    header_params = {"Content-Type": "application/json", "X-Project-Id": TEST_PROJECT_ID}
    header_params.update(headers or {})
    if sdk_date is not None:
        header_params["X-Sdk-Date"] = sdk_date
    request = SdkRequest(method=method, schema="http", host=emu.netloc, resource_path=path,
                         query_params=list(query or []), header_params=header_params, body=body)
    Signer(BasicCredentials(ak, sk, TEST_PROJECT_ID)).sign(request)
    SENT_SIGNATURES.add(request.header_params["Authorization"].rsplit("Signature=", 1)[1])
    return request


def send(emu, method, target, body=b"", headers=None, connection=None):
    """Sends one request with http.client (on `connection` when given) and reads the whole answer."""
    own = connection is None
    conn = connection or http.client.HTTPConnection(emu.host, emu.port, timeout=30)
    try:
        conn.request(method, target, body=body or None, headers=headers or {})
        response = conn.getresponse()
        return Answer(response, response.read())
    finally:
        if own:
            conn.close()


def send_signed(emu, method, path, body=b"", connection=None, **sign_options):
    request = sign(emu, method, path, body, **sign_options)
    return send(emu, method, request.uri, request.body, request.header_params, connection)


def restart(emu, instances, action="restart", **options):
    return send_signed(emu, "PUT", STATUS_PATH, status_body(instances, action), **options)


def results(answer):
    assert answer.status == 200, answer.body
    return [(entry["instance"], entry["result"]) for entry in answer.json()["results"]]


def status_of(emu, instance_id):
    return {entry["id"]: entry["status"] for entry in emu.instances()}[instance_id]


def sdk_date(minutes_from_now):
    moment = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=minutes_from_now)
    return moment.strftime(SDK_DATE_FORMAT)


# Signed requests ---------------------------------------------------------------------------

def test_officially_signed_restart_gets_a_result_per_instance_in_order(fresh_emulator):
    answer = restart(fresh_emulator, [RUNNING_6, FROZEN_5, UNKNOWN, RUNNING_5])
    assert results(answer) == [(RUNNING_6, "success"), (FROZEN_5, "failed"), (UNKNOWN, "failed"),
                               (RUNNING_5, "success")]


def test_flush_fails_below_redis_4_and_keeps_instances_running(fresh_emulator):
    answer = restart(fresh_emulator, [RUNNING_3, RUNNING_4, RUNNING_6, FROZEN_5], action="flush")
    assert results(answer) == [(RUNNING_3, "failed"), (RUNNING_4, "success"), (RUNNING_6, "success"),
                               (FROZEN_5, "failed")]
    assert status_of(fresh_emulator, RUNNING_4) == "RUNNING"
    assert status_of(fresh_emulator, RUNNING_6) == "RUNNING"


def test_restart_goes_restarting_then_running_and_refuses_while_restarting(fresh_emulator):
    assert results(restart(fresh_emulator, [RUNNING_5], action="soft_restart")) == [(RUNNING_5, "success")]
    assert status_of(fresh_emulator, RUNNING_5) == "RESTARTING"
    answer = send_signed(fresh_emulator, "GET", instance_path(RUNNING_5))
    assert answer.status == 200 and answer.json()["status"] == "RESTARTING"
    assert results(restart(fresh_emulator, [RUNNING_5])) == [(RUNNING_5, "failed")]
    assert results(restart(fresh_emulator, [RUNNING_5], action="flush")) == [(RUNNING_5, "failed")]
    time.sleep(0.5)  # the session emulator restarts for 0.2 s
    assert status_of(fresh_emulator, RUNNING_5) == "RUNNING"
    assert results(restart(fresh_emulator, [RUNNING_5])) == [(RUNNING_5, "success")]


def test_reset_restores_instance_states(fresh_emulator):
    restart(fresh_emulator, [RUNNING_6])
    assert status_of(fresh_emulator, RUNNING_6) == "RESTARTING"
    fresh_emulator.reset()
    assert status_of(fresh_emulator, RUNNING_6) == "RUNNING"


@pytest.mark.parametrize("odd_id", ['quo"te', "back\\slash", "ünïcødé-实例-🚀", 'mix"\\\u00e9\n\t/x', " spaced "])
def test_any_id_is_echoed_exactly(fresh_emulator, odd_id):
    answer = restart(fresh_emulator, [odd_id, RUNNING_6])
    assert results(answer) == [(odd_id, "failed"), (RUNNING_6, "success")]


def test_canonically_equivalent_spelling_of_an_id_is_not_the_instance(tmp_path):
    decomposed, composed = "cafe\u0301", "caf\u00e9"
    fleet = tmp_path / "fleet.json"
    fleet.write_text(json.dumps([{"id": composed, "engine_version": "5.0", "status": "RUNNING"}]))
    with Emulator(["--instances", str(fleet)]) as emu:
        assert results(restart(emu, [decomposed, composed])) == [(decomposed, "failed"), (composed, "success")]


def test_generated_requests_signed_by_the_official_signer_are_all_accepted(fresh_emulator):
    """Cross-check of DCSCore's RequestSigner (which the emulator verifies with) against Huawei's."""
    rng = random.Random(20261129)
    alphabet = "abcXYZ019-_.~ !\"#$%&'()*+,/:;<=>?@[\\]^`{|}é实🚀"
    printable = "abcXYZ019-_.~!\"#$%&'()*+,/:;<=>?@[\\]^`{|}"

    def word(low=0, letters=alphabet):
        return "".join(rng.choice(letters) for _ in range(rng.randint(low, 12)))

    for _ in range(60):
        query = [(word(1), word()) for _ in range(rng.randint(0, 3))]
        extra = {f"X-Extra-{n}": word(1, printable) for n in range(rng.randint(0, 2))}
        if rng.random() < 0.5:
            ids = [word(1) for _ in range(rng.randint(1, 5))] + [RUNNING_4]
            answer = send_signed(fresh_emulator, "PUT", STATUS_PATH, status_body(ids, "flush"), query=query,
                                 headers=extra)
            assert answer.status == 200, (query, answer.body)
            assert results(answer)[:-1] == [(i, "failed") for i in ids[:-1]]
        else:
            odd = word(1)
            answer = send_signed(fresh_emulator, "GET", instance_path(odd), query=query, headers=extra)
            assert answer.status == 404 and answer.error_code() == "DCS.3022", (odd, query, answer.body)


# Refusals ----------------------------------------------------------------------------------

def secrets_in(text):
    """Names (never values) of the secrets that appear in `text`, so no assertion prints one."""
    return sorted(name for name, value in SECRETS.items() if value in text)


def assert_refused(answer, code="APIGW.0301", status=401):
    assert answer.status == status, answer.body
    document = answer.json()
    assert set(document) == {"error_code", "error_msg", "error_ext_msg"}
    assert document["error_code"] == code
    assert document["error_ext_msg"] is None
    assert secrets_in(document["error_msg"]) == []
    return document


def test_tampered_body_is_refused(fresh_emulator):
    request = sign(fresh_emulator, "PUT", STATUS_PATH, status_body([RUNNING_6]))
    tampered = status_body([RUNNING_5])
    assert len(tampered) == len(request.body)
    assert_refused(send(fresh_emulator, "PUT", request.uri, tampered, request.header_params))
    assert status_of(fresh_emulator, RUNNING_5) == "RUNNING"


def test_tampered_path_or_signed_header_is_refused(fresh_emulator):
    request = sign(fresh_emulator, "GET", instance_path(RUNNING_6))
    assert_refused(send(fresh_emulator, "GET", instance_path(RUNNING_5), b"", request.header_params))
    request = sign(fresh_emulator, "PUT", STATUS_PATH, status_body([RUNNING_6]), headers={"X-Extra": "one"})
    headers = dict(request.header_params, **{"X-Extra": "two"})
    assert_refused(send(fresh_emulator, "PUT", request.uri, request.body, headers))


def test_wrong_secret_key_is_refused(fresh_emulator):
    assert_refused(restart(fresh_emulator, [RUNNING_6], sk="not-the-secret-key"))


def test_wrong_access_key_is_refused(fresh_emulator):
    assert_refused(restart(fresh_emulator, [RUNNING_6], ak="HPUAOTHERAK000000000"))


def test_missing_authentication_is_refused(fresh_emulator):
    answer = send(fresh_emulator, "PUT", STATUS_PATH, status_body([RUNNING_6]),
                  {"Content-Type": "application/json", "X-Project-Id": TEST_PROJECT_ID})
    assert_refused(answer)
    assert status_of(fresh_emulator, RUNNING_6) == "RUNNING"


def test_date_twenty_minutes_old_is_refused_but_ten_minutes_is_accepted(fresh_emulator):
    document = assert_refused(restart(fresh_emulator, [RUNNING_6], sdk_date=sdk_date(-20)))
    assert "15 minutes" in document["error_msg"]
    assert_refused(restart(fresh_emulator, [RUNNING_6], sdk_date=sdk_date(+20)))
    assert results(restart(fresh_emulator, [RUNNING_6], sdk_date=sdk_date(-10))) == [(RUNNING_6, "success")]


def test_signed_headers_must_include_host_and_date(fresh_emulator):
    request = sign(fresh_emulator, "PUT", STATUS_PATH, status_body([RUNNING_6]))
    for dropped in ("host", "x-sdk-date"):
        headers = dict(request.header_params)
        headers["Authorization"] = re.sub(r"(SignedHeaders=)([^,]*)",
                                          lambda m: m[1] + ";".join(n for n in m[2].split(";") if n != dropped),
                                          headers["Authorization"])
        document = assert_refused(send(fresh_emulator, "PUT", request.uri, request.body, headers))
        assert dropped in document["error_msg"]


def test_malformed_authorization_is_refused(fresh_emulator):
    headers = {"Authorization": "Bearer something", "Content-Type": "application/json"}
    assert_refused(send(fresh_emulator, "PUT", STATUS_PATH, status_body([RUNNING_6]), headers))


def test_iam_token_is_accepted_and_a_wrong_one_refused(fresh_emulator):
    headers = {"Content-Type": "application/json", "X-Project-Id": TEST_PROJECT_ID}
    answer = send(fresh_emulator, "PUT", STATUS_PATH, status_body([RUNNING_6]),
                  dict(headers, **{"X-Auth-Token": TEST_AUTH_TOKEN}))
    assert results(answer) == [(RUNNING_6, "success")]
    answer = send(fresh_emulator, "PUT", STATUS_PATH, status_body([RUNNING_5]),
                  dict(headers, **{"X-Auth-Token": TEST_AUTH_TOKEN + "x"}))
    assert_refused(answer, code="DCS.1001")


def test_token_auth_is_refused_when_no_token_is_configured():
    with Emulator(test_credentials=False) as emu:
        answer = send(emu, "GET", instance_path(RUNNING_6), b"", {"X-Auth-Token": "anything"})
        assert_refused(answer, code="DCS.1001")


def test_security_token_is_required_signed_and_matching():
    with Emulator(["--security-token", TEST_SECURITY_TOKEN]) as emu:
        with_token = restart(emu, [RUNNING_6], headers={"X-Security-Token": TEST_SECURITY_TOKEN})
        assert results(with_token) == [(RUNNING_6, "success")]
        assert_refused(restart(emu, [RUNNING_5]))
        assert_refused(restart(emu, [RUNNING_5], headers={"X-Security-Token": "other-token"}))
        # Present but left out of SignedHeaders: not good enough.
        request = sign(emu, "PUT", STATUS_PATH, status_body([RUNNING_5]))
        headers = dict(request.header_params, **{"X-Security-Token": TEST_SECURITY_TOKEN})
        assert_refused(send(emu, "PUT", request.uri, request.body, headers))
        assert status_of(emu, RUNNING_5) == "RUNNING"
        assert secrets_in(emu.log_text()) == []


@pytest.mark.parametrize("body, code", [
    (b"", "DCS.4004"),
    (b"not json", "DCS.4005"),
    (b'{"instances": ["a"], "action": "restart"', "DCS.4005"),
    (b'["a"]', "DCS.4005"),
    (b'"text"', "DCS.4005"),
    (b'{"action": "restart"}', "DCS.4065"),
    (b'{"instances": [], "action": "restart"}', "DCS.4065"),
    (b'{"instances": "abc", "action": "restart"}', "DCS.4065"),
    (b'{"instances": ["a", 1], "action": "restart"}', "DCS.4065"),
    (b'{"instances": ["a"]}', "DCS.4064"),
    (b'{"instances": ["a"], "action": "reboot"}', "DCS.4064"),
    (b'{"instances": ["a"], "action": 1}', "DCS.4064"),
    (json.dumps({"instances": [f"id-{n}" for n in range(51)], "action": "restart"}).encode(), "DCS.4100"),
])
def test_bad_bodies_get_their_400_code(fresh_emulator, body, code):
    assert_refused(send_signed(fresh_emulator, "PUT", STATUS_PATH, body), code=code, status=400)


def test_fifty_ids_are_accepted(fresh_emulator):
    ids = [RUNNING_6] + [f"id-{n}" for n in range(49)]
    assert len(results(restart(fresh_emulator, ids))) == 50


def test_checks_come_in_order_auth_project_body(fresh_emulator):
    wrong_project = f"/v2/{'f' * 32}/instances/status"
    assert_refused(send(fresh_emulator, "PUT", wrong_project, b"", {}))
    assert_refused(send_signed(fresh_emulator, "PUT", wrong_project, b""), code="DCS.3003", status=403)


def test_wrong_project_is_forbidden(fresh_emulator):
    wrong = "f" * 32
    answer = send_signed(fresh_emulator, "PUT", f"/v2/{wrong}/instances/status", status_body([RUNNING_6]))
    assert_refused(answer, code="DCS.3003", status=403)
    answer = restart(fresh_emulator, [RUNNING_6], headers={"X-Project-Id": wrong})
    assert_refused(answer, code="DCS.3003", status=403)
    answer = send_signed(fresh_emulator, "GET", instance_path(RUNNING_6, project=wrong))
    assert_refused(answer, code="DCS.3003", status=403)
    assert status_of(fresh_emulator, RUNNING_6) == "RUNNING"


def test_get_instance_describes_it_or_says_404(fresh_emulator):
    answer = send_signed(fresh_emulator, "GET", instance_path(RUNNING_3))
    assert answer.status == 200
    assert answer.json() == {"instance_id": RUNNING_3, "name": "cache-d", "engine": "Redis",
                             "engine_version": "3.0", "status": "RUNNING", "sub_status": "normal", "capacity": 1,
                             "ip": "10.0.0.5", "port": 6379, "domain_name": "redis-4.dcs.emulator.internal",
                             "az_codes": ["cn-north-4a"], "tags": [{"key": "role", "value": "queue"}],
                             "created_at": "2026-01-01T00:03:00.000Z"}
    assert send_signed(fresh_emulator, "GET", instance_path(FROZEN_5)).json()["status"] == "FROZEN"
    assert_refused(send_signed(fresh_emulator, "GET", instance_path(UNKNOWN)), code="DCS.3022", status=404)


def test_other_v2_paths_are_404(fresh_emulator):
    # GET .../instances/status is another API (counts per status), not emulated.
    for method, path in [("GET", STATUS_PATH), ("POST", f"/v2/{TEST_PROJECT_ID}/instances"), ("POST", STATUS_PATH),
                         ("GET", f"/v2/{TEST_PROJECT_ID}/nothing/here/at/all")]:
        assert_refused(send_signed(fresh_emulator, method, path), code="DCS.4001", status=404)


# HTTP --------------------------------------------------------------------------------------

def assert_standard_headers(answer, content_type="application/json", shifted_by=0):
    assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["X-Request-Id"])
    date = email.utils.parsedate_to_datetime(answer.headers["Date"])
    assert answer.headers["Date"].endswith(" GMT")
    assert abs((date - datetime.datetime.now(datetime.timezone.utc)).total_seconds() - shifted_by) < 60
    assert answer.headers["Content-Type"] == content_type
    assert int(answer.headers["Content-Length"]) == len(answer.body)


def test_every_answer_has_request_id_date_type_and_length(fresh_emulator):
    answers = [restart(fresh_emulator, [RUNNING_6]), restart(fresh_emulator, [RUNNING_5], sk="wrong"),
               send_signed(fresh_emulator, "PUT", STATUS_PATH, b"{}"),
               send_signed(fresh_emulator, "GET", instance_path(UNKNOWN)),
               send(fresh_emulator, "GET", "/_emulator/stats"), send(fresh_emulator, "GET", "/elsewhere")]
    for answer in answers:
        assert_standard_headers(answer)
    ids = {answer.headers["X-Request-Id"] for answer in answers}
    assert len(ids) == len(answers), "request ids repeat"


def test_body_over_one_mebibyte_is_413(fresh_emulator):
    answer = restart(fresh_emulator, ["x" * (1 << 20)])
    assert answer.status == 413
    assert_standard_headers(answer)
    assert len(results(restart(fresh_emulator, ["x" * ((1 << 20) - 100)]))) == 1


def read_http_head(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head.decode("latin-1"), rest


def raw_request_head(request, length, extra=""):
    lines = [f"PUT {request.uri} HTTP/1.1"] + [f"{k}: {v}" for k, v in request.header_params.items()]
    lines += [f"Content-Length: {length}", "Expect: 100-continue"]
    return ("\r\n".join(lines) + "\r\n" + extra + "\r\n").encode("latin-1")


def test_expect_100_continue_is_answered_before_the_body(fresh_emulator):
    request = sign(fresh_emulator, "PUT", STATUS_PATH, status_body([RUNNING_6]))
    with socket.create_connection((fresh_emulator.host, fresh_emulator.port), timeout=10) as sock:
        sock.sendall(raw_request_head(request, len(request.body)))
        head, _ = read_http_head(sock)
        assert head.startswith("HTTP/1.1 100 Continue")
        sock.sendall(request.body)
        head, rest = read_http_head(sock)
        assert head.startswith("HTTP/1.1 200 OK")
        length = int(re.search(r"(?im)^content-length: (\d+)", head)[1])
        while len(rest) < length:
            rest += sock.recv(65536)
        assert json.loads(rest)["results"] == [{"instance": RUNNING_6, "result": "success"}]


def test_expect_100_continue_with_an_oversized_body_is_413_without_continue(fresh_emulator):
    request = sign(fresh_emulator, "PUT", STATUS_PATH, status_body([RUNNING_6]))
    with socket.create_connection((fresh_emulator.host, fresh_emulator.port), timeout=10) as sock:
        sock.sendall(raw_request_head(request, (1 << 20) + 1))
        head, _ = read_http_head(sock)
        assert head.startswith("HTTP/1.1 413")


def test_connection_close_is_honoured(fresh_emulator):
    request = sign(fresh_emulator, "GET", instance_path(RUNNING_6))
    with socket.create_connection((fresh_emulator.host, fresh_emulator.port), timeout=10) as sock:
        lines = [f"GET {request.uri} HTTP/1.1", "Connection: close"]
        lines += [f"{k}: {v}" for k, v in request.header_params.items()]
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
        assert data.startswith(b"HTTP/1.1 200 OK")


# Counters and recording ---------------------------------------------------------------------

def test_keep_alive_requests_count_as_one_connection(fresh_emulator):
    conn = http.client.HTTPConnection(fresh_emulator.host, fresh_emulator.port, timeout=30)
    try:
        for _ in range(3):
            assert restart(fresh_emulator, [UNKNOWN], connection=conn).status == 200
        assert send_signed(fresh_emulator, "GET", instance_path(RUNNING_6), connection=conn).status == 200
        assert restart(fresh_emulator, [UNKNOWN], sk="wrong", connection=conn).status == 401
    finally:
        conn.close()
    assert fresh_emulator.stats() == {"api_requests": 5, "api_connections": 1, "status_puts": 4, "status_gets": 1,
                                      "list_gets": 0}
    send_signed(fresh_emulator, "GET", f"/v2/{TEST_PROJECT_ID}/unknown")
    fresh_emulator.instances()
    assert fresh_emulator.stats() == {"api_requests": 6, "api_connections": 2, "status_puts": 4, "status_gets": 1,
                                      "list_gets": 0}


def test_a_kept_alive_connection_counts_again_after_reset(fresh_emulator):
    conn = http.client.HTTPConnection(fresh_emulator.host, fresh_emulator.port, timeout=30)
    try:
        restart(fresh_emulator, [UNKNOWN], connection=conn)
        fresh_emulator.reset()
        restart(fresh_emulator, [UNKNOWN], connection=conn)
    finally:
        conn.close()
    assert fresh_emulator.stats()["api_connections"] == 1


def test_requests_are_recorded_as_received(fresh_emulator):
    request = sign(fresh_emulator, "PUT", STATUS_PATH, status_body([RUNNING_6]), query=[("a", "b c")])
    send(fresh_emulator, "PUT", request.uri, request.body, request.header_params)
    send(fresh_emulator, "GET", "/_emulator/stats")
    recorded = fresh_emulator.requests()
    assert len(recorded) == 1
    entry = recorded[0]
    assert (entry["method"], entry["path"], entry["query"]) == ("PUT", STATUS_PATH, "a=b%20c")
    assert entry["body"] == request.body.decode()
    sent = {name.lower(): value for name, value in request.header_params.items()}
    received = {name.lower(): value for name, value in entry["headers"]}
    differing = [name for name in ("x-sdk-date", "x-project-id", "host") if received.get(name) != sent[name]]
    assert differing == []
    # The signature is shown as [redacted], the rest of the Authorization as sent.
    assert received["authorization"] == sent["authorization"].rsplit("Signature=", 1)[0] + "Signature=[redacted]"


@pytest.mark.parametrize("shows_secrets", [False, True])
def test_recorded_requests_hide_credentials_unless_asked(shows_secrets):
    """The recorded view gets pasted into bug reports: tokens and signatures are [redacted],
    unless --record-secrets asks for them (tests that re-sign what was sent)."""
    flags = ["--record-requests", "--security-token", TEST_SECURITY_TOKEN, "--quiet"]
    with Emulator(flags + (["--record-secrets"] if shows_secrets else [])) as emu:
        request = sign(emu, "PUT", STATUS_PATH, status_body([RUNNING_6]),
                       headers={"X-Security-Token": TEST_SECURITY_TOKEN})
        send(emu, "PUT", request.uri, request.body, request.header_params)
        send(emu, "GET", instance_path(RUNNING_6), b"", {"X-Auth-Token": TEST_AUTH_TOKEN})
        view = json.dumps(emu.requests())
        signature = request.header_params["Authorization"].rsplit("Signature=", 1)[1]
        shown = [secret in view for secret in (TEST_SECURITY_TOKEN, TEST_AUTH_TOKEN, signature)]
        assert shown == [shows_secrets] * 3
        assert TEST_SK not in view


def test_requests_endpoint_is_404_without_recording():
    with Emulator() as emu:
        with pytest.raises(EmulatorError, match="404"):
            emu.requests()


# Faults ------------------------------------------------------------------------------------

def test_status500_fault(fresh_emulator):
    fresh_emulator.fault("status500")
    answer = restart(fresh_emulator, [RUNNING_6])
    assert_refused(answer, code="DCS.5000", status=500)
    assert_standard_headers(answer)
    assert status_of(fresh_emulator, RUNNING_6) == "RUNNING"
    assert results(restart(fresh_emulator, [RUNNING_6])) == [(RUNNING_6, "success")]


@pytest.mark.parametrize("kind, status", [("status503", 503), ("status429", 429)])
def test_throttling_faults_carry_retry_after(fresh_emulator, kind, status):
    fresh_emulator.fault(kind, retry_after=7)
    fresh_emulator.fault(kind)
    answer = restart(fresh_emulator, [RUNNING_6])
    assert_refused(answer, code="APIGW.0308", status=status)
    assert answer.headers["Retry-After"] == "7"
    answer = restart(fresh_emulator, [RUNNING_6])
    assert answer.status == status and answer.headers["Retry-After"] == "1"


def test_html502_fault(fresh_emulator):
    fresh_emulator.fault("html502")
    answer = restart(fresh_emulator, [RUNNING_6])
    assert answer.status == 502
    assert_standard_headers(answer, content_type="text/html")
    assert b"<html>" in answer.body
    with pytest.raises(ValueError):
        json.loads(answer.body)


def test_delay_fault_answers_normally_late_without_blocking_others(fresh_emulator):
    fresh_emulator.fault("delay", ms=800)
    outcome = {}

    def delayed():
        started = time.monotonic()
        outcome["answer"] = restart(fresh_emulator, [RUNNING_6])
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=delayed)
    thread.start()
    time.sleep(0.1)
    started = time.monotonic()
    for _ in range(4):  # other connections, possibly on the same event loop
        assert send_signed(fresh_emulator, "GET", instance_path(RUNNING_5)).status == 200
    assert time.monotonic() - started < 0.5
    thread.join(10)
    assert outcome["seconds"] >= 0.8
    assert results(outcome["answer"]) == [(RUNNING_6, "success")]


def test_delays_on_eight_connections_overlap(fresh_emulator):
    fresh_emulator.fault("delay", count=8, ms=500)
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(restart(fresh_emulator, [UNKNOWN])))
               for _ in range(8)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert time.monotonic() - started < 2.0, "requests were served one after another"
    assert [answer.status for answer in answers] == [200] * 8


def test_reset_fault_closes_without_an_answer(fresh_emulator):
    fresh_emulator.fault("reset")
    with pytest.raises(ConnectionResetError):  # RemoteDisconnected is one too
        restart(fresh_emulator, [RUNNING_6])
    assert status_of(fresh_emulator, RUNNING_6) == "RUNNING"
    assert fresh_emulator.stats()["api_requests"] == 1


def test_truncated_fault_sends_less_than_content_length(fresh_emulator):
    fresh_emulator.fault("truncated")
    request = sign(fresh_emulator, "PUT", STATUS_PATH, status_body([RUNNING_6]))
    conn = http.client.HTTPConnection(fresh_emulator.host, fresh_emulator.port, timeout=10)
    try:
        conn.request("PUT", request.uri, request.body, request.header_params)
        response = conn.getresponse()
        assert response.status == 200
        declared = int(response.headers["Content-Length"])
        with pytest.raises(http.client.IncompleteRead) as raised:
            response.read()
        assert 0 < len(raised.value.partial) < declared
    finally:
        conn.close()


def test_not_json_fault(fresh_emulator):
    fresh_emulator.fault("not_json")
    answer = restart(fresh_emulator, [RUNNING_6])
    assert answer.status == 200
    assert_standard_headers(answer)
    with pytest.raises(ValueError):
        json.loads(answer.body)


def test_wrong_types_fault(fresh_emulator):
    fresh_emulator.fault("wrong_types")
    answer = restart(fresh_emulator, [RUNNING_6])
    assert answer.status == 200
    assert answer.json() == {"results": [{"instance": 12, "result": True}]}


def test_huge_fault_streams_the_announced_size(fresh_emulator):
    fresh_emulator.fault("huge")
    fresh_emulator.fault("huge", mb=0.5)
    for expected in (8 << 20, 1 << 19):
        answer = restart(fresh_emulator, [RUNNING_6])
        assert answer.status == 200
        assert int(answer.headers["Content-Length"]) == expected == len(answer.body)
        assert answer.json()["padding"].strip("x") == ""


def test_missing_results_fault(fresh_emulator):
    fresh_emulator.fault("missing_results")
    answer = restart(fresh_emulator, [RUNNING_6])
    assert answer.status == 200 and answer.json() == {"results": []}


def test_all_failed_fault_fails_every_id_and_changes_nothing(fresh_emulator):
    fresh_emulator.fault("all_failed")
    answer = restart(fresh_emulator, [RUNNING_6, RUNNING_5, UNKNOWN])
    assert results(answer) == [(RUNNING_6, "failed"), (RUNNING_5, "failed"), (UNKNOWN, "failed")]
    assert status_of(fresh_emulator, RUNNING_6) == "RUNNING"


def test_faults_count_and_skip_and_queue_in_order(fresh_emulator):
    fresh_emulator.fault("status500", count=2, skip=1)
    fresh_emulator.fault("missing_results")
    statuses = [restart(fresh_emulator, [UNKNOWN]) for _ in range(5)]
    assert [a.status for a in statuses] == [200, 500, 500, 200, 200]
    assert statuses[3].json() == {"results": []}
    assert statuses[4].json() == {"results": [{"instance": UNKNOWN, "result": "failed"}]}
    assert fresh_emulator.stats()["api_requests"] == 5


def test_faults_hit_refused_requests_and_control_requests_do_not_use_them(fresh_emulator):
    fresh_emulator.fault("status500")
    fresh_emulator.stats()
    fresh_emulator.instances()
    answer = restart(fresh_emulator, [RUNNING_6], sk="wrong")
    assert answer.status == 500


def test_clear_faults(fresh_emulator):
    fresh_emulator.fault("status500", count=3)
    assert len(fresh_emulator.faults()) == 1
    fresh_emulator.clear_faults()
    assert fresh_emulator.faults() == []
    assert restart(fresh_emulator, [RUNNING_6]).status == 200


@pytest.mark.parametrize("spec", [{"kind": "nonsense"}, {"kind": "delay", "ms": -1},
                                  {"kind": "status500", "count": 0}, {"kind": "reset", "ms": 5},
                                  {"kind": "huge", "mb": "big"}])
def test_bad_fault_specs_are_rejected(fresh_emulator, spec):
    with pytest.raises(EmulatorError, match="400"):
        fresh_emulator._control("POST", "/_emulator/faults", spec)
    assert fresh_emulator.faults() == []


def test_command_line_faults_act_at_start_and_again_after_reset():
    with Emulator(["--fault", "status503:1:1", "--fault", "missing_results"]) as emu:
        answers = [restart(emu, [UNKNOWN]) for _ in range(4)]
        assert [a.status for a in answers] == [200, 503, 200, 200]
        assert answers[2].json() == {"results": []}
        assert answers[3].json()["results"] == [{"instance": UNKNOWN, "result": "failed"}]
        emu.reset()
        assert [restart(emu, [UNKNOWN]).status for _ in range(2)] == [200, 503]


# Fleet configuration ------------------------------------------------------------------------

def test_instances_file_and_generated_instances(tmp_path):
    fleet = tmp_path / "fleet.json"
    fleet.write_text(json.dumps([{"id": "a", "engine_version": "3.0", "status": "RUNNING", "name": "old"},
                                 {"id": "b", "engine_version": "7.0", "status": "ERROR"}]))
    with Emulator(["--instances", str(fleet), "--generated-instances", "3", "--restart-seconds", "0"]) as emu:
        assert [(e["id"], e["name"], e["engine_version"], e["status"]) for e in emu.instances()] == [
            ("a", "old", "3.0", "RUNNING"),
            ("b", "b", "7.0", "ERROR"),
            ("emu-0001", "generated-0001", "5.0", "RUNNING"),
            ("emu-0002", "generated-0002", "5.0", "RUNNING"),
            ("emu-0003", "generated-0003", "5.0", "RUNNING"),
        ]
        assert results(restart(emu, ["a", "b", "emu-0002"])) == [("a", "success"), ("b", "failed"),
                                                                  ("emu-0002", "success")]
        assert status_of(emu, "a") == "RUNNING"  # --restart-seconds 0
        assert results(restart(emu, ["a", "emu-0003"], action="flush")) == [("a", "failed"), ("emu-0003", "success")]
        assert send_signed(emu, "GET", instance_path("a")).json()["name"] == "old"


# The log -----------------------------------------------------------------------------------

def test_log_has_a_line_per_request_and_never_a_secret(emulator):
    answer = restart(emulator, [UNKNOWN])
    send(emulator, "GET", instance_path(RUNNING_6), b"", {"X-Auth-Token": TEST_AUTH_TOKEN})
    send(emulator, "GET", instance_path(RUNNING_6), b"", {"X-Auth-Token": "wrong-" + TEST_AUTH_TOKEN})
    restart(emulator, [UNKNOWN], sk="wrong")
    time.sleep(0.2)
    log = emulator.log_text()
    request_id = answer.headers["X-Request-Id"]
    assert re.search(rf"^PUT {re.escape(STATUS_PATH)} 200 {request_id} \d+ms$", log, re.M), "no log line"
    assert secrets_in(log) == []
    assert "SDK-HMAC-SHA256" not in log, "an Authorization header reached the log"
    leaked = sum(signature in log for signature in SENT_SIGNATURES)
    assert leaked == 0, "signatures reached the log"


# Clock offset ------------------------------------------------------------------------------

def date_header_offset(answer):
    """Seconds between the answer's Date header and this machine's clock."""
    shown = email.utils.parsedate_to_datetime(answer.headers["Date"])
    return (shown - datetime.datetime.now(datetime.timezone.utc)).total_seconds()


def test_clock_offset_on_the_command_line_refuses_a_correct_clock_and_shows_in_date():
    with Emulator(["--clock-offset-seconds", "3600"]) as emu:
        document = assert_refused(restart(emu, [RUNNING_6]))
        assert "out of range" in document["error_msg"]
        answer = send_signed(emu, "GET", instance_path(RUNNING_6))
        assert abs(date_header_offset(answer) - 3600) <= 5
        assert_standard_headers(send(emu, "GET", "/_emulator/stats"), shifted_by=3600)
        # A client that takes the emulator's time from the Date header is accepted.
        shown = email.utils.parsedate_to_datetime(answer.headers["Date"])
        assert results(restart(emu, [RUNNING_6], sdk_date=shown.strftime(SDK_DATE_FORMAT))) == [(RUNNING_6, "success")]
        assert emu.clock()["offset_seconds"] == 3600
        emu.set_clock_offset(0)
        assert results(restart(emu, [RUNNING_5])) == [(RUNNING_5, "success")]
        emu.reset()  # back to the start value, not to zero
        assert emu.clock()["offset_seconds"] == 3600
        assert_refused(restart(emu, [RUNNING_4]))
    with Emulator(["--clock-offset-seconds", "-3600"]) as emu:
        assert_refused(send_signed(emu, "GET", instance_path(RUNNING_6)))
        assert abs(date_header_offset(send(emu, "GET", "/_emulator/stats")) + 3600) <= 5


def test_clock_offset_within_fifteen_minutes_still_accepts_a_correct_clock():
    with Emulator(["--clock-offset-seconds=-600"]) as emu:
        answer = restart(emu, [RUNNING_6])
        assert results(answer) == [(RUNNING_6, "success")]
        assert abs(date_header_offset(answer) + 600) <= 5


def test_clock_offset_set_at_run_time_and_put_back_by_reset(fresh_emulator):
    assert fresh_emulator.clock()["offset_seconds"] == 0
    assert results(restart(fresh_emulator, [RUNNING_6])) == [(RUNNING_6, "success")]
    assert abs(date_header_offset(restart(fresh_emulator, [UNKNOWN]))) <= 5
    clock = fresh_emulator.set_clock_offset(3600)
    assert clock["offset_seconds"] == 3600
    assert abs(clock["now"] - time.time() - 3600) <= 5
    answer = restart(fresh_emulator, [RUNNING_5])
    document = assert_refused(answer)
    assert "out of range" in document["error_msg"] and "15 minutes" in document["error_msg"]
    assert abs(date_header_offset(answer) - 3600) <= 5
    assert status_of(fresh_emulator, RUNNING_5) == "RUNNING"
    fresh_emulator.set_clock_offset(0)
    assert results(restart(fresh_emulator, [RUNNING_5])) == [(RUNNING_5, "success")]
    fresh_emulator.set_clock_offset(-7200)
    assert_refused(send_signed(fresh_emulator, "GET", instance_path(RUNNING_6)))
    fresh_emulator.reset()
    assert fresh_emulator.clock()["offset_seconds"] == 0
    answer = send_signed(fresh_emulator, "GET", instance_path(RUNNING_6))
    assert answer.status == 200 and abs(date_header_offset(answer)) <= 5


@pytest.mark.parametrize("document", [{}, {"offset_seconds": "10"}, {"offset_seconds": 1.5},
                                      {"offset_seconds": 1e12}])
def test_bad_clock_offsets_are_rejected(fresh_emulator, document):
    with pytest.raises(EmulatorError, match="400"):
        fresh_emulator._control("POST", "/_emulator/clock", document)
    assert fresh_emulator.clock()["offset_seconds"] == 0


# For testing a waiter ----------------------------------------------------------------------

def api_status(emu, instance_id):
    answer = send_signed(emu, "GET", instance_path(instance_id))
    assert answer.status == 200, answer.body
    return answer.json()["status"]


def test_per_instance_restart_seconds_override_the_default(tmp_path):
    fleet = tmp_path / "fleet.json"
    fleet.write_text(json.dumps([
        {"id": "slow", "engine_version": "6.0", "status": "RUNNING", "restart_seconds": 1.5},
        {"id": "instant", "engine_version": "6.0", "status": "RUNNING", "restart_seconds": 0},
        {"id": "default", "engine_version": "6.0", "status": "RUNNING", "restart_seconds": None},
    ]))
    with Emulator(["--instances", str(fleet), "--restart-seconds", "0.5"]) as emu:
        started = time.monotonic()
        assert results(restart(emu, ["slow", "instant", "default"])) == [
            ("slow", "success"), ("instant", "success"), ("default", "success")]
        assert [api_status(emu, i) for i in ("slow", "instant", "default")] == ["RESTARTING", "RUNNING", "RESTARTING"]
        time.sleep(max(0.0, started + 0.8 - time.monotonic()))
        assert [api_status(emu, i) for i in ("slow", "default")] == ["RESTARTING", "RUNNING"]
        while api_status(emu, "slow") == "RESTARTING":
            assert time.monotonic() - started < 5
            time.sleep(0.05)
        assert 1.5 <= time.monotonic() - started < 2.5
        assert emu.stats()["status_gets"] >= 6


@pytest.mark.parametrize("entry", [{"restart_seconds": -1}, {"restart_seconds": "2"}, {"restart_seconds": 1e9}])
def test_bad_per_instance_restart_seconds_are_refused(tmp_path, entry):
    fleet = tmp_path / "fleet.json"
    fleet.write_text(json.dumps([dict({"id": "a", "engine_version": "6.0", "status": "RUNNING"}, **entry)]))
    with pytest.raises(EmulatorError, match="restart_seconds"):
        Emulator(["--instances", str(fleet)])


@pytest.mark.parametrize("status", ["CREATING", "CREATEFAILED", "RUNNING", "ERROR", "RESTARTING", "FROZEN",
                                    "EXTENDING", "RESTORING", "FLUSHING"])
def test_instance_status_can_be_set_to_any_status_of_the_reference(fresh_emulator, status):
    shown = fresh_emulator.set_instance_status(RUNNING_6, status)
    assert shown == {"id": RUNNING_6, "name": "cache-a", "engine_version": "6.0", "status": status,
                     "tags": {"env": "prod", "role": "session-cache"}, "never_returns": False}
    assert status_of(fresh_emulator, RUNNING_6) == status
    before = fresh_emulator.stats()["status_gets"]
    assert api_status(fresh_emulator, RUNNING_6) == status
    assert fresh_emulator.stats()["status_gets"] == before + 1
    expected = "success" if status == "RUNNING" else "failed"
    assert results(restart(fresh_emulator, [RUNNING_6], action="flush")) == [(RUNNING_6, expected)]


def test_setting_a_status_cancels_a_pending_restart_and_reset_puts_it_back(fresh_emulator):
    fresh_emulator.set_instance_status(FROZEN_5, "RUNNING")
    assert results(restart(fresh_emulator, [FROZEN_5])) == [(FROZEN_5, "success")]
    assert api_status(fresh_emulator, FROZEN_5) == "RESTARTING"
    fresh_emulator.set_instance_status(RUNNING_6, "RUNNING")
    assert results(restart(fresh_emulator, [RUNNING_6])) == [(RUNNING_6, "success")]
    fresh_emulator.set_instance_status(RUNNING_6, "ERROR")
    assert api_status(fresh_emulator, RUNNING_6) == "ERROR"
    time.sleep(0.5)  # past the session emulator's 0.2 s restart: still ERROR, the restart is gone
    assert api_status(fresh_emulator, RUNNING_6) == "ERROR"
    assert api_status(fresh_emulator, FROZEN_5) == "RUNNING"
    fresh_emulator.set_instance_status(RUNNING_5, "RESTARTING")
    time.sleep(0.3)
    assert api_status(fresh_emulator, RUNNING_5) == "RESTARTING"  # set, not a restart: it stays
    assert results(restart(fresh_emulator, [RUNNING_5])) == [(RUNNING_5, "failed")]
    fresh_emulator.reset()
    assert [status_of(fresh_emulator, i) for i in (RUNNING_6, RUNNING_5, FROZEN_5)] == ["RUNNING", "RUNNING", "FROZEN"]


def test_setting_a_status_refuses_unknown_ids_and_statuses(fresh_emulator):
    with pytest.raises(EmulatorError, match="404"):
        fresh_emulator.set_instance_status(UNKNOWN, "ERROR")
    for bad in ("running", "BROKEN", "", None, 3):
        with pytest.raises(EmulatorError, match="400"):
            fresh_emulator.set_instance_status(RUNNING_6, bad)
    with pytest.raises(EmulatorError, match="400"):
        fresh_emulator._control("POST", "/_emulator/instances/" + RUNNING_6, None)
    assert status_of(fresh_emulator, RUNNING_6) == "RUNNING"


def test_status_of_an_odd_id_can_be_set(tmp_path):
    odd = 'odd/id "é" ?#%'
    fleet = tmp_path / "fleet.json"
    fleet.write_text(json.dumps([{"id": odd, "engine_version": "6.0", "status": "RUNNING"}]))
    with Emulator(["--instances", str(fleet)]) as emu:
        assert emu.set_instance_status(odd, "FROZEN")["status"] == "FROZEN"
        assert api_status(emu, odd) == "FROZEN"
