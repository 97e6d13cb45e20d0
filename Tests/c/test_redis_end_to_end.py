"""End to end on real Redis: the emulator runs each instance as a redis-server; keys written with
a Redis client are gone after a flush through libdcs from C, and a restart through libdcs, with
its wait for RUNNING, leaves the instance answering from a new process."""

import shutil
import subprocess

import pytest

from c_support import under_memcheck
from clients import client_env
from emulator import Emulator

RUNNING_6 = "2e803f66-fbb0-47ad-b6cb-fb87f5bed4ef"
RUNNING_5 = "5b7c1a2e-3f4d-4e5a-9b6c-7d8e9f0a1b2c"


@pytest.fixture(scope="module")
def redis_cli():
    for tool in ("redis-server", "redis-cli"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is not installed: sudo apt-get install -y redis-server", pytrace=False)
    return shutil.which("redis-cli")


@pytest.fixture
def redis_fleet(redis_cli):
    with Emulator(["--redis", "--quiet"]) as emulator:
        yield emulator


def instance(emulator, instance_id):
    return next(i for i in emulator.instances() if i["id"] == instance_id)


def cli(redis_cli, port, *words):
    done = subprocess.run([redis_cli, "-h", "127.0.0.1", "-p", str(port), *words], capture_output=True,
                          text=True, timeout=30, check=True)
    return done.stdout.strip()


def dcsctl(program, emulator, *args):
    return subprocess.run(under_memcheck([program, *args]), env=client_env(emulator), capture_output=True,
                          text=True, timeout=600)


def test_flush_through_libdcs_empties_redis(dcsctl_path, redis_fleet, redis_cli):
    port = instance(redis_fleet, RUNNING_6)["redis_port"]
    other = instance(redis_fleet, RUNNING_5)["redis_port"]
    for key in ("a", "b", "c"):
        cli(redis_cli, port, "SET", key, "value")
    cli(redis_cli, other, "SET", "kept", "yes")
    assert cli(redis_cli, port, "DBSIZE") == "3"

    done = dcsctl(dcsctl_path, redis_fleet, "flush", "--yes", RUNNING_6)
    assert (done.returncode, done.stdout) == (0, f"{RUNNING_6} success\n"), done.stderr
    assert cli(redis_cli, port, "DBSIZE") == "0"
    assert cli(redis_cli, other, "GET", "kept") == "yes"  # only the instance named was flushed


def test_restart_and_wait_through_libdcs_gives_a_new_redis_process(dcsctl_path, redis_fleet, redis_cli):
    before = instance(redis_fleet, RUNNING_6)
    assert cli(redis_cli, before["redis_port"], "PING") == "PONG"

    done = dcsctl(dcsctl_path, redis_fleet, "restart", "--wait=60", RUNNING_6)
    assert (done.returncode, done.stdout) == (0, f"{RUNNING_6} success\n"), done.stderr

    after = instance(redis_fleet, RUNNING_6)
    assert after["status"] == "RUNNING"
    assert after["redis_pid"] not in (None, before["redis_pid"])
    assert cli(redis_cli, after["redis_port"], "INFO", "server").find(f"process_id:{after['redis_pid']}") >= 0
    assert redis_fleet.stats()["status_gets"] >= 2  # the wait polled until RUNNING twice in a row


@pytest.fixture(scope="module")
def dcsctl_path(dcsctl):
    return dcsctl
