"""The progress line of the C dcsctl's rolling actions (--wave): drawn on standard error when it
is a terminal, rewritten in place at each progress event, its counts adding up, ended by a
newline before anything else is printed; and nothing of it when standard error is not a
terminal, whatever the other streams are. (test_three_dcsctl.py checks that the Python and Go
programs print the same.)"""

import json
import pathlib
import re

import pexpect
import pytest

import clients
from clients import client_env
from emulator import Emulator

REPO = pathlib.Path(__file__).resolve().parents[2]
DCSCTL = REPO / "examples" / "c" / "dcsctl"

ROLLING = [f"roll-{n:02d}" for n in range(1, 13)]
NEVER_RETURNS = "roll-07"  # in the second wave of 5
RETURNING = [i for i in ROLLING if i != NEVER_RETURNS]  # 11 ids: waves of 5, 5 and 1

# "\r" + the counts + "\033[K", as man/dcsctl.1 (ROLLING ACTIONS) shows it.
PROGRESS = re.compile(r"\rwave (\d+)/(\d+): (\d+)/(\d+) done "
                      r"\((\d+) ok, (\d+) failed, (\d+) unknown, (\d+) not sent\), (\d+) to go\x1b\[K")


@pytest.fixture(scope="module")
def dcsctl():
    if not DCSCTL.exists():
        pytest.fail(f"no {DCSCTL}: run make -C examples/c")
    return str(DCSCTL)


@pytest.fixture(scope="module")
def rolling_emulator(tmp_path_factory):
    """12 instances RUNNING again 0.2 s after a restart, but roll-07, which never comes back."""
    fleet = [{"id": i, "name": f"rolling-{i}", "engine_version": "6.0", "status": "RUNNING", "restart_seconds": 0.2,
              "never_returns": i == NEVER_RETURNS} for i in ROLLING]
    path = tmp_path_factory.mktemp("fleet") / "rolling.json"
    path.write_text(json.dumps(fleet))
    with Emulator(["--instances", str(path), "--quiet"]) as emu:
        yield emu


def outcome_lines(outcomes):
    return "".join(f"{i} {outcome}\n" for i, outcome in outcomes.items())


def counts(transcript):
    """The progress lines drawn, as tuples (wave, waves, done, total, ok, failed, unknown, not
    sent, to go)."""
    return [tuple(map(int, match.groups())) for match in PROGRESS.finditer(transcript)]


def check_that_the_counts_add_up(lines, total, waves):
    assert lines, "no progress line"
    previous_done, previous_wave = 0, 1
    for line in lines:
        wave, line_waves, done, line_total, ok, failed, unknown, not_sent, to_go = line
        assert (line_waves, line_total) == (waves, total), line
        assert done == ok + failed + unknown + not_sent and to_go == total - done, line
        assert done >= previous_done and previous_wave <= wave <= waves, line  # it only ever moves on
        previous_done, previous_wave = done, wave


def on_a_terminal(emulator, args, until=None, then=None):
    """(transcript with "\\r\\n" as "\\n", exit status) of dcsctl `args` with a pseudo-terminal as
    its three streams; when `until` (a string) is shown, `then` is typed."""
    emulator.reset()
    child = pexpect.spawn(str(DCSCTL), args, env=client_env(emulator), timeout=60, encoding="utf-8",
                          codec_errors="replace", dimensions=(24, 200))
    shown = ""
    try:
        if until is not None:
            child.expect_exact(until)
            shown = child.before + until
            child.send(then)
        child.expect(pexpect.EOF)
        shown += child.before or ""
    finally:
        child.close()
    return shown.replace("\r\n", "\n"), child.exitstatus


def test_the_progress_line_is_drawn_on_a_terminal(dcsctl, rolling_emulator):
    """Every event redraws the line: each wave's start, each instance done, each wave's end, and
    the end of the call, after which a newline, then the outcomes."""
    transcript, code = on_a_terminal(rolling_emulator, ["restart", "--wave", "5", "--wait=5", *RETURNING])
    expected_lines, done = [], 0
    for wave, size in enumerate([5, 5, 1], 1):
        expected_lines.append((wave, 3, done, 11, done, 0, 0, 0, 11 - done))  # the wave starts
        for _ in range(size):
            done += 1
            expected_lines.append((wave, 3, done, 11, done, 0, 0, 0, 11 - done))  # one instance more
        expected_lines.append((wave, 3, done, 11, done, 0, 0, 0, 11 - done))  # the wave ends
    expected_lines.append((3, 3, 11, 11, 11, 0, 0, 0, 0))  # the call ends
    assert counts(transcript) == expected_lines, transcript
    assert transcript.startswith("\rwave 1/3: 0/11 done (0 ok, 0 failed, 0 unknown, 0 not sent), 11 to go\x1b[K\r")
    progress, newline, rest = transcript.partition("\n")
    assert PROGRESS.sub("", progress) == "" and rest == outcome_lines({i: "success" for i in RETURNING})
    assert code == 0


def test_the_counts_add_up_when_the_gate_stops_the_restart(dcsctl, rolling_emulator):
    transcript, code = on_a_terminal(rolling_emulator, ["restart", "--wave", "5", "--wait=2", *ROLLING])
    lines = counts(transcript)
    check_that_the_counts_add_up(lines, 12, 3)
    assert (2, 3, 12, 12, 9, 0, 1, 2, 0) == lines[-1], lines  # roll-07 unknown, wave 3 not sent
    assert all(line[0] < 3 for line in lines)  # wave 3 never started
    progress, _, rest = transcript.partition("\n")
    assert PROGRESS.sub("", progress) == ""  # nothing else on the line
    expected = {i: "success" for i in ROLLING[:10]} | {NEVER_RETURNS: "unknown"} | {i: "not_sent" for i in ROLLING[10:]}
    assert rest.startswith(outcome_lines(expected)) and code == 6
    error = rest[len(outcome_lines(expected)):]
    assert error.startswith("dcsctl: DCS_ESTOPPED ") and error.count("\n") == 1 and NEVER_RETURNS in error


def test_ctrl_c_ends_the_line_before_the_outcomes(dcsctl, rolling_emulator):
    """Interrupted while it waits on wave 2 (roll-07 never comes back, --wait is 600 s): the line
    is ended, then the outcomes and the error line; wave 3 is not sent."""
    transcript, code = on_a_terminal(rolling_emulator, ["restart", "--wave", "5", *ROLLING],
                                     until="wave 2/3: 5/12 done", then="\x03")
    check_that_the_counts_add_up(counts(transcript), 12, 3)
    after_the_line = transcript.rsplit("\x1b[K", 1)[1]
    assert after_the_line.startswith(f"\n{ROLLING[0]} success\n"), transcript
    assert f"\n{ROLLING[10]} not_sent\n{ROLLING[11]} not_sent\ndcsctl: DCS_ECANCELED " in after_the_line
    assert code == 130


def with_one_terminal(emulator, args, terminal):
    """dcsctl `args` with a pseudo-terminal as `terminal`, a pipe as the other (see clients)."""
    emulator.reset()
    return clients.with_one_terminal([DCSCTL, *args], client_env(emulator), terminal)


def test_nothing_extra_on_standard_error_when_it_is_not_a_terminal(dcsctl, rolling_emulator):
    """Standard output a terminal is not enough: the outcomes go there, and standard error (a
    pipe) gets nothing when all succeed, and only the error line when the gate stops the call."""
    shown, piped, code = with_one_terminal(rolling_emulator, ["restart", "--wave", "5", "--wait=5", *RETURNING],
                                           "stdout")
    assert (shown, piped, code) == (outcome_lines({i: "success" for i in RETURNING}), "", 0)
    shown, piped, code = with_one_terminal(rolling_emulator, ["restart", "--wave", "5", "--wait=2", *ROLLING],
                                           "stdout")
    assert piped.startswith("dcsctl: DCS_ESTOPPED ") and piped.count("\n") == 1 and piped.endswith("\n")
    assert "\r" not in piped and "\x1b" not in piped and code == 6


def test_standard_error_a_terminal_is_enough(dcsctl, rolling_emulator):
    """Standard output a pipe and standard input closed: the line is drawn all the same."""
    shown, piped, code = with_one_terminal(rolling_emulator, ["restart", "--wave=5", "--wait=5", *RETURNING],
                                           "stderr")
    check_that_the_counts_add_up(counts(shown), 11, 3)
    assert shown.endswith("\rwave 3/3: 11/11 done (11 ok, 0 failed, 0 unknown, 0 not sent), 0 to go\x1b[K\n")
    assert (piped, code) == (outcome_lines({i: "success" for i in RETURNING}), 0)


def test_no_progress_line_without_wave(dcsctl, rolling_emulator):
    transcript, code = on_a_terminal(rolling_emulator, ["restart", "--wait=5", *RETURNING[:2]])
    assert (transcript, code) == (outcome_lines({i: "success" for i in RETURNING[:2]}), 0)
