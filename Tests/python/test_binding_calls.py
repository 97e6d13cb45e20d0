"""Every status and outcome of a call, through the Python binding, against the emulator."""

import json
import pickle
import time

import pytest

import dcs
from binding_support import (FROZEN, GENERATED, RUNNING_3, RUNNING_4, RUNNING_5, RUNNING_6, client_env,
                             closed_port_url, leaked_secrets)
from emulator import Emulator, TEST_AK, TEST_AUTH_TOKEN, TEST_PROJECT_ID, TEST_SECURITY_TOKEN, TEST_SK

S, F, N, U = dcs.Outcome.SUCCESS, dcs.Outcome.FAILED, dcs.Outcome.NOT_SENT, dcs.Outcome.UNKNOWN


def results(ids, outcome):
    return [dcs.Result(i, outcome) for i in ids]


def sent_bodies(emu):
    return [json.loads(r["body"]) for r in emu.requests()]


def raised(call, cls):
    """The exception `call` raises, checked to be exactly of class `cls`."""
    with pytest.raises(dcs.DcsError) as info:
        call()
    assert type(info.value) is cls
    return info.value


def test_success_returns_one_success_per_id_and_sends_the_action(client, emu):
    ids = [RUNNING_6, RUNNING_5, RUNNING_4]
    assert client.restart(ids) == results(ids, S)
    assert client.soft_restart(ids[:2]) == results(ids[:2], S)
    assert client.flush(iter(ids)) == results(ids, S)  # any iterable
    assert sent_bodies(emu) == [{"instances": ids, "action": "restart"},
                                {"instances": ids[:2], "action": "soft_restart"},
                                {"instances": ids, "action": "flush"}]
    (request, *_) = emu.requests()
    assert request["path"] == f"/v2/{TEST_PROJECT_ID}/instances/status"


def test_call_is_the_general_form(client, emu):
    assert client.call(dcs.Action.FLUSH, [RUNNING_6]) == results([RUNNING_6], S)
    assert client.call("soft_restart", (RUNNING_5,)) == results([RUNNING_5], S)
    assert [b["action"] for b in sent_bodies(emu)] == ["flush", "soft_restart"]
    with pytest.raises(dcs.InvalidArgument, match="action must be one of restart, soft_restart, flush"):
        client.call("reboot", [RUNNING_6])
    with pytest.raises(TypeError):
        client.call(0, [RUNNING_6])
    assert emu.stats()["api_requests"] == 2


def test_partial_raises_with_every_result(client, emu):
    ids = [RUNNING_6, RUNNING_3, FROZEN, "no-such-instance"]
    error = raised(lambda: client.flush(ids), dcs.PartialFailure)
    assert error.results == [dcs.Result(RUNNING_6, S)] + results(ids[1:], F)
    assert error.status is dcs.Status.EPARTIAL and error.status_name == "DCS_EPARTIAL"
    assert error.http_status == 200 and error.code == ""
    assert len(error.request_id) > 0
    assert "3 of 4" in error.message
    assert emu.stats()["api_requests"] == 1


def test_partial_is_returned_only_when_asked(client):
    ids = [RUNNING_6, RUNNING_3]
    assert client.call("flush", ids, raise_on_partial=False) == [dcs.Result(RUNNING_6, S), dcs.Result(RUNNING_3, F)]
    with pytest.raises(dcs.PartialFailure):
        client.call("flush", ids)
    # Errors other than a partial success still raise.
    with pytest.raises(dcs.InvalidArgument):
        client.call("flush", [], raise_on_partial=False)


def test_wrong_sk_is_an_api_error_with_the_gateway_code(make_client, emu):
    client = make_client(sk="not-the-secret-key")
    error = raised(lambda: client.restart([RUNNING_6, RUNNING_5]), dcs.ApiError)
    assert error.status is dcs.Status.EAPI
    assert error.http_status == 401
    assert error.code == "APIGW.0301"
    assert len(error.request_id) == 32
    assert "401" in error.message and "not-the-secret-key" not in str(error)
    assert error.results == results([RUNNING_6, RUNNING_5], F)
    assert emu.stats()["api_requests"] == 1  # a 401 is final: not retried


def test_iam_token_authenticates(make_client, emu):
    client = make_client(ak=None, sk=None, auth_token=TEST_AUTH_TOKEN)
    assert client.restart([RUNNING_6]) == results([RUNNING_6], S)
    headers = {name.lower(): value for name, value in emu.requests()[0]["headers"]}
    assert headers["x-auth-token"] == TEST_AUTH_TOKEN and "authorization" not in headers
    error = raised(lambda: make_client(ak=None, sk=None, auth_token="wrong-token").restart([RUNNING_6]),
                   dcs.ApiError)
    assert (error.http_status, error.code) == (401, "DCS.1001")


def test_security_token_is_sent_signed():
    with Emulator(["--record-requests", "--security-token", TEST_SECURITY_TOKEN, "--quiet"]) as emulator:
        with dcs.Client(endpoint=emulator.url, project_id=TEST_PROJECT_ID, ak=TEST_AK, sk=TEST_SK,
                        security_token=TEST_SECURITY_TOKEN) as client:
            assert client.restart([RUNNING_6]) == results([RUNNING_6], S)
        (request,) = emulator.requests()
        authorization = dict((n.lower(), v) for n, v in request["headers"])["authorization"]
        assert "x-security-token" in authorization.split("SignedHeaders=")[1].split(",")[0].split(";")


def test_500_is_an_api_error_with_unknown_outcomes(make_client, emu):
    client = make_client(timeout=2)
    emu.fault("status500")
    error = raised(lambda: client.restart([RUNNING_6, RUNNING_5]), dcs.ApiError)
    assert (error.http_status, error.code) == (500, "DCS.5000")
    assert len(error.request_id) > 0 and "may have been applied" in error.message
    assert error.results == results([RUNNING_6, RUNNING_5], U)
    assert emu.stats()["api_requests"] == 1  # never sent twice


def test_html_502_is_an_api_error_without_code(client, emu):
    emu.fault("html502")
    error = raised(lambda: client.restart([RUNNING_6]), dcs.ApiError)
    assert (error.http_status, error.code) == (502, "")
    assert error.results == results([RUNNING_6], U)


def test_429_retries_exhausted_is_failed(make_client, emu):
    client = make_client(max_retries=2)
    emu.fault("status429", count=3, retry_after=0)
    error = raised(lambda: client.restart([RUNNING_6]), dcs.ApiError)
    assert (error.http_status, error.code) == (429, "APIGW.0308")
    assert error.results == results([RUNNING_6], F)
    assert emu.stats()["api_requests"] == 3


def test_503_is_retried_as_configured(make_client, emu):
    client = make_client(max_retries=1)
    emu.fault("status503", count=1, retry_after=0)
    assert client.restart([RUNNING_6]) == results([RUNNING_6], S)
    emu.reset()
    emu.fault("status503", count=2, retry_after=0)
    error = raised(lambda: client.restart([RUNNING_6]), dcs.ApiError)
    assert error.http_status == 503 and "after 1 retry" in error.message
    assert emu.stats()["api_requests"] == 2
    emu.reset()
    emu.fault("status503", count=1, retry_after=0)
    raised(lambda: make_client(max_retries=0).restart([RUNNING_6]), dcs.ApiError)
    assert emu.stats()["api_requests"] == 1


def test_connection_refused_is_a_transport_error_not_sent():
    with dcs.Client(endpoint=closed_port_url(), project_id=TEST_PROJECT_ID, ak=TEST_AK, sk=TEST_SK,
                    max_retries=1) as client:
        error = raised(lambda: client.restart([RUNNING_6, RUNNING_5]), dcs.TransportError)
    assert error.status is dcs.Status.ETRANSPORT
    assert (error.http_status, error.code, error.request_id) == (0, "", "")
    assert "not sent" in error.message
    assert error.results == results([RUNNING_6, RUNNING_5], N)


def test_reset_after_send_is_a_transport_error_unknown(client, emu):
    emu.fault("reset")
    error = raised(lambda: client.restart([RUNNING_6]), dcs.TransportError)
    assert error.results == results([RUNNING_6], U) and "may have been applied" in error.message


def test_slow_answer_is_a_timeout_with_unknown_outcomes(make_client, emu):
    client = make_client(connect_timeout=1, timeout=1)
    emu.fault("delay", ms=4000)
    started = time.monotonic()
    error = raised(lambda: client.restart([RUNNING_6, RUNNING_5]), dcs.Timeout)
    assert time.monotonic() - started < 3  # the 1 s client timeout, not the 4 s delay
    assert isinstance(error, TimeoutError)
    assert error.status is dcs.Status.ETIMEOUT and error.http_status == 0
    assert error.results == results([RUNNING_6, RUNNING_5], U)
    assert emu.stats()["api_requests"] == 1


def test_call_timeout_shortens_the_call(client, emu):
    emu.fault("delay", ms=4000)
    started = time.monotonic()
    error = raised(lambda: client.restart([RUNNING_6], timeout=0.5), dcs.Timeout)
    assert time.monotonic() - started < 2  # the 0.5 s deadline, not the client's 30 s nor the 4 s delay
    assert error.results == results([RUNNING_6], U)
    # A call without timeout= is bounded by the client's timeouts only: the delay is waited out.
    emu.fault("delay", ms=1000)
    started = time.monotonic()
    assert client.restart([RUNNING_6]) == results([RUNNING_6], S)
    assert time.monotonic() - started >= 0.9


def test_call_timeout_stops_retries(client, emu):
    emu.fault("status503", count=3, retry_after=2)
    started = time.monotonic()
    error = raised(lambda: client.restart([RUNNING_6], timeout=1), dcs.ApiError)
    assert time.monotonic() - started < 1.8  # did not wait the 2 s Retry-After
    assert error.http_status == 503
    assert emu.stats()["api_requests"] == 1


@pytest.mark.parametrize("kind", ["not_json", "wrong_types", "missing_results"])
def test_unreadable_answer_is_a_protocol_error_unknown(client, emu, kind):
    emu.fault(kind)
    error = raised(lambda: client.restart([RUNNING_6]), dcs.ProtocolError)
    assert error.status is dcs.Status.EPROTOCOL and error.http_status == 200
    assert error.results == results([RUNNING_6], U)


def test_huge_answer_is_a_protocol_error(make_client, emu):
    emu.fault("huge", mb=8)
    error = raised(lambda: make_client(timeout=5).restart([RUNNING_6]), dcs.ProtocolError)
    assert "larger than" in error.message
    assert error.results == results([RUNNING_6], U)


def test_all_failed_answer_is_a_partial_failure(client, emu):
    emu.fault("all_failed")
    error = raised(lambda: client.restart([RUNNING_6, RUNNING_5]), dcs.PartialFailure)
    assert error.results == results([RUNNING_6, RUNNING_5], F)


def test_missing_config_is_a_config_error(emu):
    error = raised(dcs.Client, dcs.ConfigError)
    assert error.status is dcs.Status.ECONFIG and "no endpoint" in error.message
    error = raised(lambda: dcs.Client(endpoint=emu.url), dcs.ConfigError)
    assert "no project id" in error.message
    error = raised(lambda: dcs.Client(endpoint=emu.url, project_id=TEST_PROJECT_ID), dcs.ConfigError)
    assert "no credentials" in error.message
    error = raised(lambda: dcs.Client(endpoint="http://dcs.example.com", project_id=TEST_PROJECT_ID,
                                      ak=TEST_AK, sk=TEST_SK), dcs.ConfigError)
    assert "plain HTTP" in error.message
    error = raised(lambda: dcs.Client(endpoint=emu.url, project_id=TEST_PROJECT_ID, ak=TEST_AK, sk=TEST_SK,
                                      ca_file="/nonexistent/ca.pem"), dcs.ConfigError)
    assert "/nonexistent/ca.pem" in error.message
    assert emu.stats()["api_requests"] == 0


def test_from_env_reads_the_environment_and_applies_overrides(emu, monkeypatch):
    for name, value in client_env(emu).items():
        monkeypatch.setenv(name, value)
    with dcs.Client.from_env() as client:
        assert client.restart([RUNNING_6]) == results([RUNNING_6], S)
    with dcs.Client.from_env(ak=TEST_AK, sk="not-the-secret-key") as client:
        assert raised(lambda: client.restart([RUNNING_6]), dcs.ApiError).http_status == 401
    # The C config has no getters: the environment's AK cannot be paired with another SK.
    with pytest.raises(dcs.InvalidArgument, match="ak and sk must be given together"):
        dcs.Client.from_env(sk="not-the-secret-key")
    with pytest.raises(TypeError, match="colour"):
        dcs.Client.from_env(colour="blue")


def test_from_env_names_the_malformed_variable(emu, monkeypatch):
    for name, value in client_env(emu, HUAWEICLOUD_SDK_PROJECT_ID="bad/project").items():
        monkeypatch.setenv(name, value)
    error = raised(dcs.Client.from_env, dcs.ConfigError)
    assert "HUAWEICLOUD_SDK_PROJECT_ID" in error.message
    assert (error.http_status, error.code, error.request_id, error.results) == (0, "", "", [])
    monkeypatch.delenv("HUAWEICLOUD_SDK_SK")
    error = raised(dcs.Client.from_env, dcs.ConfigError)
    assert "HUAWEICLOUD_SDK_AK is set but HUAWEICLOUD_SDK_SK is not" in error.message


def test_bad_id_is_invalid_argument_and_nothing_is_sent(client, emu):
    cases = {
        "instance_ids[1] is empty": [RUNNING_6, ""],
        "instance_ids[0] holds a control character": ["abc\ndef"],
        "instance_ids[0] is longer than 128 bytes": ["a" * 129],
        "instance_ids[2] repeats instance_ids[0]": [RUNNING_6, RUNNING_5, RUNNING_6],
        "instance_ids[1] holds a NUL character": [RUNNING_6, "abc\0def"],
        "count is 0": [],
        "count is 10001": [f"id-{n}" for n in range(dcs.MAX_IDS_PER_CALL + 1)],
        "instance_ids[0] is not valid UTF-8": ["abc\udcff"],  # surrogate escape: the byte 0xff
        "instance_ids[0] is not valid Unicode": ["abc\ud800"],
    }
    for message, ids in cases.items():
        error = raised(lambda: client.restart(ids), dcs.InvalidArgument)
        assert isinstance(error, ValueError)
        assert message in error.message
        assert (error.status, error.http_status, error.results) == (dcs.Status.EINVAL, 0, [])
    stats = emu.stats()
    assert stats["api_requests"] == 0 and stats["api_connections"] == 0


def test_id_of_128_bytes_and_unusual_characters_reach_the_server_intact(client, emu):
    unusual = "quote\"back\\slash/café-日本-🔥"
    error = raised(lambda: client.restart(["b" * 128, unusual, RUNNING_6]), dcs.PartialFailure)
    assert error.results == [dcs.Result("b" * 128, F), dcs.Result(unusual, F), dcs.Result(RUNNING_6, S)]
    assert sent_bodies(emu)[0]["instances"] == ["b" * 128, unusual, RUNNING_6]


def test_120_ids_give_120_results_in_order(client, emu):
    ids = list(reversed(GENERATED))
    assert client.flush(ids) == results(ids, S)
    bodies = sent_bodies(emu)
    assert [len(b["instances"]) for b in bodies] == [50, 50, 20]
    assert [i for b in bodies for i in b["instances"]] == ids


def test_fault_on_second_request_keeps_every_outcome(client, emu):
    emu.fault("status500", skip=1)
    error = raised(lambda: client.flush(GENERATED), dcs.ApiError)
    assert error.results == results(GENERATED[:50], S) + results(GENERATED[50:100], U) + results(GENERATED[100:], N)
    assert emu.stats()["api_requests"] == 2


def test_each_result_carries_the_request_id_of_the_answer_that_decided_it(client, emu):
    emu.fault("status500", skip=1)
    error = raised(lambda: client.flush(GENERATED), dcs.ApiError)
    first, second = error.results[0].request_id, error.results[50].request_id
    assert len(first) == 32 and len(second) == 32 and first != second
    # The 500 decided the second request's 50: the error's request id is theirs.
    assert second == error.request_id
    assert [r.request_id for r in error.results] == [first] * 50 + [second] * 50 + [""] * 20  # no answer: ""
    # A partial success: its request id is the one answer's, as every result's.
    partial = raised(lambda: client.flush([RUNNING_6, RUNNING_3]), dcs.PartialFailure)
    assert {r.request_id for r in partial.results} == {partial.request_id} and len(partial.request_id) == 32


def test_request_id_is_where_a_result_came_from_not_part_of_its_value(client):
    (result,) = client.restart([RUNNING_6])
    assert len(result.request_id) == 32
    assert result == dcs.Result(RUNNING_6, S) and hash(result) == hash(dcs.Result(RUNNING_6, S, "other"))
    assert pickle.loads(pickle.dumps(result)).request_id == result.request_id
    assert repr(result).endswith(f"request_id={result.request_id!r})")
    with pytest.raises(AttributeError):
        result.request_id = "x"
    # A wait sends no action: no answer decided its results.
    assert [r.request_id for r in client.wait_running([RUNNING_6, RUNNING_5], timeout=10)] == ["", ""]


def test_errors_keep_their_fields_through_pickle(make_client, emu):
    error = raised(lambda: make_client(sk="not-the-secret-key").restart([RUNNING_6]), dcs.ApiError)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is dcs.ApiError
    assert ((copy.status, copy.http_status, copy.code, copy.message, copy.request_id, copy.results)
            == (error.status, error.http_status, error.code, error.message, error.request_id, error.results))
    assert str(copy) == str(error)


def test_str_of_an_error_shows_every_field(make_client):
    error = raised(lambda: make_client(sk="not-the-secret-key").restart([RUNNING_6]), dcs.ApiError)
    text = str(error)
    assert text.startswith(error.message)
    for part in ("DCS_EAPI", "http_status=401", "code=APIGW.0301", f"request_id={error.request_id}"):
        assert part in text


def test_no_secret_in_any_error(emu, make_client, monkeypatch):
    """Errors from every layer, with the test secrets configured: none shows one."""
    errors = []

    def collect(call):
        with pytest.raises(dcs.DcsError) as info:
            call()
        errors.append(info.value)

    collect(lambda: make_client(sk=TEST_SK + "x").restart([RUNNING_6]))  # 401
    collect(lambda: make_client(ak=None, sk=None, auth_token=TEST_AUTH_TOKEN + "x").restart([RUNNING_6]))
    collect(lambda: make_client(sk=TEST_SK + "\n"))  # C's setter refuses it
    collect(lambda: make_client(sk=TEST_SK + "\0"))  # Python refuses it
    collect(lambda: make_client(auth_token=TEST_AUTH_TOKEN))  # both kinds of credentials
    collect(lambda: make_client(ak=None, sk=None, auth_token=TEST_AUTH_TOKEN + " x"))
    collect(lambda: make_client(security_token=TEST_SECURITY_TOKEN + "\r\n"))
    collect(lambda: make_client(project_id="bad/project"))
    emu.fault("status500")
    collect(lambda: make_client().restart([RUNNING_6]))
    for name, value in client_env(emu, HUAWEICLOUD_SDK_SECURITY_TOKEN=TEST_SECURITY_TOKEN + "\n").items():
        monkeypatch.setenv(name, value)
    collect(dcs.Client.from_env)
    texts = [text for e in errors for text in (str(e), repr(e), e.message, e.args)]
    assert leaked_secrets(*texts) == []
    with make_client() as client:
        assert leaked_secrets(repr(client), vars(client)) == []
