"""examples/c/dcsctl on each of its paths: the exit status man/dcsctl.1 gives, and, run again
under valgrind with DCS_MEMCHECK=1, no memory error and no leak (valgrind exits 99 for either).
What it prints is compared with the Python and Go programs in Tests/examples."""

import subprocess

import pytest

from c_support import MEMCHECK, TIME_SCALE, under_memcheck
from clients import client_env, closed_port_url, interrupted_while_waiting
from emulator import Emulator

RUNNING_6 = "2e803f66-fbb0-47ad-b6cb-fb87f5bed4ef"
RUNNING_5 = "5b7c1a2e-3f4d-4e5a-9b6c-7d8e9f0a1b2c"
GENERATED = [f"emu-{n:04d}" for n in range(1, 121)]


def run_dcsctl(program, emulator, *args, stdin=b"", **env):
    done = subprocess.run(under_memcheck([program, *args]), env=client_env(emulator, **env), input=stdin,
                          capture_output=True, timeout=120 * TIME_SCALE)
    assert done.returncode != 99, done.stderr.decode(errors="replace")  # valgrind's own status
    return done


@pytest.mark.parametrize("args, stdin, env, code", [
    (["--output=json", "flush", "--yes", RUNNING_6, "no-such-instance"], b"", {}, 1),
    (["soft_restart", "--output", "json", *GENERATED], b"", {}, 0),
    (["restart", "--ids-from", "-"], b"# comment\n" + RUNNING_6.encode() + b"\r\n\n  " + RUNNING_5.encode(), {}, 0),
    (["restart", "-", "--output=json"], b"ok-1\nok-2\nok-1\n", {}, 2),
    (["restart", "-"], b"ok-1\nnul\0inside\n", {}, 2),
    (["restart", "-"], b"# nothing\n", {}, 2),
    (["restart", "--dry-run", "--output=json", "--wait", *GENERATED], b"", {"HUAWEICLOUD_SDK_SK": ""}, 0),
    (["flush", "--dry-run", *GENERATED[:3]], b"", {"HUAWEICLOUD_SDK_PROJECT_ID": ""}, 0),
    (["flush", RUNNING_6], b"", {}, 2),
    (["restart", "--wiat=30", RUNNING_6], b"", {}, 2),
    (["restart", "--output=json", RUNNING_6, "a\tb"], b"", {}, 2),
    (["restart", "--output=json", RUNNING_6], b"", {"HUAWEICLOUD_SDK_PROJECT_ID": "bad/project"}, 3),
    (["restart", RUNNING_6], b"", {"HUAWEICLOUD_SDK_SK": "not-the-secret"}, 4),
    (["restart", "--output=json", RUNNING_6], b"", {"DCS_ENDPOINT": closed_port_url()}, 5),
    (["--help"], b"", {}, 0),
    (["--version"], b"", {}, 0),
    (["restart", "--ids-from", "/nonexistent/ids.txt"], b"", {}, 2),
    (["list"], b"", {}, 0),
    (["list", "--tag", "role=session-cache", "--tag=env=prod", "--output=json"], b"", {}, 0),
    (["list", "--name", "cache", "--exact", "--status", "RUNNING"], b"", {}, 0),
    (["list", "--status", "running"], b"", {}, 2),
    (["list", RUNNING_6], b"", {}, 2),
    (["list"], b"", {"DCS_ENDPOINT": closed_port_url()}, 5),
    (["restart", "--wave", "5", "--pause", "0", *GENERATED[:12]], b"", {}, 0),
    (["restart", "--wave=5", "--keep-going", "--output=json", *GENERATED[:7]], b"", {}, 0),
    (["restart", "--dry-run", "--wave", "2", *GENERATED[:5]], b"", {}, 0),
    (["restart", "--pause", "5", RUNNING_6], b"", {}, 2),
])
def test_each_path_exits_as_documented(dcsctl, emu, args, stdin, env, code):
    done = run_dcsctl(dcsctl, emu, *args, stdin=stdin, **env)
    assert done.returncode == code, done.stderr.decode(errors="replace")


def test_a_rolling_restart_stopped_at_the_gate(dcsctl, emu):
    """The progress callback's and the gate's paths: wave 2 holds an instance that never comes back."""
    emu.set_never_returns(GENERATED[6])
    done = run_dcsctl(dcsctl, emu, "restart", "--wave", "5", "--wait=2", "--output=json", *GENERATED[:12])
    assert done.returncode == 6, done.stderr.decode(errors="replace")
    assert emu.stats()["status_puts"] == 2


def test_ctrl_c_during_the_wait(dcsctl):
    """The pipe, the thread that triggers the token, and their teardown."""
    with Emulator(["--restart-seconds", "60", "--quiet"]) as emulator:
        code, out, err = interrupted_while_waiting(under_memcheck([dcsctl, "restart", "--wait", RUNNING_6]), emulator,
                                                   client_env(emulator), patience=30 * TIME_SCALE)
    assert (code, out) == (130, f"{RUNNING_6} unknown\n".encode()), err.decode(errors="replace")
    if MEMCHECK:
        assert b"definitely lost" not in err and b"Invalid" not in err
