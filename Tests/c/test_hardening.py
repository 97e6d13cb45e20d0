"""Promises under attack (Tests/c/hardening_test.c): fork, proxies, secrets echoed in part,
odd ids, files that would block, answers that contradict themselves."""

import json
import os
import random
import socket
import string
import subprocess
import time
import urllib.parse

import pytest

from c_support import MEMCHECK, REPO, compile_c, under_memcheck
from clients import client_env, leaked
from emulator import TEST_PROJECT_ID
from forward_proxy import ForwardProxy
from tls_proxy import TLSProxy

PROXY_VARIABLES = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY")
# A temporary credential's token is often 1,000 to 2,000 characters.
LONG_TOKEN = "".join(random.Random(10).choice(string.ascii_letters + string.digits + "+/=") for _ in range(1807))
RUN = 8  # no run of this many characters of a secret may show


@pytest.fixture(scope="module")
def hardening_test(libdcs, tmp_path_factory):
    return compile_c(REPO / "Tests" / "c" / "hardening_test.c", tmp_path_factory.mktemp("hard") / "hardening_test",
                     libdcs)


def run_case(program, name, emulator, timeout=120, **extra_env):
    env = client_env(emulator, **extra_env)
    done = subprocess.run(under_memcheck([program, name]), env=env, capture_output=True, text=True,
                          timeout=timeout * (10 if MEMCHECK else 1))
    assert leaked(done.stdout + done.stderr) == [], f"case {name} printed a secret"
    assert done.returncode == 0, f"case {name} failed:\n{done.stderr}"
    return done.stdout


def test_every_case_is_driven(hardening_test):
    listed = subprocess.run([str(hardening_test), "--list"], capture_output=True, text=True, check=True).stdout.split()
    driven = {name[len("test_"):] for name in globals() if name.startswith("test_")}
    assert set(listed) <= driven, f"cases without a driver: {sorted(set(listed) - driven)}"


def pieces_shown(secret, text, run=RUN):
    """How many of the `run`-character pieces of `secret` stand in `text` (never the pieces)."""
    return sum(1 for i in range(len(secret) - run + 1) if secret[i:i + run] in text)


# fork -------------------------------------------------------------------------------------

def test_fork_keeps_each_process_s_answers(hardening_test, emu):
    run_case(hardening_test, "fork_keeps_each_process_s_answers", emu, timeout=300)
    stats = emu.stats()
    assert stats["status_puts"] == 401
    assert stats["api_connections"] == 2  # the parent's, kept; the child's own


def test_fork_writes_nothing_on_the_parent_s_connections(hardening_test, emu, tmp_path):
    with TLSProxy(emu.port, tmp_path) as front:
        run_case(hardening_test, "fork_writes_nothing_on_the_parent_s_connections", emu,
                 DCS_ENDPOINT=front.url, DCS_TEST_CA_FILE=str(front.ca_file))
        assert front.handshakes_failed == 0
        # The parent's session outlived both children: its first connection carried its first
        # call and its last three; the first child's two went on a connection of its own.
        assert front.requests_per_connection == [1 + 3, 2]
    assert emu.stats()["status_puts"] == 1 + 2 + 3


# secrets ----------------------------------------------------------------------------------

def echo_faults():
    """Every field the library copies from an answer, with the token whole, a piece of it, and
    pieces that cross the lengths messages are cut to (error_msg 1024, code 64, request id 128)."""
    fields = ["error_msg", "error_code", "body_request_id", "request_id", "content_type", "html"]
    windows = [(0, 0), (500, 300), (1024 - 20, 60), (64 - 12, 40), (128 - 9, 30), (1800, 0)]
    return [{"source": "token", "field": f, "offset": o, "length": n} for f in fields for o, n in windows]


@pytest.mark.parametrize("credentials", ["security_token", "iam_token"])
def test_answers_that_quote_secrets(hardening_test, emu, credentials):
    faults = echo_faults()
    for fault in faults:
        emu.fault("echo_secret", **fault)
    extra = {"DCS_TEST_LONG_TOKEN": LONG_TOKEN, "DCS_TEST_CALLS": str(len(faults))}
    if credentials == "iam_token":
        extra["DCS_TEST_USE_IAM_TOKEN"] = "1"
    out = run_case(hardening_test, "answers_that_quote_secrets", emu, **extra)
    assert sum(line.startswith("call ") for line in out.splitlines()) == len(faults)
    assert pieces_shown(LONG_TOKEN, out) == 0
    assert "[redacted]" in out


def test_signatures_quoted_in_part_are_hidden(hardening_test, emu):
    """Pieces of the request's own signature (hex, as request ids are) in every field."""
    faults = [{"source": "signature", "field": f, "offset": o, "length": n}
              for f in ("error_msg", "error_code", "request_id", "html") for o, n in ((0, 0), (10, 40), (30, 9))]
    for fault in faults:
        emu.fault("echo_secret", **fault)
    out = run_case(hardening_test, "answers_that_quote_secrets", emu, DCS_TEST_LONG_TOKEN=LONG_TOKEN,
                   DCS_TEST_CALLS=str(len(faults)))
    signatures = [value.rsplit("Signature=", 1)[1] for request in emu.requests()
                  for name, value in request["headers"] if name.lower() == "authorization"]
    assert len(signatures) == len(faults)
    assert [pieces_shown(signature, out) for signature in signatures] == [0] * len(faults)


def test_messages_stay_one_line(hardening_test, emu):
    emu.fault("error_text", message="before\u2028line\u2029para\u202eevil\u2066isolate\u0085next after")
    out = run_case(hardening_test, "messages_stay_one_line", emu)
    for character in "\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u0085":
        assert character not in out, f"U+{ord(character):04X} reached a message or a log line"
    message = next(line for line in out.splitlines() if line.startswith("message "))
    assert "before line para evil isolate next after" in message


# proxies ----------------------------------------------------------------------------------

def test_loopback_is_never_proxied(hardening_test, emu):
    with ForwardProxy() as proxy:
        run_case(hardening_test, "loopback_is_never_proxied", emu, DCS_TEST_PROXY=proxy.url,
                 **{name: proxy.url for name in PROXY_VARIABLES})
        assert proxy.seen == []
    assert emu.stats()["status_puts"] == 2


@pytest.mark.parametrize("named_by", ["setter", "DCS_PROXY"])
def test_https_goes_through_the_named_proxy(hardening_test, emu, tmp_path, named_by):
    with TLSProxy(emu.port, tmp_path) as front, ForwardProxy({"dcs.test:443": ("127.0.0.1", front.port)}) as proxy:
        extra = {"DCS_ENDPOINT": "https://dcs.test", "DCS_TEST_CA_FILE": str(front.ca_file)}
        if named_by == "setter":
            extra["DCS_TEST_PROXY"] = proxy.url
        else:
            extra.update(DCS_PROXY=proxy.url, DCS_TEST_PROXY_BY_ENV="1")
        run_case(hardening_test, "https_goes_through_the_named_proxy", emu, **extra)
        assert [seen["line"] for seen in proxy.seen] == ["CONNECT dcs.test:443 HTTP/1.1"]
        # The tunnel's head names the host, nothing else: the request went inside TLS.
        head = proxy.seen[0]["head"].lower()
        assert b"authorization" not in head and b"x-security-token" not in head and b"/v2/" not in head
    assert emu.stats()["status_puts"] == 1


def test_https_follows_the_environment_s_proxy(hardening_test, emu, tmp_path):
    """With no proxy named, libcurl's reading of the environment (https_proxy) applies."""
    with TLSProxy(emu.port, tmp_path) as front, ForwardProxy({"dcs.test:443": ("127.0.0.1", front.port)}) as proxy:
        run_case(hardening_test, "https_goes_through_the_named_proxy", emu, DCS_ENDPOINT="https://dcs.test",
                 DCS_TEST_CA_FILE=str(front.ca_file), DCS_TEST_PROXY_BY_ENV="1", https_proxy=proxy.url)
        assert [seen["line"] for seen in proxy.seen] == ["CONNECT dcs.test:443 HTTP/1.1"]


def test_proxy_setting_is_checked(hardening_test, emu):
    out = run_case(hardening_test, "proxy_setting_is_checked", emu)
    assert "secret-proxy-password" not in out


def test_a_proxy_password_never_shows(hardening_test, emu):
    """A proxy URL with a password, refused by the proxy's absence: the message names the
    proxy's host, not its password."""
    password = "secret-proxy-password-1234"
    env = client_env(emu, DCS_ENDPOINT="https://dcs.test", DCS_PROXY=f"http://user:{password}@127.0.0.1:9")
    done = subprocess.run([str(REPO / "examples" / "c" / "dcsctl"), "restart", "x"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert pieces_shown(password, done.stdout + done.stderr) == 0


# paths ------------------------------------------------------------------------------------

def test_dot_segments_are_refused(hardening_test, emu):
    run_case(hardening_test, "dot_segments_are_refused", emu)
    assert emu.stats()["api_requests"] == 0


def test_odd_ids_keep_their_path(hardening_test, emu):
    run_case(hardening_test, "odd_ids_keep_their_path", emu)
    ids = ["...", ".a", "a.", "a/../b", "%2e%2e"]
    recorded = emu.requests()
    expected = [f"/v2/{TEST_PROJECT_ID}/instances/{urllib.parse.quote(i, safe='')}" for i in ids]
    assert [r["path"] for r in recorded] == expected + [f"/v2/{TEST_PROJECT_ID}/instances/status"]
    assert json.loads(recorded[-1]["body"])["instances"] == ids


# files ------------------------------------------------------------------------------------

def test_files_that_would_block_are_refused(hardening_test, emu, tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    started = time.monotonic()
    run_case(hardening_test, "files_that_would_block_are_refused", emu, timeout=60,
             DCS_TEST_FIFO=str(fifo), DCS_TEST_DIRECTORY=str(tmp_path))
    assert time.monotonic() - started < 30
    assert emu.stats()["api_requests"] == 0


# answers ----------------------------------------------------------------------------------

def test_an_id_listed_twice_is_unknown(hardening_test, emu):
    emu.fault("repeated_result")
    run_case(hardening_test, "an_id_listed_twice_is_unknown", emu)


def test_an_id_not_asked_for_is_ignored_and_logged(hardening_test, emu):
    emu.fault("unasked_result")
    out = run_case(hardening_test, "an_id_not_asked_for_is_ignored_and_logged", emu)
    assert "log warn the answer to restart of 2 ids, request 1 of 1 also lists 1 ids not asked for, " \
           "ignored: someone-else-s-instance" in out


def test_ids_are_compared_as_bytes(hardening_test, emu):
    run_case(hardening_test, "ids_are_compared_as_bytes", emu)
    (request,) = emu.requests()
    assert json.loads(request["body"])["instances"] == ["caf\u00e9", "cafe\u0301"]


def test_huge_headers_are_a_protocol_error(hardening_test, emu):
    emu.fault("huge_header", bytes=1 << 20)
    run_case(hardening_test, "huge_headers_are_a_protocol_error", emu)


def test_a_deadline_during_the_connect_is_a_timeout(hardening_test, emu):
    """A listener that never accepts, its backlog full: connects hang until the deadline."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    fillers = []
    try:
        for _ in range(4):
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(listener.getsockname())
            fillers.append(filler)
        time.sleep(0.2)
        run_case(hardening_test, "a_deadline_during_the_connect_is_a_timeout", emu,
                 DCS_ENDPOINT=f"http://127.0.0.1:{listener.getsockname()[1]}")
    finally:
        for filler in fillers:
            filler.close()
        listener.close()
