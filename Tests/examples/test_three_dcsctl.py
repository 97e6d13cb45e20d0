"""The three examples, C, Python and Go, print identical lines and exit with the same code for
the same calls. Only request ids (fresh per answer) and libcurl's millisecond timings differ
from run to run, so those are masked before comparing."""

import os
import pathlib
import re
import subprocess

import pytest

from clients import client_env, closed_port_url
from emulator import Emulator

REPO = pathlib.Path(__file__).resolve().parents[2]

RUNNING = ["2e803f66-fbb0-47ad-b6cb-fb87f5bed4ef", "5b7c1a2e-3f4d-4e5a-9b6c-7d8e9f0a1b2c"]
FLUSH_PARTIAL = ["2e803f66-fbb0-47ad-b6cb-fb87f5bed4ef", "c4d5e6f7-0a1b-4c2d-9e3f-4a5b6c7d8e9f",
                 "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b", "no-such-instance"]


@pytest.fixture(scope="module")
def programs(tmp_path_factory):
    """The three dcsctl commands, each as an argv prefix."""
    c = REPO / "examples" / "c" / "dcsctl"
    if not c.exists():
        pytest.fail(f"no {c}: run scripts/build.sh")
    go = tmp_path_factory.mktemp("go") / "dcsctl"
    subprocess.run(["go", "build", "-o", str(go), "./cmd/dcsctl"], cwd=REPO / "examples" / "go", check=True)
    python = ["python3", str(REPO / "examples" / "python" / "dcsctl.py")]
    return {"c": [str(c)], "python": python, "go": [str(go)]}


@pytest.fixture(scope="module")
def emulator():
    with Emulator(["--restart-seconds", "0", "--generated-instances", "120", "--quiet"]) as emu:
        yield emu


def masked(text):
    text = re.sub(r"request_id=[0-9a-f]{32}", "request_id=<id>", text)
    return re.sub(r"after \d+ ms", "after <n> ms", text)


def run_all(programs, emulator, args, fault=None, **env):
    """(stdout, stderr, exit code) of each program, the emulator reset and the fault armed before each."""
    outputs = {}
    for name, command in programs.items():
        emulator.reset()
        if fault:
            emulator.fault(**fault)
        environment = client_env(emulator, PYTHONPATH=str(REPO / "examples" / "python"), **env)
        done = subprocess.run([*command, *args], env=environment, capture_output=True, timeout=120)
        outputs[name] = (done.stdout.decode("utf-8", "replace"), masked(done.stderr.decode("utf-8", "replace")),
                         done.returncode)
    return outputs


SCENARIOS = {
    "success": (["restart", *RUNNING], {}, {}),
    "partial": (["flush", *FLUSH_PARTIAL], {}, {}),
    "batch_of_120": (["soft_restart", *[f"emu-{n:04d}" for n in range(1, 121)]], {}, {}),
    "fault_on_second_request": (["flush", *[f"emu-{n:04d}" for n in range(1, 121)]],
                                {"kind": "status500", "skip": 1}, {}),
    "html_502": (["restart", *RUNNING], {"kind": "html502"}, {}),
    "not_json": (["restart", *RUNNING], {"kind": "not_json"}, {}),
    "wrong_sk": (["restart", *RUNNING], {}, {"HUAWEICLOUD_SDK_SK": "not-the-secret"}),
    "bad_id": (["restart", RUNNING[0], "tab\there"], {}, {}),
    "repeated_id": (["restart", RUNNING[0], RUNNING[0]], {}, {}),
    "restart_and_wait": (["restart", "--wait=30", *RUNNING, "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b"], {}, {}),
    "flush_and_wait": (["flush", "--wait", *RUNNING], {}, {}),
    "wait_without_ids": (["restart", "--wait"], {}, {}),
    "bad_wait": (["restart", "--wait=x", RUNNING[0]], {}, {}),
    "usage": (["reboot", RUNNING[0]], {}, {}),
    "no_ids": (["restart"], {}, {}),
    "bad_environment": (["restart", *RUNNING], {}, {"HUAWEICLOUD_SDK_PROJECT_ID": "bad/project"}),
    "missing_credentials": (["restart", *RUNNING], {}, {"HUAWEICLOUD_SDK_AK": "", "HUAWEICLOUD_SDK_SK": ""}),
    "plain_http_elsewhere": (["restart", *RUNNING], {}, {"DCS_ENDPOINT": "http://dcs.example.com"}),
}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_same_lines_and_exit_codes(programs, emulator, scenario):
    args, fault, env = SCENARIOS[scenario]
    outputs = run_all(programs, emulator, args, fault, **env)
    assert outputs["python"] == outputs["c"]
    assert outputs["go"] == outputs["c"]
    assert outputs["c"][1].count("\n") <= 1  # at most one error line


def test_refused_connection_is_the_same(programs, emulator):
    outputs = run_all(programs, emulator, ["restart", *RUNNING], DCS_ENDPOINT=closed_port_url())
    assert outputs["c"][2] == 2 and "not_sent" in outputs["c"][0]
    assert outputs["python"] == outputs["c"] and outputs["go"] == outputs["c"]
