"""One client shared by threads: calls run in parallel, and close() never frees the C client
under a call that is still running."""

import json
import subprocess
import sys
import threading
import time

import dcs
from binding_support import RUNNING_4, RUNNING_5, RUNNING_6, client_env
from emulator import TEST_AK, TEST_PROJECT_ID, TEST_SK

THREADS = 8
CALLS_PER_THREAD = 50


def test_8_threads_share_one_client(client, emu):
    ids = [RUNNING_6, RUNNING_5, RUNNING_4]
    problems = []

    def work():
        for _ in range(CALLS_PER_THREAD):
            try:
                got = client.flush(ids)
                if got != [dcs.Result(i, dcs.Outcome.SUCCESS) for i in ids]:
                    problems.append(got)
            except Exception as error:  # noqa: BLE001 - every failure is reported
                problems.append(repr(error))

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert problems == []
    stats = emu.stats()
    assert stats["api_requests"] == THREADS * CALLS_PER_THREAD
    assert 1 <= stats["api_connections"] <= THREADS  # connections are reused


def test_calls_run_in_parallel(client, emu):
    """ctypes releases the GIL during the C call: four 1 s answers take about 1 s, not 4."""
    emu.fault("delay", count=4, ms=1000)
    done = []
    threads = [threading.Thread(target=lambda: done.append(client.restart([RUNNING_6]))) for _ in range(4)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(done) == 4
    assert time.monotonic() - started < 2.5


def run_python(code, emu, timeout=60):
    """Runs `code` in a fresh interpreter (a crash there fails the test, not the test run); returns
    the JSON document it prints."""
    done = subprocess.run([sys.executable, "-c", code], env=client_env(emu), capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, f"exit {done.returncode} (a negative one is a signal):\n{done.stderr}"
    return json.loads(done.stdout)


# Counts the C client frees, and the calls running in C when each happened.
LEDGER = """
import json, sys, threading, time
import dcs
from dcs import _native

lib = _native.library()
real_call, real_free = lib.dcs_call, lib.dcs_client_free
state = {"running": 0, "frees": 0, "frees_under_a_call": 0}
lock = threading.Lock()

def counted_call(*args):
    with lock:
        state["running"] += 1
    try:
        return real_call(*args)
    finally:
        with lock:
            state["running"] -= 1

def counted_free(handle):
    with lock:
        state["frees"] += 1
        state["frees_under_a_call"] += state["running"] > 0
    real_free(handle)

lib.dcs_call, lib.dcs_client_free = counted_call, counted_free
"""


def test_close_during_a_call_waits_for_it_to_end_before_freeing(emu):
    emu.fault("delay", ms=1500)
    report = run_python(LEDGER + """
RUNNING_6 = "2e803f66-fbb0-47ad-b6cb-fb87f5bed4ef"
client = dcs.Client.from_env()
outcome = []
caller = threading.Thread(target=lambda: outcome.append(client.restart([RUNNING_6])))
caller.start()
while state["running"] == 0:
    time.sleep(0.01)
time.sleep(0.3)  # the request is with the emulator now
client.close()
frees_at_close = state["frees"]
try:
    client.restart([RUNNING_6])
    after_close = "returned"
except dcs.InvalidArgument as error:
    after_close = error.message
caller.join()
print(json.dumps({"frees_at_close": frees_at_close, "after_close": after_close,
                  "call": [str(r.outcome) for r in outcome[0]], **state}))
""", emu)
    assert report["frees_at_close"] == 0  # the call was still running: not freed yet
    assert report["call"] == ["success"]  # the running call ended normally
    assert report["after_close"] == "the client is closed"
    assert report["frees"] == 1 and report["frees_under_a_call"] == 0  # freed once, when it ended
    assert emu.stats()["api_requests"] == 1


def test_close_racing_with_calls_never_crashes(emu):
    report = run_python(LEDGER + """
RUNNING = ["2e803f66-fbb0-47ad-b6cb-fb87f5bed4ef", "5b7c1a2e-3f4d-4e5a-9b6c-7d8e9f0a1b2c"]
outcomes = {"success": 0, "closed": 0, "other": []}
count = threading.Lock()

def hammer(client):
    while True:
        try:
            client.flush(RUNNING)
            key = "success"
        except dcs.InvalidArgument as error:
            if error.message != "the client is closed":
                raise
            key = "closed"
        except BaseException as error:
            with count:
                outcomes["other"].append(repr(error))
            return
        with count:
            outcomes[key] += 1
        if key == "closed":
            return

for round in range(20):
    client = dcs.Client.from_env()
    threads = [threading.Thread(target=hammer, args=(client,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    time.sleep(0.002 * (round % 7))
    client.close()
    for thread in threads:
        thread.join()
print(json.dumps({**outcomes, **state}))
""", emu, timeout=120)
    assert report["other"] == []
    assert report["closed"] == 20 * 8  # every thread saw the close, none crashed
    assert report["frees"] == 20 and report["frees_under_a_call"] == 0


def test_a_client_never_closed_is_freed_once_when_collected(emu, native):
    import gc

    client = dcs.Client(endpoint=emu.url, project_id=TEST_PROJECT_ID, ak=TEST_AK, sk=TEST_SK)
    client.flush([RUNNING_6])
    del client
    gc.collect()
    assert native.calls.get("dcs_client_free") == 1
    assert native.unbalanced() == []
