"""Arguments are checked in Python before anything reaches C: wrong types raise TypeError, bad
values InvalidArgument (a ValueError), never a crash, and nothing is sent."""

import math
import pathlib

import pytest

import dcs
from binding_support import RUNNING_5, RUNNING_6, leaked_secrets
from emulator import TEST_AUTH_TOKEN, TEST_SECURITY_TOKEN, TEST_SK


def nothing_sent(emu):
    stats = emu.stats()
    return stats["api_requests"] == 0 and stats["api_connections"] == 0


@pytest.mark.parametrize("ids", [
    pytest.param([RUNNING_6, RUNNING_5.encode()], id="bytes-id"),
    pytest.param([RUNNING_6, None], id="None-id"),
    pytest.param([RUNNING_6, 7], id="int-id"),
    pytest.param(RUNNING_6, id="bare-str"),
    pytest.param(RUNNING_6.encode(), id="bare-bytes"),
    pytest.param(bytearray(b"abc"), id="bytearray"),
    pytest.param(None, id="None"),
    pytest.param(42, id="int"),
    pytest.param(iter([RUNNING_6, 3.5]), id="float-in-iterator"),
])
def test_wrong_type_of_ids_raises_type_error_before_any_c_call(client, emu, native, ids):
    before = native.c_calls()
    with pytest.raises(TypeError):
        client.restart(ids)
    assert native.c_calls() == before
    assert nothing_sent(emu)


def test_type_error_names_the_wrong_id(client):
    with pytest.raises(TypeError, match=r"instance_ids\[1\] must be a str, not bytes"):
        client.flush([RUNNING_6, b"x"])
    with pytest.raises(TypeError, match="not a single str"):
        client.flush(RUNNING_6)


def test_nul_in_an_id_is_invalid_before_any_c_call(client, emu, native):
    before = native.c_calls()
    with pytest.raises(ValueError, match=r"instance_ids\[0\] holds a NUL character"):
        client.soft_restart(["abc\0def"])
    assert native.c_calls() == before
    assert nothing_sent(emu)


@pytest.mark.parametrize("ids, message", [
    ([], "count is 0"), ([RUNNING_6, ""], r"instance_ids\[1\] is empty"),
    ([RUNNING_6, RUNNING_5, RUNNING_6], r"instance_ids\[2\] repeats instance_ids\[0\]"),
    (["tab\there"], r"instance_ids\[0\] holds a control character \(U\+0009\)"),
    (["abc\udcff"], r"instance_ids\[0\] is not valid UTF-8"),  # the byte 0xff, as sys.argv decodes it
    (["x" * 129], r"instance_ids\[0\] is longer than 128 bytes"),
])
def test_check_instance_ids_says_what_a_call_would_without_a_client(client, emu, ids, message):
    with pytest.raises(dcs.InvalidArgument, match=message) as checked:
        dcs.check_instance_ids(ids)
    with pytest.raises(dcs.InvalidArgument) as called:
        client.restart(ids)
    assert checked.value.message == called.value.message
    assert nothing_sent(emu)


def test_check_instance_ids_accepts_what_a_call_accepts():
    assert dcs.check_instance_ids([RUNNING_6, "café", "b" * 128]) is None
    assert dcs.check_instance_ids(iter([RUNNING_5])) is None
    with pytest.raises(TypeError):
        dcs.check_instance_ids(RUNNING_6)
    with pytest.raises(dcs.InvalidArgument, match="NUL"):
        dcs.check_instance_ids(["a\0b"])


@pytest.mark.parametrize("timeout, error", [
    ("1", TypeError), (True, TypeError), (None, None), (0, dcs.InvalidArgument), (-1, dcs.InvalidArgument),
    (0.0004, dcs.InvalidArgument), (math.nan, dcs.InvalidArgument), (math.inf, dcs.InvalidArgument),
    (5e6, dcs.InvalidArgument), (0.001, dcs.Timeout), (4294967.295, None), (3, None),
])
def test_call_timeout_is_checked(client, emu, timeout, error):
    if error is dcs.Timeout:  # accepted, but too short to be sure of the answer
        try:
            client.flush([RUNNING_6], timeout=timeout)
        except dcs.Timeout:
            pass
    elif error is None:
        assert client.flush([RUNNING_6], timeout=timeout)[0].outcome is dcs.Outcome.SUCCESS
    else:
        with pytest.raises(error, match="timeout"):
            client.flush([RUNNING_6], timeout=timeout)
        assert nothing_sent(emu)


@pytest.mark.parametrize("settings, error, message", [
    ({"timeout": 0}, dcs.InvalidArgument, "timeout must be from 0.001"),
    ({"connect_timeout": -1}, dcs.InvalidArgument, "connect_timeout must be from 0.001"),
    # Range checks are the library's: its message, after the keyword arguments it is about.
    ({"connect_timeout": 5, "timeout": 2}, dcs.InvalidArgument, "connect_timeout/timeout: connect_ms must not exceed total_ms"),
    ({"connect_timeout": 40}, dcs.InvalidArgument, "connect_timeout/timeout: connect_ms must not exceed total_ms"),
    ({"timeout": "30"}, TypeError, "timeout must be a number of seconds"),
    ({"max_retries": 11}, dcs.InvalidArgument, "max_retries: retries must be at most 10"),
    ({"max_retries": -1}, dcs.InvalidArgument, "max_retries must not be negative"),
    ({"max_retries": 1.5}, TypeError, "max_retries must be an int"),
    ({"insecure": "yes"}, TypeError, "insecure must be a bool"),
    ({"endpoint": b"http://127.0.0.1:1"}, TypeError, "endpoint must be a str, not bytes"),
    ({"endpoint": "ftp://host"}, dcs.InvalidArgument, "url must start with https://"),  # C's setter
    ({"region": "CN North"}, dcs.InvalidArgument, "region"),
    ({"project_id": "a/b"}, dcs.InvalidArgument, "project_id"),
    ({"project_id": "a\0b"}, dcs.InvalidArgument, "project_id holds a NUL character"),
    ({"ak": None}, dcs.InvalidArgument, "ak and sk must be given together"),
    ({"ak": None, "sk": None, "security_token": "t"}, dcs.InvalidArgument, "security_token needs ak and sk"),
    ({"auth_token": "t"}, dcs.InvalidArgument, "ak and sk, or auth_token, not both"),
    ({"ca_file": 3}, TypeError, "ca_file must be a str or os.PathLike"),
    ({"ca_file": "/x\0y"}, dcs.InvalidArgument, "ca_file holds a NUL character"),
    ({"proxy": "ftp://proxy"}, dcs.InvalidArgument, "proxy: proxy_url must start with http://"),
    ({"proxy": 3128}, TypeError, "proxy must be a str"),
])
def test_settings_are_checked(make_client, emu, settings, error, message):
    with pytest.raises(error, match=message):
        make_client(**settings)
    assert nothing_sent(emu)


def test_timeouts_in_seconds_reach_c_as_milliseconds(make_client, monkeypatch):
    from dcs import _native

    seen = []
    set_timeouts = _native.library().dcs_config_set_timeouts

    def spy(cfg, connect_ms, total_ms):
        seen.append((connect_ms, total_ms))
        return set_timeouts(cfg, connect_ms, total_ms)

    monkeypatch.setattr(_native.library(), "dcs_config_set_timeouts", spy)
    make_client(connect_timeout=1.5, timeout=2.25)
    make_client(timeout=4)  # connect_timeout: min(10, timeout)
    make_client(timeout=0.5)
    make_client(connect_timeout=20)  # timeout: the default 30
    make_client()  # neither: the setter is not called
    assert seen == [(1500, 2250), (4000, 4000), (500, 500), (20000, 30000)]


def test_ca_file_takes_a_path(make_client):
    with pytest.raises(dcs.ConfigError, match="/nonexistent/ca.pem cannot be read"):
        make_client(ca_file=pathlib.Path("/nonexistent/ca.pem"))


def test_insecure_allows_plain_http_to_any_host(make_client):
    with pytest.raises(dcs.ConfigError, match="plain HTTP"):
        make_client(endpoint="http://dcs.example.com")
    make_client(endpoint="http://dcs.example.com", insecure=True).close()


def test_call_after_close_is_invalid_and_touches_nothing(client, emu, native):
    client.close()
    client.close()  # idempotent
    assert client.closed
    before = native.c_calls()
    with pytest.raises(dcs.InvalidArgument, match="the client is closed") as info:
        client.restart([RUNNING_6])
    assert isinstance(info.value, ValueError)
    assert native.c_calls() == before
    assert nothing_sent(emu)


def test_with_block_closes(make_client, native):
    with make_client() as client:
        assert not client.closed
    assert client.closed and native.calls.get("dcs_client_free") == 1


def test_bad_secret_values_are_refused_without_showing_them(make_client, emu):
    messages = []
    for settings in ({"sk": TEST_SK + "\0"}, {"sk": TEST_SK + "\n"}, {"sk": TEST_SK.encode()},
                     {"ak": None, "sk": None, "auth_token": TEST_AUTH_TOKEN + "\n"},
                     {"ak": None, "sk": None, "auth_token": TEST_AUTH_TOKEN + "\udc80\ud800"},
                     {"security_token": TEST_SECURITY_TOKEN + "\0"}):
        with pytest.raises((TypeError, ValueError)) as info:
            make_client(**settings)
        messages += [str(info.value), repr(info.value)]
    assert leaked_secrets(*messages) == []
    assert nothing_sent(emu)
