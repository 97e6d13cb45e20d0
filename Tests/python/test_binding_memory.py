"""Memory: every object C hands out is freed exactly once, and thousands of calls do not grow
the process."""

import gc
import tracemalloc

import dcs
from binding_support import GENERATED, RUNNING_3, RUNNING_6, client_env
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
    # What the ledger saw: a config per client attempt (4 + from_env), results and errors per call.
    assert native.handed_out["config"] == 5 and native.handed_out["client"] == 1
    assert native.handed_out["results"] == 5 and native.handed_out["error"] >= 4 + 3


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
