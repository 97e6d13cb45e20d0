"""Cancellation through the Python binding: CancelToken, cancel=, Client.cancel_all(), and what
Ctrl-C does."""

import gc
import json
import signal
import subprocess
import sys
import threading
import time

import pytest

import dcs
from binding_support import RUNNING_4, RUNNING_5, RUNNING_6, client_env

S, F, N, U = dcs.Outcome.SUCCESS, dcs.Outcome.FAILED, dcs.Outcome.NOT_SENT, dcs.Outcome.UNKNOWN

CANCEL_AFTER = 0.3
CANCELLED_WITHIN = 0.8  # the trigger at 0.3 s, then about 50 ms in C: not the seconds the answer takes


@pytest.fixture
def token():
    """A CancelToken, closed after the test (a token left to the garbage collector would be freed
    during a later test, under another test's ledger)."""
    with dcs.CancelToken() as made:
        yield made


def raised(call, cls):
    with pytest.raises(dcs.DcsError) as info:
        call()
    assert type(info.value) is cls
    return info.value


def cancelled_call(call, token, after=CANCEL_AFTER):
    """(the Cancelled error, seconds taken) of `call` while another thread cancels `token` after `after` s."""
    timer = threading.Timer(after, token.cancel)
    started = time.monotonic()
    timer.start()
    try:
        error = raised(call, dcs.Cancelled)
    finally:
        timer.join()
    return error, time.monotonic() - started


def wait_for(condition, seconds=10):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.01)


def test_cancel_from_another_thread_during_a_delayed_answer(client, emu):
    emu.fault("delay", ms=5000)
    with dcs.CancelToken() as token:
        error, elapsed = cancelled_call(lambda: client.restart([RUNNING_6, RUNNING_5], cancel=token), token)
        assert token.cancelled
    assert elapsed < CANCELLED_WITHIN
    assert error.status is dcs.Status.ECANCELED and error.status_name == "DCS_ECANCELED"
    assert error.results == [dcs.Result(RUNNING_6, U), dcs.Result(RUNNING_5, U)]  # sent: may have been applied
    assert "cancelled" in error.message
    assert emu.stats()["status_puts"] == 1


def test_a_status_query_is_bounded_and_cancelled_like_the_calls(client, emu, token):
    """instance_status goes through dcs_get_instance_status_with: timeout= is its deadline, and a
    token or cancel_all() ends it within about 50 ms, not when the delayed answer comes."""
    emu.fault("delay", count=3, ms=3000)
    error, elapsed = cancelled_call(lambda: client.instance_status(RUNNING_6, cancel=token), token)
    assert elapsed < CANCELLED_WITHIN and error.status is dcs.Status.ECANCELED
    started = time.monotonic()
    assert type(raised(lambda: client.instance_status(RUNNING_6, timeout=CANCEL_AFTER), dcs.Timeout)) is dcs.Timeout
    assert time.monotonic() - started < CANCELLED_WITHIN
    timer = threading.Timer(CANCEL_AFTER, client.cancel_all)
    started = time.monotonic()
    timer.start()
    try:
        raised(lambda: client.instance_status(RUNNING_6), dcs.Cancelled)
    finally:
        timer.join()
    assert time.monotonic() - started < CANCELLED_WITHIN
    assert emu.stats()["status_gets"] == 3


def test_a_token_cancelled_before_the_call_sends_nothing(client, emu, token):
    token.cancel()
    token.cancel()  # idempotent
    error = raised(lambda: client.flush([RUNNING_6, RUNNING_5], cancel=token), dcs.Cancelled)
    assert error.results == [dcs.Result(RUNNING_6, N), dcs.Result(RUNNING_5, N)]
    error = raised(lambda: client.restart([RUNNING_6], wait=True, cancel=token), dcs.Cancelled)
    assert error.results == [dcs.Result(RUNNING_6, N)]
    error = raised(lambda: client.wait_running([RUNNING_6], timeout=10, cancel=token), dcs.Cancelled)
    assert error.results == [dcs.Result(RUNNING_6, U)]  # the wait's UNKNOWN: not known to run
    stats = emu.stats()
    assert stats["api_requests"] == 0 and stats["api_connections"] == 0


def test_cancel_a_wait(make_client, slow_emu, token):
    client = make_client(slow_emu)
    client.restart([RUNNING_6])  # RESTARTING for 60 s
    error, elapsed = cancelled_call(lambda: client.wait_running([RUNNING_6], timeout=60, cancel=token), token)
    assert elapsed < CANCELLED_WITHIN
    assert error.results == [dcs.Result(RUNNING_6, U)]


def test_cancel_the_wait_of_a_restart(make_client, slow_emu, token):
    client = make_client(slow_emu)
    error, elapsed = cancelled_call(lambda: client.restart([RUNNING_6, RUNNING_5], wait=True, cancel=token), token,
                                    after=0.5)
    assert elapsed < 0.5 + CANCELLED_WITHIN - CANCEL_AFTER
    assert error.results == [dcs.Result(RUNNING_6, U), dcs.Result(RUNNING_5, U)]
    assert slow_emu.stats()["status_puts"] == 1  # restarted; only the wait was cut short


def test_one_token_ends_calls_on_several_clients_and_threads(make_client, emu, token):
    emu.fault("delay", count=3, ms=5000)
    clients = [make_client(), make_client(), make_client()]
    errors = []

    def work(client, instance):
        try:
            client.restart([instance], cancel=token)
        except dcs.Cancelled as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(c, i)) for c, i in zip(clients, (RUNNING_6, RUNNING_5, RUNNING_4))]
    for thread in threads:
        thread.start()
    wait_for(lambda: emu.stats()["status_puts"] == 3)
    started = time.monotonic()
    token.cancel()
    for thread in threads:
        thread.join()
    assert time.monotonic() - started < 0.5
    assert len(errors) == 3 and all(e.results[0].outcome is U for e in errors)


def test_cancel_all_ends_the_calls_in_flight_on_that_client_only(make_client, emu, token):
    emu.fault("delay", count=3, ms=1500)
    client, other = make_client(), make_client()
    own_token = token
    outcomes = {}

    def work(name, call):
        try:
            outcomes[name] = call()
        except dcs.DcsError as error:
            outcomes[name] = error

    threads = [threading.Thread(target=work, args=args) for args in (
        ("plain", lambda: client.restart([RUNNING_6])),
        ("with_token", lambda: client.flush([RUNNING_5], cancel=own_token)),
        ("other_client", lambda: other.restart([RUNNING_4], cancel=own_token)),
    )]
    for thread in threads:
        thread.start()
    wait_for(lambda: emu.stats()["api_requests"] == 3)
    started = time.monotonic()
    assert client.cancel_all() == 2
    for thread in threads[:2]:
        thread.join()
    assert time.monotonic() - started < 0.5
    threads[2].join()
    assert type(outcomes["plain"]) is dcs.Cancelled and outcomes["plain"].results == [dcs.Result(RUNNING_6, U)]
    assert type(outcomes["with_token"]) is dcs.Cancelled
    # Not the other client's call, though it shares the token: the token itself was not cancelled.
    assert outcomes["other_client"] == [dcs.Result(RUNNING_4, S)]
    assert not own_token.cancelled
    # Nor the calls that come after.
    assert client.cancel_all() == 0
    assert client.restart([RUNNING_6], cancel=own_token) == [dcs.Result(RUNNING_6, S)]


def test_a_closed_token_refuses_new_calls_before_any_c_call(client, emu, native, token):
    token.close()
    token.close()  # idempotent
    assert token.closed and not token.cancelled
    assert repr(token) == "<dcs.CancelToken not cancelled, closed>"
    before = native.c_calls()
    with pytest.raises(dcs.InvalidArgument, match="the cancel token is closed"):
        client.restart([RUNNING_6], cancel=token)
    with pytest.raises(TypeError, match="cancel must be a dcs.CancelToken"):
        client.flush([RUNNING_6], cancel="yes")
    assert native.c_calls() == before
    assert emu.stats()["api_requests"] == 0
    with dcs.CancelToken() as cancelled:
        cancelled.cancel()
        assert repr(cancelled) == "<dcs.CancelToken cancelled>"
    assert cancelled.cancelled  # remembered after close


def test_closing_a_token_while_a_call_uses_it_is_safe_and_it_still_cancels(client, emu, native, token):
    emu.fault("delay", ms=5000)
    outcome = []
    caller = threading.Thread(target=lambda: outcome.append(raised(lambda: client.restart([RUNNING_6], cancel=token),
                                                                   dcs.Cancelled)))
    caller.start()
    wait_for(lambda: emu.stats()["status_puts"] == 1)
    token.close()  # the C token is freed now: the call runs with a token of its own
    assert native.calls["dcs_cancel_free"] == 1
    started = time.monotonic()
    token.cancel()
    caller.join()
    assert time.monotonic() - started < 0.5 and outcome[0].results == [dcs.Result(RUNNING_6, U)]
    assert native.unbalanced() == []


def test_every_cancel_token_is_freed_exactly_once(client, emu, native):
    with dcs.CancelToken() as token:
        for _ in range(3):
            client.flush([RUNNING_6], cancel=token)
    dropped = dcs.CancelToken()  # never closed: freed when collected
    client.flush([RUNNING_6], cancel=dropped)
    del dropped
    gc.collect()
    client.flush([RUNNING_6])
    client.wait_running([RUNNING_6], timeout=10)
    client.instance_status(RUNNING_6)
    assert native.unbalanced() == []
    # Two tokens of the caller, and one per call.
    assert native.handed_out["cancel"] == 2 + 7 and native.calls["dcs_cancel_free"] == 9


CHILD = """
import json, signal, sys, time
import concurrent.futures
import dcs

RUNNING_6 = "2e803f66-fbb0-47ad-b6cb-fb87f5bed4ef"
client = dcs.Client.from_env()
"""


def run_child(code, env, interrupt_after=0.5):
    """Runs `code` in a fresh interpreter, sends it SIGINT `interrupt_after` s after it prints
    "ready", and returns the JSON document it prints last."""
    child = subprocess.Popen([sys.executable, "-c", CHILD + code], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ready"
        time.sleep(interrupt_after)
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == 0, err
    return json.loads(out.splitlines()[-1])


def test_ctrl_c_cancels_through_a_signal_handler_while_a_worker_thread_calls(slow_emu):
    """The README's pattern: the call runs in a worker thread; the main thread, waiting on the
    future, runs the SIGINT handler, which cancels the token."""
    report = run_child("""
token = dcs.CancelToken()
signal.signal(signal.SIGINT, lambda signum, frame: token.cancel())
with concurrent.futures.ThreadPoolExecutor(1) as pool:
    future = pool.submit(client.restart, [RUNNING_6], wait=True, cancel=token)
    print("ready", flush=True)
    started = time.monotonic()
    try:
        future.result()
        raised = None
    except dcs.DcsError as error:
        raised = type(error).__name__
print(json.dumps({"raised": raised, "seconds": time.monotonic() - started}))
""", client_env(slow_emu))
    assert report["raised"] == "Cancelled"
    assert report["seconds"] < 0.5 + 2  # the signal 0.5 s after "ready", then promptly: not the 600 s wait


CTRL_C_IN_THE_CALLING_THREAD = """
if LOGGING:
    import logging
    logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
    client = dcs.Client.from_env(logger=logging.getLogger("dcs"))
print("ready", flush=True)
started = time.monotonic()
try:
    client.wait_running([RUNNING_6], timeout=30)
    raised, context = None, None
except KeyboardInterrupt as interrupt:
    raised, context = "KeyboardInterrupt", type(interrupt.__context__).__name__
except dcs.DcsError as error:
    raised, context = type(error).__name__, None
print(json.dumps({"raised": raised, "context": context, "seconds": time.monotonic() - started}))
"""


@pytest.mark.parametrize("logging", [False, True])
def test_ctrl_c_in_the_calling_thread_cancels_the_call_and_raises(slow_emu, logging):
    """Ctrl-C while the main thread is inside C: the call is cancelled at once, and
    KeyboardInterrupt raised when it returns, with the Cancelled call as its context; also with
    a logger, whose callback the interrupt could otherwise hit (and be lost in)."""
    slow_emu.set_instance_status(RUNNING_6, "RESTARTING")
    report = run_child(f"LOGGING = {logging}\n" + CTRL_C_IN_THE_CALLING_THREAD, client_env(slow_emu))
    assert report["raised"] == "KeyboardInterrupt" and report["context"] == "Cancelled"
    assert report["seconds"] < 0.5 + 2  # the signal 0.5 s after "ready", then promptly: not the 30 s


def test_ctrl_c_with_the_program_s_own_handler_is_the_program_s(slow_emu):
    """A SIGINT handler of the program's own stays in charge: the binding does not replace it."""
    slow_emu.set_instance_status(RUNNING_6, "RESTARTING")
    report = run_child("""
seen = []
signal.signal(signal.SIGINT, lambda signum, frame: seen.append(signum))
print("ready", flush=True)
try:
    client.wait_running([RUNNING_6], timeout=2)
except dcs.DcsError as error:
    pass
print(json.dumps({"handled": len(seen)}))
""", client_env(slow_emu))
    assert report["handled"] == 1
