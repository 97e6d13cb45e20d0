"""A client made before fork() and used by both processes, as gunicorn, uWSGI, Celery's prefork
pool and multiprocessing's fork start method use one made at import time: each process reads
only the answers to its own requests."""

import multiprocessing
import os

import dcs
from binding_support import RUNNING_3, RUNNING_6

CALLS = 100


def outcomes(client, action, instance_id, calls=CALLS):
    """The outcome of each of `calls` calls, a partial failure's included."""
    seen = []
    for _ in range(calls):
        try:
            seen += [result.outcome for result in client.call(action, [instance_id])]
        except dcs.DcsError as error:
            seen += [result.outcome for result in error.results] or [error.status_name]
    return seen


def test_os_fork_keeps_each_process_s_answers(make_client, emu):
    client = make_client()
    client.restart([RUNNING_6])  # a connection kept from before the fork
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the child restarts an instance the service restarts: success each time
        code = 1
        try:
            seen = outcomes(client, "restart", RUNNING_6)
            code = 0 if seen == [dcs.Outcome.SUCCESS] * CALLS else 1
            os.write(write, repr(sorted(set(map(str, seen)))).encode())
        finally:
            os._exit(code)
    os.close(write)
    # The parent flushes one the service refuses to flush: failed each time.
    seen = outcomes(client, "flush", RUNNING_3)
    _, status = os.waitpid(child, 0)
    child_saw = os.read(read, 4096).decode()
    os.close(read)
    assert seen == [dcs.Outcome.FAILED] * CALLS
    assert os.WEXITSTATUS(status) == 0, f"the child saw {child_saw}"
    assert emu.stats()["status_puts"] == 1 + 2 * CALLS


# multiprocessing: the client of the module, made before the pool forks its workers.
_client = None


def _worker(_):
    return [str(outcome) for outcome in outcomes(_client, "restart", RUNNING_6, calls=25)]


def test_multiprocessing_fork_workers_keep_their_answers(make_client, emu):
    global _client
    _client = make_client()
    _client.restart([RUNNING_6])  # a connection kept from before the fork
    context = multiprocessing.get_context("fork")
    with context.Pool(3) as pool:
        pending = pool.map_async(_worker, range(6))
        parent = outcomes(_client, "flush", RUNNING_3, calls=50)  # meanwhile, on the kept connection
        workers = pending.get(timeout=120)
    _client = None
    assert parent == [dcs.Outcome.FAILED] * 50
    assert workers == [["success"] * 25] * 6
    assert emu.stats()["status_puts"] == 1 + 50 + 6 * 25
