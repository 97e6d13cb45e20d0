"""Memory: every object C hands out is freed exactly once, and thousands of calls do not grow
the process."""

import gc
import tracemalloc

import dcs
from binding_support import FROZEN, GENERATED, RUNNING_3, RUNNING_6, client_env
from emulator import TEST_AK, TEST_PROJECT_ID, TEST_SK

CALLS = 3000
TRACED_CALLS = 1000  # tracemalloc slows every allocation down


def rss_bytes():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096


IDS = GENERATED[:40]  # enough per call that a leak of the results shows within the bound


def one_round(client, n):
    """Success, a partial failure (results copied into the exception), a C-side invalid argument."""
    kind = n % 3
    try:
        if kind == 0:
            client.flush(IDS)
        elif kind == 1:
            client.flush(IDS + [RUNNING_3])
        else:
            client.flush(IDS + [IDS[0]])
    except (dcs.PartialFailure, dcs.InvalidArgument):
        pass


def test_every_object_c_hands_out_is_freed_exactly_once(emu, make_client, native, monkeypatch):
    client = make_client()
    for n in range(6):
        one_round(client, n)
    emu.fault("status500")
    try:
        client.restart([RUNNING_6])
    except dcs.ApiError:
        pass
    for failing in (dict(endpoint=None), dict(project_id="a/b"), dict(ca_file="/nonexistent")):
        try:
            make_client(**failing)
        except (dcs.ConfigError, dcs.InvalidArgument):
            pass
    for name, value in client_env(emu, HUAWEICLOUD_SDK_PROJECT_ID="bad/project").items():
        monkeypatch.setenv(name, value)
    try:
        dcs.Client.from_env()
    except dcs.ConfigError:
        pass
    client.close()
    assert native.unbalanced() == []
    # What the ledger saw: a config per client attempt (4 + from_env), results and errors per call,
    # and a cancel token per call.
    assert native.handed_out["config"] == 5 and native.handed_out["client"] == 1
    assert native.handed_out["results"] == 5 and native.handed_out["error"] >= 4 + 3
    assert native.handed_out["cancel"] == 7


def test_the_new_calls_free_every_object_exactly_once(emu, make_client, native):
    """instance_status, wait_running, waits, cancellation and logging: the same ledger."""
    import logging

    logger = logging.getLogger("dcs-memory-test")
    logger.propagate = False
    logger.addHandler(logging.NullHandler())
    client = make_client(logger=logger, busy_retry=1)
    client.instance_status(RUNNING_6)
    for failing in (lambda: client.instance_status("no-such-instance"),
                    lambda: client.wait_running([RUNNING_6, FROZEN], timeout=5),
                    lambda: client.restart([RUNNING_6, FROZEN], wait=5)):
        try:
            failing()
        except (dcs.ApiError, dcs.PartialFailure):
            pass
    client.wait_running([RUNNING_6], timeout=5)
    with dcs.CancelToken() as token:
        token.cancel()
        for _ in range(2):
            try:
                client.flush([RUNNING_6], cancel=token)
            except dcs.Cancelled:
                pass
    client.close()
    assert native.unbalanced() == []
    assert native.handed_out["results"] == 5 and native.handed_out["error"] == 5
    assert native.handed_out["cancel"] == 1 + 7  # the caller's token, and one per call


def test_thousands_of_waits_and_cancellations_do_not_grow_the_process(emu):
    import logging

    logger = logging.getLogger("dcs-memory-test")
    logger.propagate = False
    logger.addHandler(logging.NullHandler())
    client = dcs.Client(endpoint=emu.url, project_id=TEST_PROJECT_ID, ak=TEST_AK, sk=TEST_SK, logger=logger)
    cancelled = dcs.CancelToken()
    cancelled.cancel()

    def round_(n):
        try:
            if n % 100 == 0:  # a wait polls every 250 ms at least: a few only
                client.wait_running(IDS[:5], timeout=5)
            elif n % 2:
                client.instance_status(IDS[n % len(IDS)])
            else:
                with dcs.CancelToken() as token:
                    client.flush(IDS, cancel=token if n % 4 else cancelled)
        except dcs.Cancelled:
            pass

    for n in range(300):
        round_(n)
    gc.collect()
    before = rss_bytes()
    for n in range(1, CALLS):
        round_(n)
    gc.collect()
    growth = rss_bytes() - before
    client.close()
    cancelled.close()
    assert growth < 5 * 2**20, f"RSS grew by {growth} bytes over {CALLS} calls"


def test_thousands_of_calls_do_not_grow_the_process(emu):
    client = dcs.Client(endpoint=emu.url, project_id=TEST_PROJECT_ID, ak=TEST_AK, sk=TEST_SK)
    for n in range(300):  # warm-up: connections, caches, allocator pools
        one_round(client, n)
    gc.collect()
    before = rss_bytes()
    for n in range(CALLS):
        one_round(client, n)
    gc.collect()
    growth = rss_bytes() - before
    client.close()
    assert growth < 5 * 2**20, f"RSS grew by {growth} bytes over {CALLS} calls"


def test_thousands_of_calls_keep_no_python_objects(emu):
    client = dcs.Client(endpoint=emu.url, project_id=TEST_PROJECT_ID, ak=TEST_AK, sk=TEST_SK)
    for n in range(300):
        one_round(client, n)
    tracemalloc.start()
    try:
        gc.collect()
        before = tracemalloc.take_snapshot()
        for n in range(TRACED_CALLS):
            one_round(client, n)
        gc.collect()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    growth = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    client.close()
    assert growth < 100 * 1024, f"Python allocations grew by {growth} bytes over {TRACED_CALLS} calls"


def test_clients_made_and_closed_do_not_grow_the_process(emu):
    def cycle():
        with dcs.Client(endpoint=emu.url, project_id=TEST_PROJECT_ID, ak=TEST_AK, sk=TEST_SK) as client:
            client.flush([RUNNING_6])

    for _ in range(50):
        cycle()
    gc.collect()
    before = rss_bytes()
    for _ in range(500):
        cycle()
    gc.collect()
    growth = rss_bytes() - before
    assert growth < 5 * 2**20, f"RSS grew by {growth} bytes over 500 clients"
