"""dcs-emulator --redis: every instance is a real redis-server, restarted and flushed through the
API (requests signed by Huawei's official signer), and none is left behind when the emulator goes."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from emulator import Emulator, EmulatorError, LISTENING_PREFIX, credential_args, emulator_binary
from test_emulator import (FROZEN_5, RUNNING_3, RUNNING_4, RUNNING_5, RUNNING_6, api_status, restart, results,
                           status_of)

APT_HINT = "redis-server is not installed: sudo apt-get install -y redis-server"


@pytest.fixture(scope="module")
def redis_server():
    """The redis-server these tests need. Missing, the tests fail (they never skip)."""
    path = shutil.which("redis-server")
    if path is None:
        pytest.fail(APT_HINT, pytrace=False)
    return path


@pytest.fixture
def redis_emulator(redis_server):
    with Emulator(["--redis"]) as emu:
        yield emu


# A little RESP, enough for the tests -------------------------------------------------------

def _read_reply(stream):
    line = stream.readline()
    if not line.endswith(b"\r\n"):
        raise ConnectionError(f"connection closed mid-reply: {line!r}")
    kind, rest = line[:1], line[1:-2]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise RuntimeError(rest.decode())
    if kind == b":":
        return int(rest)
    if kind == b"$":
        length = int(rest)
        return None if length < 0 else stream.read(length + 2)[:-2].decode()
    if kind == b"*":
        count = int(rest)
        return None if count < 0 else [_read_reply(stream) for _ in range(count)]
    raise RuntimeError(f"not RESP: {line!r}")


def redis(port, *words):
    """One command to the redis-server on 127.0.0.1:port, its reply decoded."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        encoded = b"".join(b"$%d\r\n%s\r\n" % (len(w), w) for w in (str(w).encode() for w in words))
        sock.sendall(b"*%d\r\n" % len(words) + encoded)
        with sock.makefile("rb") as stream:
            return _read_reply(stream)


def pings(port):
    """Whether a redis-server answers PING on the port now (refused, reset: False)."""
    try:
        return redis(port, "PING") == "PONG"
    except OSError:
        return False


def servers(emu):
    """{instance id: (redis_port, redis_pid)}"""
    return {entry["id"]: (entry["redis_port"], entry["redis_pid"]) for entry in emu.instances()}


def write_keys(port, count=20, prefix="key"):
    for n in range(count):
        assert redis(port, "SET", f"{prefix}:{n}", f"value {n}") == "OK"
    assert redis(port, "DBSIZE") == count


# Processes ---------------------------------------------------------------------------------

def alive(pid):
    """The process exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", encoding="latin-1") as stat:
            state = stat.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def redis_pids_on(ports):
    """Live redis-server processes serving any of `ports`, found with pgrep -f."""
    found = set()
    for port in ports:
        listed = subprocess.run(["pgrep", "-f", rf"redis-server 127\.0\.0\.1:{port}( |$)"],
                                capture_output=True, text=True).stdout.split()
        found.update(int(pid) for pid in listed if alive(int(pid)))
    return found


def wait_until(condition, timeout, message):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(message, pytrace=False)
        time.sleep(0.05)


def working_root(pid):
    """The emulator's temporary directory, from the working directory of one of its servers."""
    return os.path.dirname(os.readlink(f"/proc/{pid}/cwd"))


def assert_nothing_left(ports, pids, root):
    wait_until(lambda: not any(alive(pid) for pid in pids) and not redis_pids_on(ports), 10,
               f"redis-server processes left behind: {sorted(redis_pids_on(ports))}")
    assert not os.path.exists(root), f"{root} was not removed"


# Start -------------------------------------------------------------------------------------

def test_every_instance_gets_its_own_redis_server(redis_emulator):
    shown = redis_emulator.instances()
    assert [entry["status"] for entry in shown] == ["RUNNING"] * 4 + ["FROZEN"]
    ports = {entry["redis_port"] for entry in shown}
    pids = {entry["redis_pid"] for entry in shown}
    assert len(ports) == len(pids) == len(shown)
    for entry in shown:
        assert redis(entry["redis_port"], "PING") == "PONG"
        assert alive(entry["redis_pid"])
        assert redis_pids_on([entry["redis_port"]]) == {entry["redis_pid"]}
        assert redis(entry["redis_port"], "CONFIG", "GET", "save") == ["save", ""]
        assert redis(entry["redis_port"], "CONFIG", "GET", "appendonly") == ["appendonly", "no"]
        assert redis(entry["redis_port"], "CONFIG", "GET", "bind") == ["bind", "127.0.0.1"]


def test_without_redis_mode_no_redis_fields(fresh_emulator):
    assert all("redis_port" not in entry and "redis_pid" not in entry for entry in fresh_emulator.instances())


# Flush -------------------------------------------------------------------------------------

def test_flush_through_the_api_empties_that_redis_only(redis_emulator):
    ports = {i: port for i, (port, _) in servers(redis_emulator).items()}
    for instance in (RUNNING_6, RUNNING_5, RUNNING_3, FROZEN_5):
        write_keys(ports[instance])
    answer = restart(redis_emulator, [RUNNING_6, RUNNING_3, FROZEN_5], action="flush")
    # Redis 3.0 cannot be flushed, a FROZEN instance is not acted on.
    assert results(answer) == [(RUNNING_6, "success"), (RUNNING_3, "failed"), (FROZEN_5, "failed")]
    assert redis(ports[RUNNING_6], "DBSIZE") == 0
    assert redis(ports[RUNNING_6], "GET", "key:1") is None
    for untouched in (RUNNING_5, RUNNING_3, FROZEN_5):
        assert redis(ports[untouched], "DBSIZE") == 20
    assert status_of(redis_emulator, RUNNING_6) == "RUNNING"


def test_flush_reaches_every_database(redis_emulator):
    port = servers(redis_emulator)[RUNNING_4][0]
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock, sock.makefile("rb") as stream:
        sock.sendall(b"*2\r\n$6\r\nSELECT\r\n$1\r\n7\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n")
        assert _read_reply(stream) == "OK" and _read_reply(stream) == "OK"
    assert results(restart(redis_emulator, [RUNNING_4], action="flush")) == [(RUNNING_4, "success")]
    assert "db7" not in redis(port, "INFO", "keyspace")


def test_flush_fails_when_redis_does_not_answer(redis_emulator):
    port, pid = servers(redis_emulator)[RUNNING_5]
    write_keys(servers(redis_emulator)[RUNNING_6][0])
    os.kill(pid, signal.SIGKILL)
    wait_until(lambda: not alive(pid), 5, "redis-server did not die")
    answer = restart(redis_emulator, [RUNNING_5, RUNNING_6], action="flush")
    assert results(answer) == [(RUNNING_5, "failed"), (RUNNING_6, "success")]
    # A restart through the API brings it back.
    assert results(restart(redis_emulator, [RUNNING_5])) == [(RUNNING_5, "success")]
    wait_until(lambda: api_status(redis_emulator, RUNNING_5) == "RUNNING", 10, "never RUNNING again")
    new_port, new_pid = servers(redis_emulator)[RUNNING_5]
    assert (new_port, redis(new_port, "PING")) == (port, "PONG") and new_pid != pid
    assert results(restart(redis_emulator, [RUNNING_5], action="flush")) == [(RUNNING_5, "success")]


def test_all_failed_fault_leaves_redis_alone(redis_emulator):
    port = servers(redis_emulator)[RUNNING_6][0]
    write_keys(port)
    redis_emulator.fault("all_failed")
    assert results(restart(redis_emulator, [RUNNING_6], action="flush")) == [(RUNNING_6, "failed")]
    assert redis(port, "DBSIZE") == 20


def test_delayed_flush_answers_late_after_flushing(redis_emulator):
    port = servers(redis_emulator)[RUNNING_6][0]
    write_keys(port)
    redis_emulator.fault("delay", ms=600)
    started = time.monotonic()
    assert results(restart(redis_emulator, [RUNNING_6], action="flush")) == [(RUNNING_6, "success")]
    assert time.monotonic() - started >= 0.6
    assert redis(port, "DBSIZE") == 0


# Restart -----------------------------------------------------------------------------------

@pytest.mark.parametrize("action", ["restart", "soft_restart"])
def test_restart_through_the_api_really_restarts_redis(redis_emulator, action):
    port, pid = servers(redis_emulator)[RUNNING_6]
    other_port, other_pid = servers(redis_emulator)[RUNNING_5]
    frozen_pid = servers(redis_emulator)[FROZEN_5][1]
    write_keys(port)
    write_keys(other_port)
    before = redis_emulator.stats()["status_gets"]
    assert results(restart(redis_emulator, [RUNNING_6, FROZEN_5], action=action)) == [
        (RUNNING_6, "success"), (FROZEN_5, "failed")]
    started = time.monotonic()
    assert api_status(redis_emulator, RUNNING_6) == "RESTARTING"
    assert results(restart(redis_emulator, [RUNNING_6])) == [(RUNNING_6, "failed")]
    assert results(restart(redis_emulator, [RUNNING_6], action="flush")) == [(RUNNING_6, "failed")]
    seen = []
    while not seen or seen[-1] != "RUNNING":
        assert time.monotonic() - started < 15, f"still {seen[-1]}"
        seen.append(api_status(redis_emulator, RUNNING_6))
        time.sleep(0.01)
    assert set(seen) == {"RESTARTING", "RUNNING"}, seen
    assert redis_emulator.stats()["status_gets"] == before + 1 + len(seen)
    new_port, new_pid = servers(redis_emulator)[RUNNING_6]
    assert new_port == port
    assert new_pid != pid and not alive(pid) and alive(new_pid)
    assert redis_pids_on([port]) == {new_pid}
    # No persistence: what was written before the restart is gone.
    assert redis(port, "DBSIZE") == 0
    # The others were left alone.
    assert servers(redis_emulator)[RUNNING_5] == (other_port, other_pid)
    assert redis(other_port, "DBSIZE") == 20
    assert servers(redis_emulator)[FROZEN_5][1] == frozen_pid


def test_running_again_means_the_new_redis_answers(redis_emulator):
    for _ in range(3):
        port, pid = servers(redis_emulator)[RUNNING_4]
        assert results(restart(redis_emulator, [RUNNING_4])) == [(RUNNING_4, "success")]
        started = time.monotonic()
        while api_status(redis_emulator, RUNNING_4) == "RESTARTING":
            assert time.monotonic() - started < 15
        # The moment it shows RUNNING, the new process answers.
        assert redis(port, "PING") == "PONG"
        new_pid = servers(redis_emulator)[RUNNING_4][1]
        assert new_pid != pid and alive(new_pid) and not alive(pid)


def test_set_status_during_a_real_restart_wins(redis_emulator):
    _, pid = servers(redis_emulator)[RUNNING_6]
    assert results(restart(redis_emulator, [RUNNING_6])) == [(RUNNING_6, "success")]
    redis_emulator.set_instance_status(RUNNING_6, "ERROR")
    assert api_status(redis_emulator, RUNNING_6) == "ERROR"
    wait_until(lambda: servers(redis_emulator)[RUNNING_6][1] not in (None, pid)
               and pings(servers(redis_emulator)[RUNNING_6][0]), 10, "the restart did not finish")
    time.sleep(0.1)
    assert api_status(redis_emulator, RUNNING_6) == "ERROR"
    redis_emulator.reset()
    assert api_status(redis_emulator, RUNNING_6) == "RUNNING"


def test_restart_seconds_is_not_used_with_redis(redis_server, tmp_path):
    fleet = tmp_path / "fleet.json"
    fleet.write_text(json.dumps([{"id": "a", "engine_version": "7.0", "status": "RUNNING", "restart_seconds": 30}]))
    with Emulator(["--redis", "--instances", str(fleet), "--restart-seconds", "60"]) as emu:
        assert results(restart(emu, ["a"])) == [("a", "success")]
        assert api_status(emu, "a") == "RESTARTING"
        wait_until(lambda: api_status(emu, "a") == "RUNNING", 10, "the real restart should decide")



def test_flush_seconds_is_not_used_with_redis(redis_server):
    with Emulator(["--redis", "--flush-seconds", "60"]) as emu:
        assert results(restart(emu, [RUNNING_6], action="flush")) == [(RUNNING_6, "success")]
        assert api_status(emu, RUNNING_6) == "RUNNING"


def test_an_instance_that_never_returns_stays_restarting_after_its_real_restart(redis_emulator):
    _, pid = servers(redis_emulator)[RUNNING_5]
    redis_emulator.set_never_returns(RUNNING_5)
    assert results(restart(redis_emulator, [RUNNING_5])) == [(RUNNING_5, "success")]
    wait_until(lambda: servers(redis_emulator)[RUNNING_5][1] not in (None, pid)
               and pings(servers(redis_emulator)[RUNNING_5][0]), 10, "the restart did not finish")
    time.sleep(0.1)
    assert api_status(redis_emulator, RUNNING_5) == "RESTARTING"
    assert results(restart(redis_emulator, [RUNNING_4], action="flush")) == [(RUNNING_4, "success")]
    redis_emulator.set_never_returns(RUNNING_4)  # a flush that is over stays over
    assert api_status(redis_emulator, RUNNING_4) == "RUNNING"
    redis_emulator.reset()
    assert api_status(redis_emulator, RUNNING_5) == "RUNNING"

# No orphans --------------------------------------------------------------------------------

def started_redis_emulator(extra=(), env=None):
    emu = Emulator(["--redis", *extra], env=env)
    shown = servers(emu)
    ports = [port for port, _ in shown.values()]
    pids = [pid for _, pid in shown.values()]
    return emu, ports, pids, working_root(pids[0])


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT])
def test_stopping_the_emulator_stops_every_redis_server(redis_server, how):
    emu, ports, pids, root = started_redis_emulator()
    try:
        assert all(alive(pid) for pid in pids) and redis_pids_on(ports) == set(pids)
        assert os.path.isdir(root)
        emu._process.send_signal(how)
        assert emu._process.wait(timeout=15) == -how  # ends by the signal, as without --redis
    finally:
        emu.stop()
    assert_nothing_left(ports, pids, root)


def test_stopping_in_the_middle_of_a_restart_leaves_nothing(redis_server):
    emu, ports, pids, root = started_redis_emulator(["--generated-instances", "5"])
    try:
        ids = [entry["id"] for entry in emu.instances() if entry["status"] == "RUNNING"]
        assert results(restart(emu, ids)) == [(i, "success") for i in ids]
        emu._process.terminate()
        emu._process.wait(timeout=20)
    finally:
        emu.stop()
    assert_nothing_left(ports, pids, root)


def test_a_killed_emulator_takes_its_redis_servers_along(redis_server, tmp_path):
    # Killed, the emulator cannot remove its directory: let it make it where pytest cleans up.
    emu, ports, pids, root = started_redis_emulator(env=dict(os.environ, TMPDIR=str(tmp_path)))
    assert root.startswith(str(tmp_path))
    try:
        emu._process.kill()
        emu._process.wait(timeout=10)
    finally:
        emu.stop()
    wait_until(lambda: not any(alive(pid) for pid in pids) and not redis_pids_on(ports), 10,
               f"redis-server processes outlived a SIGKILLed emulator: {sorted(redis_pids_on(ports))}")


WRAPPER = """
import subprocess, sys, time
child = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL)
print("pid", child.pid, flush=True)
time.sleep(600)
"""


def test_an_emulator_whose_parent_dies_stops_and_leaves_nothing(redis_server):
    command = [emulator_binary(), *credential_args(), "--redis", "--quiet", "--port", "0"]
    wrapper = subprocess.Popen([sys.executable, "-c", WRAPPER, *command], stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, text=True)
    try:
        lines = [wrapper.stdout.readline(), wrapper.stdout.readline()]
        emulator_pid = int(next(line.split()[1] for line in lines if line.startswith("pid ")))
        url = next(line for line in lines if line.startswith(LISTENING_PREFIX))[len(LISTENING_PREFIX):].strip()
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(url + "/_emulator/instances", timeout=10) as answer:
            shown = json.loads(answer.read())
        ports = [entry["redis_port"] for entry in shown]
        pids = [entry["redis_pid"] for entry in shown]
        root = working_root(pids[0])
        assert alive(emulator_pid) and all(alive(pid) for pid in pids)
        wrapper.kill()
        wrapper.wait(timeout=10)
        wait_until(lambda: not alive(emulator_pid), 10, "the emulator outlived its parent")
        assert_nothing_left(ports, pids, root)
    finally:
        if wrapper.poll() is None:
            wrapper.kill()
            wrapper.wait()
        wrapper.stdout.close()


# Refusals ----------------------------------------------------------------------------------

def run_emulator(args, env=None):
    """Runs an emulator expected to refuse to start."""
    return subprocess.run([emulator_binary(), *credential_args(), *args, "--port", "0"], env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)


def test_missing_redis_server_is_a_clear_error_and_exit_2(tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()
    finished = run_emulator(["--redis"], env=dict(os.environ, PATH=str(empty)))
    assert finished.returncode == 2, finished
    assert "redis-server" in finished.stderr and "apt-get install redis-server" in finished.stderr
    assert "listening" not in finished.stdout
    finished = run_emulator(["--redis", "--redis-server", str(tmp_path / "nowhere" / "redis-server")])
    assert finished.returncode == 2, finished
    assert "nowhere/redis-server" in finished.stderr


def test_redis_server_option_needs_redis(redis_server):
    finished = run_emulator(["--redis-server", redis_server])
    assert finished.returncode != 0 and "--redis" in finished.stderr


def test_a_redis_server_that_cannot_start_is_an_error(tmp_path):
    fake = tmp_path / "redis-server"
    fake.write_text("#!/bin/sh\necho 'not really redis' >&2\nexit 3\n")
    fake.chmod(0o755)
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    finished = run_emulator(["--redis", "--redis-server", str(fake)], env=dict(os.environ, TMPDIR=str(temporary)))
    assert finished.returncode == 1, finished
    assert "exited" in finished.stderr and "not really redis" in finished.stderr
    assert "listening" not in finished.stdout
    assert list(temporary.iterdir()) == [], "the temporary directory was left behind"


def test_redis_server_is_installed():
    """The Redis tests need redis-server: without it this fails (and they error), never skips."""
    assert shutil.which("redis-server"), APT_HINT
