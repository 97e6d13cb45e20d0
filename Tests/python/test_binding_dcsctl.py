"""examples/python/dcsctl.py against the C examples/c/dcsctl: same command line, stdout lines,
stderr line and exit codes. The C program is compiled here against include/dcs.h and the
libdcs.so under test; both run against the emulator, and their outputs are compared. What only
the Python program has is here too: its entry points, an import of dcs that does not pay for
it, and the library that cannot be loaded. (Tests/examples/test_three_dcsctl.py compares all
three dcsctl on the rest of man/dcsctl.1.)"""

import os
import pty
import re
import signal
import subprocess
import sys
import threading
import time
import tty

import pytest

from binding_support import (DCSCTL_PY, FROZEN, GENERATED, PACKAGE_ROOT, REPO, RUNNING_3, RUNNING_4, RUNNING_5,
                             RUNNING_6, client_env, closed_port_url, leaked_secrets)
from clients import interrupted_while_waiting
from dcs import _native

OUTCOME_LINE = re.compile(r"\S+ (success|failed|not_sent|unknown)")
ERROR_LINE = re.compile(r"dcsctl: (DCS_[A-Z_]+) http_status=(\d+) code=(\S+) request_id=(\S+): (.+)")
USAGE_HINT = "usage: dcsctl restart|soft_restart|flush [OPTION]... ID... (dcsctl --help for more)\n"
ALL_SUCCEEDED, PARTIAL, USAGE, CONFIGURATION, REFUSED, OUTCOME_UNKNOWN, STOPPED, INTERRUPTED = 0, 1, 2, 3, 4, 5, 6, 130
LIST_LINE = re.compile(r"\S+ [A-Z_]+ \S+ \S+ .+")


@pytest.fixture(scope="session")
def c_dcsctl(tmp_path_factory):
    """examples/c/dcsctl.c built against the library under test."""
    library = os.path.realpath(_native.library()._name)
    output = tmp_path_factory.mktemp("dcsctl") / "dcsctl"
    libdir = os.path.dirname(library)
    if not os.path.exists(os.path.join(libdir, "libdcs.so")):
        pytest.fail(f"{libdir} has no libdcs.so to link examples/c/dcsctl.c with")
    subprocess.run(["cc", "-std=c11", "-O1", "-pthread", "-Wall", "-Wextra", "-Werror", f"-I{REPO / 'include'}",
                    str(REPO / "examples" / "c" / "dcsctl.c"), "-o", str(output), f"-L{libdir}", "-ldcs",
                    f"-Wl,-rpath,{libdir}"], check=True)
    return output


class Run:
    def __init__(self, done):
        self.code = done.returncode
        self.stdout = done.stdout.decode("utf-8", "surrogateescape")
        self.stderr = done.stderr.decode("utf-8", "surrogateescape")

    def normalized(self):
        """What may differ between two runs: the request id and libcurl's timings."""
        def clean(text):
            text = re.sub(r'"request_id": "[0-9a-f]+"', '"request_id": "RID"', text)
            return re.sub(r"\d+ (ms|milliseconds)", r"N \1", re.sub(r"request_id=[0-9a-f]+", "request_id=RID", text))

        return self.code, clean(self.stdout), clean(self.stderr)

    def lines(self):
        return self.stdout.splitlines()


def run(command, emu, args, env, fault, prepare=None):
    emu.reset()
    if fault:
        emu.fault(**fault)
    if prepare:
        prepare(emu)
    done = subprocess.run([*command, *args], env=env, capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
    result = Run(done)
    assert leaked_secrets(result.stdout, result.stderr) == []
    return result


def run_both(c_dcsctl, emu, args, fault=None, prepare=None, **env_extra):
    """Runs the C and the Python dcsctl in the same situation (the emulator reset, then `fault`
    queued and `prepare(emu)` called); checks they agree; returns Python's run."""
    env = client_env(emu, **env_extra)
    for name, value in env_extra.items():
        if value is None:
            del env[name]
    c = run([str(c_dcsctl)], emu, args, env, fault, prepare)
    py = run([sys.executable, str(DCSCTL_PY)], emu, args, env, fault, prepare)
    assert py.normalized() == c.normalized()
    # The documented format, whatever C printed.
    line_format = documented_lines(args)
    if line_format is not None:
        assert all(line_format.fullmatch(line) for line in py.lines())
    if py.code == 0:
        assert py.stderr == ""
    elif not py.stderr.endswith(USAGE_HINT):
        assert py.stderr.count("\n") == 1 and ERROR_LINE.fullmatch(py.stderr.rstrip("\n"))
    return py


def documented_lines(args):
    """The form of each stdout line of dcsctl `args` prints in text: an outcome, or a listed
    instance; None for what prints something else (JSON, help, a dry run)."""
    if {"--help", "-h", "--dry-run", "--output=json"} & set(args) or ("--output", "json") in zip(args, args[1:]):
        return None
    return LIST_LINE if args[:1] == ["list"] else OUTCOME_LINE


def error_fields(run_):
    return ERROR_LINE.fullmatch(run_.stderr.rstrip("\n")).groups()


def test_success(c_dcsctl, emu):
    for action in ("restart", "soft_restart", "flush"):
        py = run_both(c_dcsctl, emu, [action, "--yes", RUNNING_6, RUNNING_5, RUNNING_4])
        assert py.code == 0
        assert py.lines() == [f"{RUNNING_6} success", f"{RUNNING_5} success", f"{RUNNING_4} success"]


def test_partial(c_dcsctl, emu):
    py = run_both(c_dcsctl, emu, ["flush", "--yes", RUNNING_6, RUNNING_3, FROZEN, "no-such-instance", "café"])
    assert py.code == PARTIAL
    assert py.lines() == [f"{RUNNING_6} success", f"{RUNNING_3} failed", f"{FROZEN} failed",
                          "no-such-instance failed", "café failed"]
    status, http, code, request_id, message = error_fields(py)
    assert (status, http, code) == ("DCS_EPARTIAL", "200", "-") and request_id != "-"
    assert "4 of 5" in message


def test_wrong_sk(c_dcsctl, emu):
    py = run_both(c_dcsctl, emu, ["restart", RUNNING_6], HUAWEICLOUD_SDK_SK="not-the-secret-key")
    assert py.code == REFUSED and py.lines() == [f"{RUNNING_6} failed"]
    status, http, code, request_id, _ = error_fields(py)
    assert (status, http, code) == ("DCS_EAPI", "401", "APIGW.0301") and len(request_id) == 32


def test_500_prints_the_results_before_the_error_line(c_dcsctl, emu):
    py = run_both(c_dcsctl, emu, ["restart", RUNNING_6, RUNNING_5], fault={"kind": "status500"})
    assert py.code == REFUSED and py.lines() == [f"{RUNNING_6} unknown", f"{RUNNING_5} unknown"]
    assert error_fields(py)[:3] == ("DCS_EAPI", "500", "DCS.5000")
    # Both streams into one pipe: the results come first, the error line last.
    emu.reset()
    emu.fault("status500")
    merged = subprocess.run([sys.executable, str(DCSCTL_PY), "restart", RUNNING_6, RUNNING_5], env=client_env(emu),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60).stdout
    lines = merged.splitlines()
    assert lines[:2] == [f"{RUNNING_6} unknown", f"{RUNNING_5} unknown"] and lines[2].startswith("dcsctl: DCS_EAPI")


def test_fault_on_the_second_request_of_120_ids(c_dcsctl, emu):
    py = run_both(c_dcsctl, emu, ["flush", "--yes", *GENERATED], fault={"kind": "status500", "skip": 1})
    assert py.code == REFUSED
    assert py.lines() == ([f"{i} success" for i in GENERATED[:50]] + [f"{i} unknown" for i in GENERATED[50:100]]
                          + [f"{i} not_sent" for i in GENERATED[100:]])


def test_connection_refused(c_dcsctl, emu):
    py = run_both(c_dcsctl, emu, ["restart", RUNNING_6], DCS_ENDPOINT=closed_port_url())
    assert py.code == OUTCOME_UNKNOWN and py.lines() == [f"{RUNNING_6} not_sent"]
    assert error_fields(py)[:4] == ("DCS_ETRANSPORT", "0", "-", "-")


def test_unreadable_answer(c_dcsctl, emu):
    py = run_both(c_dcsctl, emu, ["restart", RUNNING_6], fault={"kind": "not_json"})
    assert py.code == OUTCOME_UNKNOWN and py.lines() == [f"{RUNNING_6} unknown"]
    assert error_fields(py)[0] == "DCS_EPROTOCOL"


def test_config_error_from_the_environment(c_dcsctl, emu):
    py = run_both(c_dcsctl, emu, ["restart", RUNNING_6], HUAWEICLOUD_SDK_PROJECT_ID="bad/project")
    assert py.code == CONFIGURATION and py.stdout == ""
    status, http, code, request_id, message = error_fields(py)
    assert (status, http, code, request_id) == ("DCS_ECONFIG", "0", "-", "-")
    assert message.startswith("HUAWEICLOUD_SDK_PROJECT_ID")
    assert emu.stats()["api_requests"] == 0


def test_missing_config(c_dcsctl, emu):
    py = run_both(c_dcsctl, emu, ["restart", RUNNING_6], DCS_ENDPOINT=None)
    assert py.code == CONFIGURATION and py.stdout == "" and error_fields(py)[0] == "DCS_ECONFIG"
    assert "no endpoint" in py.stderr


@pytest.mark.parametrize("args", [
    [], ["restart"], ["reboot", RUNNING_6], ["RESTART", RUNNING_6],
    ["restart", "--wait"], ["flush", "--wait=5"], ["restart", "--wait=x", RUNNING_6], ["restart", "--wait=", RUNNING_6],
    ["restart", "--wait=0", RUNNING_6], ["restart", "--wait=86401", RUNNING_6], ["restart", "--wait=-5", RUNNING_6],
    ["restart", "--wait=5s", RUNNING_6], ["restart", "--wait=0x10", RUNNING_6], ["restart", "--wait=1.5", RUNNING_6],
    ["restart", "--wait=99999999999999999999", RUNNING_6], ["restart", "--wait=5 ", RUNNING_6],
])
def test_usage(c_dcsctl, emu, args):
    py = run_both(c_dcsctl, emu, args)
    assert (py.code, py.stdout) == (USAGE, "") and py.stderr.startswith("dcsctl: ") and py.stderr.endswith(USAGE_HINT)
    assert emu.stats()["api_requests"] == 0


@pytest.mark.parametrize("ids, message", [
    ([""], "instance_ids[0] is empty"),
    ([RUNNING_6, RUNNING_6], "instance_ids[1] repeats instance_ids[0]"),
    ([RUNNING_6, b"abc\xff"], "instance_ids[1] is not valid UTF-8"),
    (["tab\tid"], "instance_ids[0] holds a control character"),
])
def test_invalid_ids(c_dcsctl, emu, ids, message):
    py = run_both(c_dcsctl, emu, ["restart", *ids])
    assert py.code == USAGE and py.stdout == ""
    assert error_fields(py)[0] == "DCS_EINVAL" and message in py.stderr
    assert emu.stats()["api_requests"] == 0


def test_wait_restarts_then_waits_for_running(c_dcsctl, quick_emu):
    py = run_both(c_dcsctl, quick_emu, ["restart", "--wait", RUNNING_6, RUNNING_5])
    assert (py.code, py.stderr) == (0, "")
    assert py.lines() == [f"{RUNNING_6} success", f"{RUNNING_5} success"]
    stats = quick_emu.stats()
    assert stats["status_puts"] == 1 and stats["status_gets"] >= 4  # Python's run waited too


@pytest.mark.parametrize("flag", ["--wait=30", "--wait= 30", "--wait=+30", "--wait=00030"])
def test_wait_seconds_as_strtol_reads_them(c_dcsctl, quick_emu, flag):
    py = run_both(c_dcsctl, quick_emu, ["soft_restart", flag, RUNNING_6])
    assert py.code == 0 and py.lines() == [f"{RUNNING_6} success"]
    assert quick_emu.stats()["status_gets"] >= 2


def test_wait_with_an_instance_that_will_not_run(c_dcsctl, quick_emu):
    py = run_both(c_dcsctl, quick_emu, ["restart", "--wait=30", RUNNING_6, FROZEN])
    assert py.code == PARTIAL and py.lines() == [f"{RUNNING_6} success", f"{FROZEN} failed"]
    assert error_fields(py)[0] == "DCS_EPARTIAL"


def test_wait_of_1_second_on_a_slow_restart_times_out(c_dcsctl, slow_emu):
    py = run_both(c_dcsctl, slow_emu, ["restart", "--wait=1", RUNNING_6])
    assert py.code == OUTCOME_UNKNOWN and py.lines() == [f"{RUNNING_6} unknown"]
    status, http, code, request_id, message = error_fields(py)
    assert (status, http, code, request_id) == ("DCS_ETIMEOUT", "0", "-", "-")
    assert f"not RUNNING after 1000 ms: {RUNNING_6} (RESTARTING)" in message


def test_wait_after_the_ids_is_the_option(c_dcsctl, quick_emu):
    """Once, "--wait" after the ids was sent as an instance id; it is an option anywhere before --."""
    py = run_both(c_dcsctl, quick_emu, ["restart", RUNNING_6, "--wait=30"])
    assert (py.code, py.lines()) == (ALL_SUCCEEDED, [f"{RUNNING_6} success"])
    stats = quick_emu.stats()
    assert stats["status_puts"] == 1 and stats["status_gets"] >= 2  # Python's run waited too


def test_ctrl_c_during_the_wait_cancels_the_call_and_prints_what_is_known(c_dcsctl, slow_emu):
    """Python's call runs in a worker thread, so that the main thread runs the SIGINT handler at
    once, which cancels the call in C: no KeyboardInterrupt held back until the 600 s wait ends."""
    env = client_env(slow_emu)
    runs = []
    for command in ([str(c_dcsctl)], [sys.executable, str(DCSCTL_PY)]):
        slow_emu.reset()
        started = time.monotonic()
        code, out, err = interrupted_while_waiting([*command, "restart", "--wait", RUNNING_6], slow_emu, env)
        assert time.monotonic() - started < 15, command  # at once: not the 600 s wait
        runs.append((code, out.decode(), err.decode()))
    assert runs[1] == runs[0]
    code, out, err = runs[0]
    assert (code, out) == (INTERRUPTED, f"{RUNNING_6} unknown\n")
    assert err.startswith("dcsctl: DCS_ECANCELED http_status=0 code=- request_id=-: ")


@pytest.mark.parametrize("entry", [[sys.executable, str(DCSCTL_PY)], [sys.executable, "-m", "dcs"],
                                   [sys.executable, "-c", "from dcs._dcsctl import run; run()"]])
def test_every_entry_point_is_the_same_program(c_dcsctl, emu, entry):
    """examples/python/dcsctl.py, python -m dcs, and dcs._dcsctl:run, the wheel's console script."""
    env = client_env(emu)
    for args in (["--help"], ["flush", "--yes", "--output=json", RUNNING_6, RUNNING_3]):
        c = run([str(c_dcsctl)], emu, args, env, None)
        py = run(entry, emu, args, env, None)
        assert py.normalized() == c.normalized()


def test_import_dcs_does_not_load_the_program():
    """Only dcs._dcsctl pays for what a command line needs (json, the help text)."""
    probe = subprocess.run([sys.executable, "-c", "import sys, dcs; print(sorted(m for m in sys.modules "
                            "if m in ('dcs._dcsctl', 'json', 'argparse')))"],
                           env={**os.environ, "PYTHONPATH": str(PACKAGE_ROOT)}, capture_output=True, text=True,
                           check=True)
    assert probe.stdout.strip() == "[]"


def test_a_library_that_cannot_be_loaded_is_127_as_from_the_dynamic_loader(tmp_path, emu):
    """Where the C and Go programs could not even start (the loader exits 127), the Python one
    says why, exits 127, and sends nothing; --help needs no library."""
    env = client_env(emu, DCS_LIBRARY=str(tmp_path / "missing" / "libdcs.so"))
    done = subprocess.run([sys.executable, str(DCSCTL_PY), "restart", RUNNING_6], env=env, capture_output=True,
                          text=True, stdin=subprocess.DEVNULL)
    assert done.returncode == 127 and done.stdout == ""
    assert done.stderr.startswith("dcsctl: libdcs.so could not be loaded; tried:\n")
    assert emu.stats()["api_requests"] == 0
    helped = subprocess.run([sys.executable, str(DCSCTL_PY), "--help"], env=env, capture_output=True, text=True)
    assert helped.returncode == 0 and helped.stdout.startswith("usage: dcsctl ")


# --- list ---------------------------------------------------------------------------------------

def listed(emu, **selected):
    """The list lines the emulator's fleet says `dcsctl list` prints."""
    return [f"{i['id']} {i['status']} Redis {i['engine_version']} {i['name']}" for i in emu.instances()
            if all(selected_by(i) for selected_by in selected.values())]


def test_list_prints_every_instance_in_the_service_s_order(c_dcsctl, emu):
    py = run_both(c_dcsctl, emu, ["list"])
    assert (py.code, py.stderr) == (ALL_SUCCEEDED, "")
    assert py.lines() == listed(emu) and len(py.lines()) == 5 + len(GENERATED)
    assert py.lines()[0] == f"{RUNNING_6} RUNNING Redis 6.0 cache-a"


@pytest.mark.parametrize("args, selected", [
    (["--name", "cache"], {"name": lambda i: "cache" in i["name"]}),
    (["--name=generated-0042", "--exact"], {"name": lambda i: i["name"] == "generated-0042"}),
    (["--status", "FROZEN"], {"status": lambda i: i["status"] == "FROZEN"}),
    (["--tag", "role=queue", "--tag=env=prod"], {"tags": lambda i: i["tags"].get("role") == "queue"
                                                 and i["tags"].get("env") == "prod"}),
    (["--name", "generated-01", "--status=RUNNING", "--tag", "env=test"],
     {"name": lambda i: "generated-01" in i["name"], "tags": lambda i: i["tags"].get("env") == "test"}),
    (["--name", "no-such-name"], {"none": lambda i: False}),
])
def test_list_filters(c_dcsctl, emu, args, selected):
    py = run_both(c_dcsctl, emu, ["list", *args])
    assert (py.code, py.stderr) == (ALL_SUCCEEDED, "")
    assert py.lines() == listed(emu, **selected)


def test_list_as_json(c_dcsctl, emu):
    py = run_both(c_dcsctl, emu, ["list", "--output", "json", "--name", "cache-"])
    assert py.code == ALL_SUCCEEDED
    document = __import__("json").loads(py.stdout)
    assert document["action"] == "list" and document["status"] == {"name": "DCS_OK", "number": 0}
    assert document["instances"][0] == {"id": RUNNING_6, "name": "cache-a", "status": "RUNNING", "engine": "Redis",
                                         "engine_version": "6.0"}
    assert py.stdout.splitlines()[8] == (f'    {{"id": "{RUNNING_6}", "name": "cache-a", "status": "RUNNING", '
                                         '"engine": "Redis", "engine_version": "6.0"},')
    empty = run_both(c_dcsctl, emu, ["list", "--output=json", "--name", "nothing"])
    assert empty.code == ALL_SUCCEEDED and '  "instances": []\n}\n' in empty.stdout


def test_list_shows_odd_fields_safely(c_dcsctl, tmp_path):
    """Control bytes of any field print as '?', an empty field as '-'."""
    import json

    from emulator import Emulator

    fleet = tmp_path / "fleet.json"
    fleet.write_text(json.dumps([
        {"id": "odd-1", "name": "bell\u0007tab\tdel\u007fend", "engine_version": "6.0", "status": "UPGRADING"},
        {"id": "odd-2", "name": "", "engine_version": "", "status": "RUNNING"},
        {"id": "odd-3", "name": "caf\u00e9 ok", "engine_version": "5.0", "status": "RUNNING"},
    ]))
    with Emulator(["--instances", str(fleet), "--quiet"]) as emulator:
        py = run_both(c_dcsctl, emulator, ["list"])
        assert py.code == ALL_SUCCEEDED
        assert py.lines() == ["odd-1 UPGRADING Redis 6.0 bell?tab?del?end", "odd-2 RUNNING Redis - -",
                              "odd-3 RUNNING Redis 5.0 caf\u00e9 ok"]
        as_json = run_both(c_dcsctl, emulator, ["list", "--output=json"])
        assert '"name": "bell\\u0007tab\\tdel\x7fend"' in as_json.stdout and '"engine_version": ""' in as_json.stdout


@pytest.mark.parametrize("args, message", [
    (["--status", "running"], "filter->status"),
    (["--status="], "filter->status"),
    (["--tag", "novalue"], "filter->tags[0]"),
    (["--tag", "role=queue", "--tag", "=x"], "filter->tags[1]"),
])
def test_list_filters_the_library_refuses(c_dcsctl, emu, args, message):
    py = run_both(c_dcsctl, emu, ["list", *args])
    assert (py.code, py.stdout) == (USAGE, "")
    assert error_fields(py)[0] == "DCS_EINVAL" and message in py.stderr
    assert emu.stats()["list_gets"] == 0
    as_json = run_both(c_dcsctl, emu, ["list", "--output=json", *args])
    assert as_json.code == USAGE and '"name": "DCS_EINVAL"' in as_json.stdout and '"instances": []' in as_json.stdout


def test_list_errors_exit_as_the_actions_do(c_dcsctl, emu):
    py = run_both(c_dcsctl, emu, ["list"], fault={"kind": "status500", "on": "list"})
    assert (py.code, py.stdout) == (REFUSED, "")
    assert error_fields(py)[:3] == ("DCS_EAPI", "500", "DCS.5000")
    py = run_both(c_dcsctl, emu, ["list"], HUAWEICLOUD_SDK_SK="not-the-secret-key")
    assert py.code == REFUSED and error_fields(py)[1] == "401"
    py = run_both(c_dcsctl, emu, ["list"], DCS_ENDPOINT=closed_port_url())
    assert py.code == OUTCOME_UNKNOWN and error_fields(py)[0] == "DCS_ETRANSPORT"
    py = run_both(c_dcsctl, emu, ["list"], HUAWEICLOUD_SDK_PROJECT_ID="bad/project")
    assert py.code == CONFIGURATION


@pytest.mark.parametrize("args", [
    ["list", RUNNING_6], ["list", "-"], ["list", "--", "x"], ["list", "--wave", "2"], ["list", "--pause=1"],
    ["list", "--keep-going"], ["list", "--wait"], ["list", "--wait=5"], ["list", "--ids-from", "ids.txt"],
    ["list", "--dry-run"], ["list", "--yes"], ["list", "--exact"], ["list", "--name"], ["list", "--name="],
    ["list", "--name", "n" * 256], ["list", "--name", "a", "--name", "b"], ["list", "--status"],
    ["list", "--status", "A", "--status=B"], ["list", "--tag"], ["list", "--exact=yes", "--name", "a"],
    ["list", "--yes", "--name", "a", RUNNING_6], ["list", "--keep-going", "--exact"],
    ["restart", "--name", "a", RUNNING_6], ["restart", "--exact", RUNNING_6], ["flush", "--status=RUNNING", RUNNING_6],
    ["restart", "--tag", "a=b", RUNNING_6], ["restart", "--tag", "a=b", "--name", "x", RUNNING_6],
    ["restart", "--wave", RUNNING_6], ["restart", RUNNING_6, "--wave"], ["restart", "--wave=0", RUNNING_6],
    ["restart", "--wave", "10001", RUNNING_6], ["restart", "--wave=-1", RUNNING_6], ["restart", "--wave=2x", RUNNING_6],
    ["restart", "--wave=", RUNNING_6], ["restart", "--wave", "1", "--wave=2", RUNNING_6],
    ["restart", "--pause", "5", RUNNING_6], ["restart", "--keep-going", RUNNING_6],
    ["restart", "--wave", "1", "--pause", RUNNING_6], ["restart", "--wave", "1", "--pause=86401", RUNNING_6],
    ["restart", "--wave", "1", "--pause=-1", RUNNING_6], ["restart", "--wave", "1", "--pause=1.5", RUNNING_6],
    ["restart", "--wave", "1", "--pause=1", "--pause=2", RUNNING_6], ["restart", "--wave", "1", "--keep-going=1", RUNNING_6],
    ["restart", "--pause=1", "--keep-going", "--name", "x", RUNNING_6], ["restart", "--keep-going", "--pause", "1"],
    ["reboot", "--name", "x"], [],
])
def test_usage_of_list_and_the_rolling_options(c_dcsctl, emu, args):
    py = run_both(c_dcsctl, emu, args)
    assert (py.code, py.stdout) == (USAGE, "") and py.stderr.startswith("dcsctl: ") and py.stderr.endswith(USAGE_HINT)
    assert emu.stats()["api_requests"] == 0


def test_help_shows_list_and_the_rolling_options(c_dcsctl, emu):
    py = run_both(c_dcsctl, emu, ["--help"])
    assert "       dcsctl list [--name NAME [--exact]] [--status STATUS] [--tag KEY=VALUE]... [--output FORMAT]\n" in py.stdout
    assert "  --wave N           roll the action over the ids N at a time (1 to 10000): each\n" in py.stdout
    assert "6 a rolling\naction stopped after a wave with failures (later waves not sent); 130\n" in py.stdout


# --- rolling actions ------------------------------------------------------------------------------

ROLLED = [RUNNING_6, RUNNING_5, RUNNING_4]


@pytest.fixture(scope="module")
def rolling_emulator():
    from emulator import Emulator

    with Emulator(["--restart-seconds", "0.2", "--quiet"]) as emulator:
        yield emulator


@pytest.fixture
def roll_emu(rolling_emulator):
    """Restarted instances are RESTARTING for 0.2 s: a wave is waited on in well under a second."""
    rolling_emulator.reset()
    return rolling_emulator


def test_a_rolling_restart_prints_nothing_extra_off_a_terminal(c_dcsctl, roll_emu):
    py = run_both(c_dcsctl, roll_emu, ["restart", "--wave", "2", "--pause=0", *ROLLED])
    assert (py.code, py.stderr) == (ALL_SUCCEEDED, "")  # no progress line: stderr is a pipe
    assert py.lines() == [f"{i} success" for i in ROLLED]
    stats = roll_emu.stats()
    assert stats["status_puts"] == 2 and stats["status_gets"] >= 2 * len(ROLLED)  # --wave waits on each wave


def test_a_rolling_restart_stopped_at_its_gate_exits_6(c_dcsctl, roll_emu):
    py = run_both(c_dcsctl, roll_emu, ["restart", "--wave=1", "--wait=2", *ROLLED],
                  prepare=lambda emu: emu.set_never_returns(RUNNING_5))
    assert py.code == STOPPED
    assert py.lines() == [f"{RUNNING_6} success", f"{RUNNING_5} unknown", f"{RUNNING_4} not_sent"]
    status, http, code, request_id, message = error_fields(py)
    assert (status, http, code, request_id) == ("DCS_ESTOPPED", "0", "-", "-") and RUNNING_5 in message
    assert roll_emu.stats()["status_puts"] == 2  # the third wave was not sent


def test_keep_going_goes_past_the_gate_and_exits_1(c_dcsctl, roll_emu):
    py = run_both(c_dcsctl, roll_emu, ["restart", "--wave=1", "--wait=2", "--keep-going", "--output=json", *ROLLED],
                  prepare=lambda emu: emu.set_never_returns(RUNNING_5))
    assert py.code == PARTIAL and '"name": "DCS_EPARTIAL"' in py.stdout
    assert roll_emu.stats()["status_puts"] == 3


def test_a_dry_run_of_a_rolling_action_says_it_waits(c_dcsctl, emu):
    py = run_both(c_dcsctl, emu, ["restart", "--dry-run", "--wave", "2", *ROLLED])
    lines = py.stdout.splitlines()
    assert py.code == ALL_SUCCEEDED and lines[-2].endswith("until it is RUNNING, at most 600 s")  # after each wave
    assert sum(line.endswith("until it is RUNNING, at most 600 s") for line in lines) == 2
    assert lines[-1] == "a wave with an instance that does not end RUNNING stops the call: later waves are not sent"
    assert emu.stats()["api_requests"] == 0


def on_a_terminal(command, env):
    """Runs `command` with stderr on a pseudo-terminal in raw mode (the bytes as written, no CR
    added); (exit status, stdout, what reached the terminal)."""
    controller, terminal = pty.openpty()
    tty.setraw(terminal)
    try:
        child = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=terminal)
    finally:
        os.close(terminal)
    chunks = []

    def drain():
        while True:
            try:
                data = os.read(controller, 65536)
            except OSError:  # EIO: the child, the last holder of the terminal, is gone
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        out, _ = child.communicate(timeout=120)
        reader.join(timeout=30)
    finally:
        os.close(controller)
    return child.returncode, out, b"".join(chunks)


PROGRESS_LINE = re.compile(rb"\rwave (\d+)/(\d+): (\d+)/(\d+) done \((\d+) ok, (\d+) failed, (\d+) unknown, "
                           rb"(\d+) not sent\), (\d+) to go\x1b\[K")


@pytest.mark.parametrize("never_back", [None, RUNNING_5])
def test_the_progress_line_on_a_terminal(c_dcsctl, roll_emu, never_back):
    env = client_env(roll_emu)
    runs = []
    for command in ([str(c_dcsctl)], [sys.executable, str(DCSCTL_PY)]):
        roll_emu.reset()
        if never_back:
            roll_emu.set_never_returns(never_back)
        runs.append(on_a_terminal([*command, "restart", "--wave", "1", "--wait=2", *ROLLED], env))
    clean = [(code, out, re.sub(rb"request_id=[0-9a-f]+", b"request_id=RID", err)) for code, out, err in runs]
    assert clean[1] == clean[0]
    code, out, err = runs[1]
    progress, newline, rest = err.partition(b"\n")
    lines = PROGRESS_LINE.findall(progress)
    assert PROGRESS_LINE.sub(b"", progress) == b""  # nothing but progress lines before the newline
    for wave, waves, done, total, ok, failed, unknown, not_sent, to_go in (map(int, line) for line in lines):
        assert (waves, total) == (3, 3) and 1 <= wave <= 3
        assert done == ok + failed + unknown + not_sent and done + to_go == total
    if never_back is None:
        assert (code, newline, rest) == (ALL_SUCCEEDED, b"\n", b"")
        assert lines[0] == (b"1", b"3", b"0", b"3", b"0", b"0", b"0", b"0", b"3")
        assert lines[-1] == (b"3", b"3", b"3", b"3", b"3", b"0", b"0", b"0", b"0")
    else:
        assert code == STOPPED and rest.startswith(b"dcsctl: DCS_ESTOPPED ")
        assert lines[-1] == (b"2", b"3", b"3", b"3", b"1", b"0", b"1", b"1", b"0")
    assert out.decode().splitlines()[0] == f"{RUNNING_6} success"


def test_ctrl_c_during_a_listing_cancels_it(c_dcsctl, emu):
    """The listing runs in a worker thread too: SIGINT cancels it at once, exit 130."""
    env = client_env(emu)
    runs = []
    for command in ([str(c_dcsctl)], [sys.executable, str(DCSCTL_PY)]):
        emu.reset()
        emu.fault("delay", on="list", ms=10000)
        child = subprocess.Popen([*command, "list"], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 30
            while emu.stats()["list_gets"] == 0:
                assert time.monotonic() < deadline and child.poll() is None, "no listing came"
                time.sleep(0.02)
            started = time.monotonic()
            child.send_signal(signal.SIGINT)
            out, err = child.communicate(timeout=30)
            assert time.monotonic() - started < 5, command  # at once: not the 10 s delay
        finally:
            if child.poll() is None:
                child.kill()
        runs.append((child.returncode, out.decode(), err.decode()))
    assert runs[1] == runs[0]
    code, out, err = runs[0]
    assert (code, out) == (INTERRUPTED, "")
    assert err.startswith("dcsctl: DCS_ECANCELED http_status=0 code=- request_id=-: ")
