"""The three dcsctl, C, Python and Go, print the same bytes on stdout and stderr and exit with the
same status for the same command line, input and service. Only request ids (fresh per answer)
and libcurl's millisecond timings differ from run to run, so those are masked before comparing.

Every promise of man/dcsctl.1 is a case here: options parsed as options (typos of each one send
nothing), --help and --version, the JSON document, ids from a file and from standard input,
--dry-run without credentials, the confirmation of a flush (refused off a terminal, asked on a
pseudo-terminal), Ctrl-C, each exit status, the listing (its filters, text and JSON, its
errors), and rolling actions (the waves, the health gate, --keep-going, --pause, the progress
line on a terminal only)."""

import json
import pathlib
import re
import signal
import subprocess
import time

import pexpect
import pytest

import clients
from clients import client_env, closed_port_url, interrupted_while_waiting
from emulator import Emulator, TEST_PROJECT_ID

REPO = pathlib.Path(__file__).resolve().parents[2]

RUNNING = ["2e803f66-fbb0-47ad-b6cb-fb87f5bed4ef", "5b7c1a2e-3f4d-4e5a-9b6c-7d8e9f0a1b2c"]
REDIS_3 = "c4d5e6f7-0a1b-4c2d-9e3f-4a5b6c7d8e9f"  # cannot be flushed
FROZEN = "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b"
FLUSH_PARTIAL = [RUNNING[0], REDIS_3, FROZEN, "no-such-instance"]
GENERATED = [f"emu-{n:04d}" for n in range(1, 121)]

# The exit statuses of man/dcsctl.1.
ALL_SUCCEEDED, PARTIAL, USAGE, CONFIGURATION, REFUSED, OUTCOME_UNKNOWN, STOPPED, INTERRUPTED = 0, 1, 2, 3, 4, 5, 6, 130
USAGE_HINT = "usage: dcsctl restart|soft_restart|flush [OPTION]... ID... (dcsctl --help for more)\n"
PROMPT = "flush {n} instances? This deletes all their data and cannot be undone [y/N] "


@pytest.fixture(scope="module")
def programs(tmp_path_factory):
    """The three dcsctl commands, each as an argv prefix."""
    c = REPO / "examples" / "c" / "dcsctl"
    if not c.exists():
        pytest.fail(f"no {c}: run scripts/build.sh")
    go = tmp_path_factory.mktemp("go") / "dcsctl"
    # dcs_intree: the tag under which the package links the checkout's build rather than an
    # installed libdcs (go build ignores a tag no file uses).
    subprocess.run(["go", "build", "-tags", "dcs_intree", "-o", str(go), "./cmd/dcsctl"],
                   cwd=REPO / "examples" / "go", check=True)
    python = ["python3", str(REPO / "examples" / "python" / "dcsctl.py")]
    return {"c": [str(c)], "python": python, "go": [str(go)]}


@pytest.fixture(scope="module")
def emulator():
    with Emulator(["--restart-seconds", "0", "--generated-instances", "120", "--quiet"]) as emu:
        yield emu


@pytest.fixture(scope="module")
def slow_emulator():
    """Restarted instances stay RESTARTING for 60 s: a --wait lasts until it is interrupted."""
    with Emulator(["--restart-seconds", "60", "--quiet"]) as emu:
        yield emu


def masked(text):
    text = re.sub(r"request_id=[0-9a-f]{32}", "request_id=<id>", text)
    text = re.sub(r'"request_id": "[0-9a-f]{32}"', '"request_id": "<id>"', text)
    return re.sub(r"after \d+ ms", "after <n> ms", text)


class Run:
    """What one program did: its streams (masked), exit status and time taken, and what the
    emulator saw: the actions (PUT requests), the listing's pages (GET .../instances) and all
    requests, status polls included; with an emulator that records requests, the ids of each PUT."""

    def __init__(self, stdout, stderr, code, stats, elapsed=0.0, puts=None):
        self.stdout, self.stderr, self.code, self.elapsed, self.puts = stdout, stderr, code, elapsed, puts
        self.actions, self.listings, self.requests = stats["status_puts"], stats["list_gets"], stats["api_requests"]

    def key(self):
        return (self.stdout, self.stderr, self.code, self.actions, self.listings, self.requests > self.actions,
                self.puts)

    def __repr__(self):
        return (f"Run(code={self.code}, actions={self.actions}, listings={self.listings}, requests={self.requests}, "
                f"puts={self.puts}, elapsed={self.elapsed:.2f}, stdout={self.stdout!r}, stderr={self.stderr!r})")


def environment(emulator, env):
    """client_env, with the values None removed."""
    full = client_env(emulator, PYTHONPATH=str(REPO / "examples" / "python"),
                      **{k: v for k, v in env.items() if v is not None})
    for name, value in env.items():
        if value is None:
            full.pop(name, None)
    return full


def put_ids(emulator):
    """The ids of each PUT the emulator recorded (it must run with --record-requests), in order."""
    return [json.loads(request["body"])["instances"] for request in emulator.requests() if request["method"] == "PUT"]


def run_all(programs, emulator, args, fault=None, stdin=b"", cwd=None, record=False, **env):
    """Each program's Run, the emulator reset and the fault armed before each; standard input
    is `stdin` (bytes, never a terminal). `record`: the emulator records requests, and each Run
    holds the ids of each PUT."""
    runs = {}
    for name, command in programs.items():
        emulator.reset()
        if fault:
            emulator.fault(**fault)
        started = time.monotonic()
        done = subprocess.run([*command, *args], env=environment(emulator, env), input=stdin, capture_output=True,
                              timeout=120, cwd=cwd)
        elapsed = time.monotonic() - started
        runs[name] = Run(masked(done.stdout.decode("utf-8", "replace")), masked(done.stderr.decode("utf-8", "replace")),
                         done.returncode, emulator.stats(), elapsed, put_ids(emulator) if record else None)
    return runs


def same(runs):
    """The C program's run, after checking that the other two did exactly the same."""
    assert runs["python"].key() == runs["c"].key(), runs
    assert runs["go"].key() == runs["c"].key(), runs
    return runs["c"]


def usage_error(message):
    return f"dcsctl: {message}\n{USAGE_HINT}"


# Calls, their output and their exit status ------------------------------------------------------

# name: (args, fault, environment, exit status, actions the emulator sees)
SCENARIOS = {
    "success": (["restart", *RUNNING], {}, {}, ALL_SUCCEEDED, 1),
    "partial": (["flush", "--yes", *FLUSH_PARTIAL], {}, {}, PARTIAL, 1),
    "batch_of_120": (["soft_restart", *GENERATED], {}, {}, ALL_SUCCEEDED, 3),
    "fault_on_second_request": (["flush", "--yes", *GENERATED], {"kind": "status500", "skip": 1}, {}, REFUSED, 2),
    "html_502": (["restart", *RUNNING], {"kind": "html502"}, {}, REFUSED, 1),
    "not_json": (["restart", *RUNNING], {"kind": "not_json"}, {}, OUTCOME_UNKNOWN, 1),
    "reset_after_send": (["restart", RUNNING[0]], {"kind": "reset"}, {}, OUTCOME_UNKNOWN, 1),
    "wrong_sk": (["restart", *RUNNING], {}, {"HUAWEICLOUD_SDK_SK": "not-the-secret"}, REFUSED, 1),
    "bad_id": (["restart", RUNNING[0], "tab\there"], {}, {}, USAGE, 0),
    "repeated_id": (["restart", RUNNING[0], RUNNING[0]], {}, {}, USAGE, 0),
    "restart_and_wait": (["restart", "--wait=30", *RUNNING, FROZEN], {}, {}, PARTIAL, 1),
    "flush_and_wait": (["flush", "--yes", "--wait", *RUNNING], {}, {}, ALL_SUCCEEDED, 1),
    "options_after_the_ids": (["restart", RUNNING[0], "--wait=30", "--output", "json"], {}, {}, ALL_SUCCEEDED, 1),
    "options_before_the_action": (["--output=json", "--wait", "soft_restart", RUNNING[0]], {}, {}, ALL_SUCCEEDED, 1),
    "double_dash_ends_the_options": (["restart", "--", "-starts-with-a-dash", "--wait"], {}, {}, PARTIAL, 1),
    "bad_environment": (["restart", *RUNNING], {}, {"HUAWEICLOUD_SDK_PROJECT_ID": "bad/project"}, CONFIGURATION, 0),
    "missing_credentials": (["restart", *RUNNING], {}, {"HUAWEICLOUD_SDK_AK": "", "HUAWEICLOUD_SDK_SK": ""},
                            CONFIGURATION, 0),
    "plain_http_elsewhere": (["restart", *RUNNING], {}, {"DCS_ENDPOINT": "http://dcs.example.com"}, CONFIGURATION, 0),
    # JSON: success, partial, an error with results, an error before sending, a bad id.
    "json_success": (["restart", "--output", "json", *RUNNING], {}, {}, ALL_SUCCEEDED, 1),
    "json_partial": (["flush", "--yes", "--output=json", *FLUSH_PARTIAL], {}, {}, PARTIAL, 1),
    "json_error_on_second_request": (["flush", "--yes", "--output=json", *GENERATED],
                                     {"kind": "status500", "skip": 1}, {}, REFUSED, 2),
    "json_configuration_error": (["restart", "--output=json", *RUNNING], {},
                                 {"HUAWEICLOUD_SDK_PROJECT_ID": "bad/project"}, CONFIGURATION, 0),
    "json_bad_id": (["restart", "--output=json", RUNNING[0], ""], {}, {}, USAGE, 0),
    # Dry runs: nothing sent, no credentials needed; the project id from the environment, or not.
    "dry_run": (["flush", "--dry-run", "--wait=30", *GENERATED], {}, {}, ALL_SUCCEEDED, 0),
    "dry_run_without_credentials": (["restart", "--dry-run", *RUNNING], {},
                                    {"HUAWEICLOUD_SDK_AK": None, "HUAWEICLOUD_SDK_SK": None,
                                     "DCS_ENDPOINT": None}, ALL_SUCCEEDED, 0),
    "dry_run_without_project_id": (["soft_restart", "--dry-run", *RUNNING], {},
                                   {"HUAWEICLOUD_SDK_AK": None, "HUAWEICLOUD_SDK_SK": None,
                                    "HUAWEICLOUD_SDK_PROJECT_ID": None}, ALL_SUCCEEDED, 0),
    "dry_run_json": (["restart", "--dry-run", "--output=json", *GENERATED[:60], 'quote"back\\slash'], {},
                     {"HUAWEICLOUD_SDK_SK": None}, ALL_SUCCEEDED, 0),
    "dry_run_json_without_project_id": (["restart", "--dry-run", "--output=json", RUNNING[0]], {},
                                        {"HUAWEICLOUD_SDK_PROJECT_ID": None}, ALL_SUCCEEDED, 0),
    "dry_run_checks_the_ids": (["restart", "--dry-run", RUNNING[0], RUNNING[0]], {}, {}, USAGE, 0),
    # The confirmation of a flush: standard input is not a terminal here.
    "flush_refused_without_yes": (["flush", *RUNNING], {}, {}, USAGE, 0),
    "flush_refused_without_yes_in_json": (["flush", "--output=json", RUNNING[0]], {}, {}, USAGE, 0),
    "restart_needs_no_confirmation": (["soft_restart", *RUNNING], {}, {}, ALL_SUCCEEDED, 1),
    # Help and version: stdout, exit 0, nothing sent, whatever else the line holds.
    "help": (["--help"], {}, {}, ALL_SUCCEEDED, 0),  # test_man_page.py: each option has its entry
    "short_help": (["-h"], {}, {}, ALL_SUCCEEDED, 0),
    "action_help": (["flush", "--help"], {}, {}, ALL_SUCCEEDED, 0),
    "help_among_ids": (["restart", RUNNING[0], "--help", RUNNING[1]], {}, {}, ALL_SUCCEEDED, 0),
    "version": (["--version"], {}, {}, ALL_SUCCEEDED, 0),
    # Usage errors.
    "no_arguments": ([], {}, {}, USAGE, 0),
    "no_ids": (["restart"], {}, {}, USAGE, 0),
    "wait_without_ids": (["restart", "--wait"], {}, {}, USAGE, 0),
    "unknown_action": (["reboot", RUNNING[0]], {}, {}, USAGE, 0),
    "empty_action": (["", RUNNING[0]], {}, {}, USAGE, 0),
    "bad_wait": (["restart", "--wait=x", RUNNING[0]], {}, {}, USAGE, 0),
    "wait_twice": (["restart", "--wait", "--wait=5", RUNNING[0]], {}, {}, USAGE, 0),
    "bad_output": (["restart", "--output", "yaml", RUNNING[0]], {}, {}, USAGE, 0),
    "output_without_value": (["restart", RUNNING[0], "--output"], {}, {}, USAGE, 0),
    "dash_among_ids": (["restart", RUNNING[0], "-"], {}, {}, USAGE, 0),
    "ids_and_ids_from": (["restart", "--ids-from", "ids.txt", RUNNING[0]], {}, {}, USAGE, 0),
    "ids_from_missing_file": (["restart", "--ids-from", "/nonexistent/ids.txt"], {}, {}, USAGE, 0),
    "ids_from_a_directory": (["restart", "--ids-from=/"], {}, {}, USAGE, 0),
    "usage_error_before_the_environment": (["restart", "--wait=0", RUNNING[0]], {},
                                           {"HUAWEICLOUD_SDK_PROJECT_ID": "bad/project"}, USAGE, 0),
}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_same_output_and_exit_status(programs, emulator, scenario):
    args, fault, env, code, actions = SCENARIOS[scenario]
    run = same(run_all(programs, emulator, args, fault, **env))
    assert (run.code, run.actions) == (code, actions), run
    if actions == 0:
        assert run.requests == 0, run
    if code == ALL_SUCCEEDED:
        assert run.stderr == ""
    elif not run.stderr.endswith(USAGE_HINT):
        assert run.stderr.count("\n") == 1, run  # one error line


def test_refused_connection_is_the_same(programs, emulator):
    run = same(run_all(programs, emulator, ["restart", *RUNNING], DCS_ENDPOINT=closed_port_url()))
    assert run.code == OUTCOME_UNKNOWN and run.stdout == "".join(f"{i} not_sent\n" for i in RUNNING)
    assert run.stderr.startswith("dcsctl: DCS_ETRANSPORT http_status=0 code=- request_id=-: ")


# Options are options: a typo is a usage error naming it, and nothing is sent ------------------

TYPOS = [
    "--wiat", "--wiat=30", "--wait30", "--Wait", "-w", "--waits=5",
    "--outptu=json", "--out=json", "--output-json", "-o", "--OUTPUT=json",
    "--ids-form=ids.txt", "--idsfrom", "--ids_from=ids.txt",
    "--dry_run", "--dryrun", "--dry-runn", "-n",
    "--yse", "--y", "-y", "--yes-",
    "--hepl", "--hlep", "-help", "-H",
    "--verison", "-v", "-V", "--version2",
    "---", "-", "-2e803f66-fbb0-47ad-b6cb-fb87f5bed4ef",
    "--wav=5", "--waves=5", "--Wave=5", "--wave5", "--paus=1", "--pauses=1", "--keep_going", "--keepgoing",
    "--keep-goin", "--names=x", "--nam=x", "--exactly", "--stat=RUNNING", "--statuses=RUNNING", "--tags=a=b",
    "--ta=a=b", "--list",
]


@pytest.mark.parametrize("typo", TYPOS)
def test_a_typo_of_an_option_sends_nothing(programs, emulator, typo):
    """`dcsctl restart --wiat=30 ID` once restarted the instance; every near miss of every option
    is refused, named, before anything is read or sent. ("-" among other ids is refused too.)"""
    run = same(run_all(programs, emulator, ["restart", typo, RUNNING[0]]))
    assert (run.code, run.stdout, run.requests) == (USAGE, "", 0)
    if typo == "-":
        assert run.stderr == usage_error("'-' reads the ids from standard input: it must be the only id")
    else:
        assert run.stderr == usage_error(f"unknown option '{typo}'; an id that starts with '-' goes after '--'")


@pytest.mark.parametrize("flag", ["--help", "--version", "--dry-run", "--yes", "--keep-going", "--exact"])
def test_a_flag_with_a_value_sends_nothing(programs, emulator, flag):
    run = same(run_all(programs, emulator, ["flush", f"{flag}=1", RUNNING[0]]))
    assert (run.code, run.stdout, run.stderr, run.requests) == (USAGE, "", usage_error(f"{flag} takes no value"), 0)


def test_the_usage_error_names_what_is_wrong(programs, emulator):
    """The words of the usage errors, once each (the scenarios above compare them)."""
    cases = {
        ("restart",): "no instance ids: give them as arguments, with --ids-from FILE, or '-' to read standard input",
        ("reboot", "x"): "unknown action 'reboot': restart, soft_restart, flush or list",
        (): "no action given: restart, soft_restart, flush or list",
        ("restart", "--wait=86401", "x"): "--wait takes whole seconds from 1 to 86400, not '86401'",
        ("restart", "--output=yaml", "x"): "--output must be text or json, not 'yaml'",
        ("restart", "--ids-from", "f", "--ids-from", "g"): "--ids-from given twice",
        ("restart", "--ids-from="): "--ids-from needs a file name",
        ("restart", "--ids-from", "f", "x"): "give the ids as arguments or with --ids-from, not both",
    }
    for args, message in cases.items():
        run = same(run_all(programs, emulator, list(args)))
        assert (run.code, run.stderr) == (USAGE, usage_error(message)), args


# Help and version -----------------------------------------------------------------------------

def test_help_is_the_usage_on_stdout(programs, emulator):
    help_run = same(run_all(programs, emulator, ["--help"]))
    assert help_run.stdout.startswith("usage: dcsctl restart|soft_restart|flush [OPTION]... ID...\n")
    for option in ("--wait[=SECONDS]", "--wave N", "--pause SECONDS", "--keep-going", "--name NAME", "--exact",
                   "--status STATUS", "--tag KEY=VALUE", "--output FORMAT", "--ids-from FILE", "--dry-run", "--yes",
                   "-h, --help", "--version"):
        assert f"  {option}" in help_run.stdout
    assert ("       dcsctl list [--name NAME [--exact]] [--status STATUS] [--tag KEY=VALUE]... [--output FORMAT]\n"
            "       dcsctl --help | --version\n") in help_run.stdout
    assert "; 6 a rolling\naction stopped after a wave with failures (later waves not sent); 130\n" in help_run.stdout
    assert same(run_all(programs, emulator, ["restart", "--help"])).stdout == help_run.stdout


def test_version_names_libdcs_and_the_libcurl_it_runs_on(programs, emulator):
    import ctypes

    run = same(run_all(programs, emulator, ["--version"]))
    curl = ctypes.CDLL("libcurl.so.4")
    curl.curl_version.restype = ctypes.c_char_p
    libcurl = curl.curl_version().decode().split()[0].split("/")[1]
    header = (REPO / "include" / "dcs.h").read_text()
    version = ".".join(re.search(rf"#define DCS_VERSION_{part} (\d+)", header).group(1)
                       for part in ("MAJOR", "MINOR", "PATCH"))
    assert run.stdout == f"libdcs {version}\nlibcurl {libcurl}\n"


# The JSON document ------------------------------------------------------------------------------

def json_document(programs, emulator, args, fault=None, **env):
    run = same(run_all(programs, emulator, args, fault, **env))
    return run, json.loads(run.stdout)


def check_shape(document, action, ids):
    """The shape man/dcsctl.1 documents: every key, always, in this order; null for what is not."""
    assert list(document) == ["action", "status", "http_status", "code", "request_id", "message", "instances"]
    assert document["action"] == action
    assert list(document["status"]) == ["name", "number"]
    assert isinstance(document["status"]["name"], str) and isinstance(document["status"]["number"], int)
    assert document["http_status"] is None or isinstance(document["http_status"], int)
    for key in ("code", "request_id", "message"):
        assert document[key] is None or (isinstance(document[key], str) and document[key] != "")
    assert [entry["id"] for entry in document["instances"]] == ids  # input order
    for entry in document["instances"]:
        assert list(entry) == ["id", "outcome", "request_id"]
        assert entry["outcome"] in ("success", "failed", "not_sent", "unknown")


def test_json_on_success(programs, emulator):
    run, document = json_document(programs, emulator, ["restart", "--output=json", *RUNNING])
    check_shape(document, "restart", RUNNING)
    assert (document["status"], document["http_status"], document["message"]) == (
        {"name": "DCS_OK", "number": 0}, None, None)
    assert [e["outcome"] for e in document["instances"]] == ["success", "success"]
    assert {e["request_id"] for e in document["instances"]} == {"<id>"}  # the answer's, masked
    assert run.stderr == ""


def test_json_on_partial(programs, emulator):
    run, document = json_document(programs, emulator, ["flush", "--yes", "--output=json", *FLUSH_PARTIAL])
    check_shape(document, "flush", FLUSH_PARTIAL)
    assert document["status"] == {"name": "DCS_EPARTIAL", "number": 1} and document["http_status"] == 200
    assert document["request_id"] == "<id>" and document["code"] is None and "3 of 4" in document["message"]
    assert [e["outcome"] for e in document["instances"]] == ["success", "failed", "failed", "failed"]
    assert run.stderr.startswith("dcsctl: DCS_EPARTIAL http_status=200 code=- request_id=<id>: ")


def test_json_on_error_gives_each_instance_the_request_id_that_decided_it(programs, emulator, tmp_path):
    """Unmasked: the first 50 carry the 200's request id, the next 50 the 500's (the call's), the
    last 20 none."""
    emulator.reset()
    emulator.fault("status500", skip=1)
    done = subprocess.run([*programs["c"], "flush", "--yes", "--output=json", *GENERATED],
                          env=environment(emulator, {}), capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
    document = json.loads(done.stdout)
    check_shape(document, "flush", GENERATED)
    assert (document["status"], document["http_status"], document["code"]) == (
        {"name": "DCS_EAPI", "number": -5}, 500, "DCS.5000")
    ids = [e["request_id"] for e in document["instances"]]
    first, second = ids[0], ids[50]
    assert re.fullmatch("[0-9a-f]{32}", first) and re.fullmatch("[0-9a-f]{32}", second) and first != second
    assert ids == [first] * 50 + [second] * 50 + [None] * 20 and document["request_id"] == second
    assert [e["outcome"] for e in document["instances"]] == ["success"] * 50 + ["unknown"] * 50 + ["not_sent"] * 20
    assert done.returncode == REFUSED
    # The three agree on it all, request ids aside.
    same(run_all(programs, emulator, ["flush", "--yes", "--output=json", *GENERATED], {"kind": "status500", "skip": 1}))


def test_json_before_anything_is_sent(programs, emulator):
    _, document = json_document(programs, emulator, ["restart", "--output=json", *RUNNING],
                                HUAWEICLOUD_SDK_PROJECT_ID="bad/project")
    check_shape(document, "restart", [])
    assert document["status"] == {"name": "DCS_ECONFIG", "number": -2}
    assert document["message"].startswith("HUAWEICLOUD_SDK_PROJECT_ID")
    _, document = json_document(programs, emulator, ["restart", "--output=json", RUNNING[0], "a\tb"])
    assert document["status"]["name"] == "DCS_EINVAL" and document["message"].startswith("instance_ids[1]")


def test_json_escapes_what_json_must(programs, emulator):
    """Ids the service fails hold quotes, backslashes and non-ASCII; a dry run's path holds the
    project id as the environment gives it, control characters too: json.loads reads them back."""
    ids = ['quote"', "back\\slash", "café-日本", "</script>"]
    run, document = json_document(programs, emulator, ["restart", "--output=json", *ids])
    assert [e["id"] for e in document["instances"]] == ids and run.code == PARTIAL
    project = "p\tq\x01\x1f\\\"\x7f"
    run, document = json_document(programs, emulator, ["restart", "--output=json", "--dry-run", "a"],
                                  HUAWEICLOUD_SDK_PROJECT_ID=project)
    assert (document["project_id"], document["path"]) == (project, f"/v2/{project}/instances/status")
    assert '"project_id": "p\\tq\\u0001\\u001f\\\\\\"\x7f"' in run.stdout


# Ids from a file and from standard input ----------------------------------------------------------

IDS_FILE = (b"# instances to restart\n"
            b"2e803f66-fbb0-47ad-b6cb-fb87f5bed4ef\n"
            b"\n"
            b"   5b7c1a2e-3f4d-4e5a-9b6c-7d8e9f0a1b2c\t\r\n"
            b"  # indented comment\n"
            b"e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b")  # no newline at the end


def test_ids_from_a_file(programs, emulator, tmp_path):
    (tmp_path / "ids.txt").write_bytes(IDS_FILE)
    run = same(run_all(programs, emulator, ["restart", "--ids-from", "ids.txt"], cwd=tmp_path))
    assert run.stdout == f"{RUNNING[0]} success\n{RUNNING[1]} success\n{FROZEN} failed\n"
    assert (run.code, run.requests) == (PARTIAL, 1)


@pytest.mark.parametrize("args", [["soft_restart", "-"], ["soft_restart", "--ids-from", "-"],
                                  ["--ids-from=-", "soft_restart"]])
def test_ids_from_standard_input(programs, emulator, args):
    run = same(run_all(programs, emulator, args, stdin=IDS_FILE))
    assert run.stdout == f"{RUNNING[0]} success\n{RUNNING[1]} success\n{FROZEN} failed\n" and run.code == PARTIAL


def test_hcloud_output_piped_into_dcsctl(programs, emulator):
    """The pipe of the issue: a list command's output, 120 ids, three requests."""
    run = same(run_all(programs, emulator, ["restart", "-"], stdin="\n".join(GENERATED).encode()))
    assert run.stdout == "".join(f"{i} success\n" for i in GENERATED) and run.requests == 3


@pytest.mark.parametrize("content, message", [
    (b"ok-1\n\nok-2\ntab\there\n", "line 4 holds a control character (U+0009)"),
    (b"ok-1\n# c\nok-2\nok-1\n", "line 4 repeats line 1: each instance may appear once"),
    (b"ok-1\n" + b"x" * 129 + b"\n", "line 2 is longer than 128 bytes"),
    (b"# c\nab\xffcd\n", "line 2 is not valid UTF-8"),
    (b"ok-1\nnul\x00inside\nok-1\n", "line 2 holds a control character (U+0000)"),
    (b"ok-1\nok-1\nnul\x00later\n", "line 2 repeats line 1: each instance may appear once"),
    (b"ok\x01\nnul\x00later\n", "line 1 holds a control character (U+0001)"),
])
def test_a_bad_line_is_a_usage_error_naming_it_and_nothing_is_sent(programs, emulator, tmp_path, content, message):
    (tmp_path / "ids.txt").write_bytes(content)
    run = same(run_all(programs, emulator, ["restart", "--ids-from=ids.txt"], cwd=tmp_path))
    assert (run.code, run.stdout, run.requests) == (USAGE, "", 0)
    assert run.stderr == f"dcsctl: DCS_EINVAL http_status=0 code=- request_id=-: ids.txt: {message}\n"
    run = same(run_all(programs, emulator, ["restart", "-"], stdin=content))
    assert run.stderr == f"dcsctl: DCS_EINVAL http_status=0 code=- request_id=-: standard input: {message}\n"
    assert run.requests == 0


@pytest.mark.parametrize("content", [b"", b"\n\n", b"# only a comment\n  \t\n"])
def test_a_file_without_ids_is_a_usage_error(programs, emulator, tmp_path, content):
    (tmp_path / "ids.txt").write_bytes(content)
    run = same(run_all(programs, emulator, ["restart", "--ids-from", "ids.txt"], cwd=tmp_path))
    assert (run.code, run.stderr, run.requests) == (USAGE, "dcsctl: ids.txt holds no instance ids\n", 0)


def test_an_unreadable_file_says_why(programs, emulator, tmp_path):
    run = same(run_all(programs, emulator, ["restart", "--ids-from", str(tmp_path / "missing")]))
    assert run.stderr == f"dcsctl: cannot read {tmp_path / 'missing'}: No such file or directory\n"
    run = same(run_all(programs, emulator, ["restart", "--ids-from", str(tmp_path)]))
    assert run.stderr == f"dcsctl: cannot read {tmp_path}: Is a directory\n" and run.code == USAGE


# --dry-run ------------------------------------------------------------------------------------------

def test_dry_run_prints_the_requests_after_splitting_and_sends_nothing(programs, emulator):
    run = same(run_all(programs, emulator, ["restart", "--dry-run", *GENERATED], HUAWEICLOUD_SDK_AK=None,
                       HUAWEICLOUD_SDK_SK=None))
    path = f"/v2/{TEST_PROJECT_ID}/instances/status"
    lines = run.stdout.splitlines()
    assert lines[0] == "dry run: nothing is sent"
    assert [line for line in lines if line.startswith("request ")] == [
        f"request 1 of 3: PUT {path} action=restart instances=50",
        f"request 2 of 3: PUT {path} action=restart instances=50",
        f"request 3 of 3: PUT {path} action=restart instances=20"]
    assert [line[2:] for line in lines if line.startswith("  ")] == GENERATED
    assert (run.code, run.stderr, run.requests) == (ALL_SUCCEEDED, "", 0)


def test_dry_run_without_a_project_id_says_so(programs, emulator):
    run = same(run_all(programs, emulator, ["flush", "--dry-run", "--wait", RUNNING[0]],
                       HUAWEICLOUD_SDK_PROJECT_ID=None, HUAWEICLOUD_SDK_AK=None, HUAWEICLOUD_SDK_SK=None))
    assert run.stdout == (
        "dry run: nothing is sent; HUAWEICLOUD_SDK_PROJECT_ID is not set, so the path shows {project_id}\n"
        "request 1 of 1: PUT /v2/{project_id}/instances/status action=flush instances=1\n"
        f"  {RUNNING[0]}\n"
        "then: GET /v2/{project_id}/instances/ID for each instance acted on, until it is RUNNING, at most 600 s\n")
    assert run.requests == 0


def test_dry_run_in_json(programs, emulator):
    run = same(run_all(programs, emulator, ["restart", "--dry-run", "--output=json", *GENERATED[:51]],
                       HUAWEICLOUD_SDK_SK=None))
    assert json.loads(run.stdout) == {
        "dry_run": True, "action": "restart", "method": "PUT", "path": f"/v2/{TEST_PROJECT_ID}/instances/status",
        "project_id": TEST_PROJECT_ID, "wait_seconds": None,
        "requests": [{"instances": GENERATED[:50]}, {"instances": GENERATED[50:51]}]}
    assert run.requests == 0


# A dry run with --wave shows the waves the call would make.
GATE_LINE = "a wave with an instance that does not end RUNNING stops the call: later waves are not sent"
KEEP_GOING_LINE = "--keep-going: the call goes on past a wave with failures"


def dry_run_of_waves(action, ids, wave, wait=600, pause=0, keep_going=False):
    """What a dry run with --wave prints (man/dcsctl.1, DRY RUN): the text, and the JSON document
    as json.loads reads it."""
    path = f"/v2/{TEST_PROJECT_ID}/instances/status"
    waves = [[ids[i:i + wave][j:j + 50] for j in range(0, len(ids[i:i + wave]), 50)]
             for i in range(0, len(ids), wave)]
    lines = ["dry run: nothing is sent"]
    for number, requests in enumerate(waves, start=1):
        for r, request in enumerate(requests, start=1):
            lines.append(f"wave {number} of {len(waves)}, request {r} of {len(requests)}: PUT {path} "
                         f"action={action} instances={len(request)}")
            lines += [f"  {i}" for i in request]
        lines.append(f"then: GET /v2/{TEST_PROJECT_ID}/instances/ID for each instance acted on, until it is "
                     f"RUNNING, at most {wait} s")
        if pause > 0 and number < len(waves):
            lines.append(f"then: a pause of {pause} s")
    if len(waves) > 1:
        lines.append(KEEP_GOING_LINE if keep_going else GATE_LINE)
    document = {"dry_run": True, "action": action, "method": "PUT", "path": path, "project_id": TEST_PROJECT_ID,
                "wait_seconds": wait, "wave_pause_seconds": pause, "keep_going": keep_going,
                "waves": [{"requests": [{"instances": request} for request in requests]} for requests in waves]}
    return "\n".join(lines) + "\n", document


def test_a_dry_run_with_waves_shows_each_wave_and_sends_nothing(programs, emulator):
    a, b, c = RUNNING[0], RUNNING[1], FROZEN
    run = same(run_all(programs, emulator, ["restart", "--dry-run", "--wave", "2", "--pause", "5", a, b, c]))
    path = f"/v2/{TEST_PROJECT_ID}/instances/status"
    assert run.stdout == (
        "dry run: nothing is sent\n"
        f"wave 1 of 2, request 1 of 1: PUT {path} action=restart instances=2\n"
        f"  {a}\n"
        f"  {b}\n"
        f"then: GET /v2/{TEST_PROJECT_ID}/instances/ID for each instance acted on, until it is RUNNING, at most 600 s\n"
        "then: a pause of 5 s\n"
        f"wave 2 of 2, request 1 of 1: PUT {path} action=restart instances=1\n"
        f"  {c}\n"
        f"then: GET /v2/{TEST_PROJECT_ID}/instances/ID for each instance acted on, until it is RUNNING, at most 600 s\n"
        f"{GATE_LINE}\n")
    assert (run.code, run.stderr, run.actions, run.requests) == (ALL_SUCCEEDED, "", 0, 0), run


def test_a_dry_run_with_waves_in_json(programs, emulator):
    """The document of a dry run without --wave, "requests" replaced by "waves" (each wave's
    requests, one line each) after "wave_pause_seconds" and "keep_going"."""
    a, b, c = RUNNING[0], RUNNING[1], FROZEN
    run = same(run_all(programs, emulator, ["restart", "--dry-run", "--output=json", "--wave=2", "--pause=5",
                                            a, b, c], HUAWEICLOUD_SDK_SK=None))
    assert run.stdout == (
        "{\n"
        '  "dry_run": true,\n'
        '  "action": "restart",\n'
        '  "method": "PUT",\n'
        f'  "path": "/v2/{TEST_PROJECT_ID}/instances/status",\n'
        f'  "project_id": "{TEST_PROJECT_ID}",\n'
        '  "wait_seconds": 600,\n'
        '  "wave_pause_seconds": 5,\n'
        '  "keep_going": false,\n'
        '  "waves": [\n'
        '    {"requests": [\n'
        f'      {{"instances": ["{a}", "{b}"]}}\n'
        '    ]},\n'
        '    {"requests": [\n'
        f'      {{"instances": ["{c}"]}}\n'
        '    ]}\n'
        '  ]\n'
        '}\n')
    assert (run.code, run.stderr, run.actions, run.requests) == (ALL_SUCCEEDED, "", 0, 0), run


MORE_THAN_120 = GENERATED + [f"extra-{n:02d}" for n in range(1, 11)]  # 130: waves of 60 are 60, 60 and 10

# name: (action, options, ids, what the dry run shows: wave size, wait, pause, keep going)
DRY_RUN_WAVES = {
    "two_waves_and_a_pause": ("restart", ["--wave", "2", "--pause", "5"], [*RUNNING, FROZEN], (2, 600, 5, False)),
    "three_waves_one_of_two_requests": ("soft_restart", ["--wave=60", "--wait=30"], MORE_THAN_120,
                                        (60, 30, 0, False)),
    "a_pause_of_0_is_no_pause": ("restart", ["--wave", "1", "--pause=0"], [*RUNNING, FROZEN], (1, 600, 0, False)),
    "keep_going": ("restart", ["--wave", "1", "--keep-going", "--pause", "2"], [*RUNNING, FROZEN],
                   (1, 600, 2, True)),
    "keep_going_with_waves_of_two_requests": ("flush", ["--keep-going", "--wave", "60"], MORE_THAN_120,
                                              (60, 600, 0, True)),
    "one_wave_has_no_gate": ("restart", ["--wave", "10", "--pause", "5", "--keep-going"], [*RUNNING, FROZEN],
                             (10, 600, 5, True)),
    "one_wave_of_every_id": ("restart", ["--wave=120", "--wait=5"], GENERATED, (120, 5, 0, False)),
}


@pytest.mark.parametrize("output", ["text", "json"])
@pytest.mark.parametrize("scenario", sorted(DRY_RUN_WAVES))
def test_a_dry_run_with_waves_is_the_same(programs, emulator, scenario, output):
    action, options, ids, (wave, wait, pause, keep_going) = DRY_RUN_WAVES[scenario]
    run = same(run_all(programs, emulator, [action, "--dry-run", f"--output={output}", *options, *ids],
                       HUAWEICLOUD_SDK_AK=None, HUAWEICLOUD_SDK_SK=None))
    assert (run.code, run.stderr, run.actions, run.requests) == (ALL_SUCCEEDED, "", 0, 0), run  # nothing sent
    text, document = dry_run_of_waves(action, ids, wave, wait, pause, keep_going)
    waves = document["waves"]
    if output == "text":
        assert run.stdout == text
        assert (GATE_LINE in text or KEEP_GOING_LINE in text) == (len(waves) > 1)
        return
    assert json.loads(run.stdout) == document
    assert list(json.loads(run.stdout)) == ["dry_run", "action", "method", "path", "project_id", "wait_seconds",
                                            "wave_pause_seconds", "keep_going", "waves"]
    lines = run.stdout.splitlines()
    # Each wave opens a line, and each of its requests is a line of its own, as without --wave.
    assert sum(line == '    {"requests": [' for line in lines) == len(waves)
    assert sum(line.startswith('      {"instances": [') for line in lines) == sum(len(w["requests"]) for w in waves)


# The confirmation of a flush ----------------------------------------------------------------------

def test_flush_is_refused_without_yes_off_a_terminal(programs, emulator):
    run = same(run_all(programs, emulator, ["flush", *RUNNING]))
    assert (run.code, run.stdout, run.requests) == (USAGE, "", 0)
    assert run.stderr == ("dcsctl: not flushing 2 instances without confirmation: standard input is not a "
                          "terminal; give --yes to flush\n")
    run = same(run_all(programs, emulator, ["flush", "-"], stdin=RUNNING[0].encode()))
    assert run.stderr == ("dcsctl: not flushing 1 instance without confirmation: the ids came from standard "
                          "input; give --yes to flush\n")
    assert (run.code, run.requests) == (USAGE, 0)
    run = same(run_all(programs, emulator, ["flush", "--yes", "-"], stdin=RUNNING[0].encode()))
    assert (run.code, run.stdout, run.requests) == (ALL_SUCCEEDED, f"{RUNNING[0]} success\n", 1)


def on_a_terminal(command, emulator, answer, env=None):
    """Runs `command` with a pseudo-terminal as its three streams; answers the flush prompt with
    `answer` (a line, or "\\x03" for Ctrl-C, "\\x04" for the end of input). (transcript, exit
    status, requests sent)."""
    emulator.reset()
    child = pexpect.spawn(command[0], command[1:], env=environment(emulator, env or {}), timeout=30,
                          encoding="utf-8", codec_errors="replace", dimensions=(24, 200))
    try:
        child.expect_exact(PROMPT.format(n=2))
        child.send(answer)
        child.expect(pexpect.EOF)
    finally:
        child.close()
    return masked(child.before or ""), child.exitstatus, emulator.stats()["api_requests"]


def transcripts(programs, emulator, answer):
    runs = {name: on_a_terminal([*command, "flush", *RUNNING], emulator, answer) for name, command in programs.items()}
    assert runs["python"] == runs["c"] and runs["go"] == runs["c"], runs
    return runs["c"]


def test_flush_on_a_terminal_answered_no_sends_nothing(programs, emulator):
    transcript, code, sent = transcripts(programs, emulator, "n\r")
    assert (transcript, code, sent) == ("n\r\ndcsctl: not confirmed: nothing sent\r\n", USAGE, 0)
    transcript, code, sent = transcripts(programs, emulator, "yes please\r")  # only y or yes is yes
    assert (code, sent) == (USAGE, 0)


@pytest.mark.parametrize("answer", ["y\r", "YES\r", "  y \r"])
def test_flush_on_a_terminal_answered_yes_is_sent(programs, emulator, answer):
    transcript, code, sent = transcripts(programs, emulator, answer)
    assert transcript.endswith("".join(f"{i} success\r\n" for i in RUNNING))
    assert (code, sent) == (ALL_SUCCEEDED, 1)


def test_flush_on_a_terminal_interrupted_or_ended_sends_nothing(programs, emulator):
    transcript, code, sent = transcripts(programs, emulator, "\x03")
    assert (transcript, code, sent) == ("^C\r\ndcsctl: interrupted: nothing sent\r\n", INTERRUPTED, 0)
    transcript, code, sent = transcripts(programs, emulator, "\x04")
    assert (transcript, code, sent) == ("\r\ndcsctl: not confirmed: nothing sent\r\n", USAGE, 0)


# Ctrl-C during the call -----------------------------------------------------------------------------

def interrupted_during_the_wait(command, emulator, args):
    emulator.reset()
    code, out, err = interrupted_while_waiting([*command, *args], emulator, environment(emulator, {}))
    return Run(masked(out.decode()), masked(err.decode()), code, emulator.stats())


@pytest.mark.parametrize("output", ["text", "json"])
def test_ctrl_c_cancels_the_call_and_prints_what_is_known(programs, slow_emulator, output):
    args = ["restart", "--wait", f"--output={output}", *RUNNING]
    runs = {name: interrupted_during_the_wait(command, slow_emulator, args) for name, command in programs.items()}
    run = same(runs)
    assert (run.code, run.actions) == (INTERRUPTED, 1)  # restarted once, then interrupted while waiting
    assert run.stderr.startswith("dcsctl: DCS_ECANCELED http_status=0 code=- request_id=-: ")
    if output == "text":
        assert run.stdout == "".join(f"{i} unknown\n" for i in RUNNING)  # restarted, not known to run again
    else:
        document = json.loads(run.stdout)
        assert document["status"] == {"name": "DCS_ECANCELED", "number": -8}
        assert [(e["outcome"], e["request_id"]) for e in document["instances"]] == [("unknown", "<id>")] * 2


# list -------------------------------------------------------------------------------------------

def listing_lines(instances):
    """What `dcsctl list` prints for these instances (as Emulator.instances() gives them)."""
    return "".join(f"{i['id']} {i['status']} Redis {i['engine_version']} {i['name']}\n" for i in instances)


def tagged(instance, **tags):
    return all(instance["tags"].get(key) == value for key, value in tags.items())


# name: (command line, which instances of the fleet it selects, how many: the fleet is the
# default one and emu-0001..emu-0120, see InstanceSpec.generatedRule)
LISTINGS = {
    "all": (["list"], lambda i: True, 125),
    "name_contains": (["list", "--name", "cache"], lambda i: "cache" in i["name"], 5),
    "name_contains_not_only_at_the_start": (["list", "--name=ted-01"], lambda i: "ted-01" in i["name"], 21),
    "name_exact": (["list", "--name", "cache-a", "--exact"], lambda i: i["name"] == "cache-a", 1),
    "exact_is_not_a_part": (["list", "--exact", "--name", "ted-01"], lambda i: False, 0),
    "status": (["list", "--status", "FROZEN"], lambda i: i["status"] == "FROZEN", 1),
    "status_running": (["list", "--status=RUNNING"], lambda i: i["status"] == "RUNNING", 124),
    "one_tag": (["list", "--tag", "role=queue"], lambda i: tagged(i, role="queue"), 82),
    "tag_twice": (["list", "--tag", "role=session-cache", "--tag=env=prod"],
                  lambda i: tagged(i, role="session-cache", env="prod"), 22),
    "every_filter": (["list", "--name", "generated-01", "--status", "RUNNING", "--tag", "env=test"],
                     lambda i: "generated-01" in i["name"] and tagged(i, env="test"), 11),
    "options_before_the_word": (["--tag", "env=prod", "--output=text", "list", "--name", "cache"],
                                lambda i: "cache" in i["name"] and tagged(i, env="prod"), 3),
    "empty": (["list", "--name", "no-such-instance"], lambda i: False, 0),
    "longest_name": (["list", "--name", "x" * 255], lambda i: False, 0),
}


@pytest.mark.parametrize("scenario", sorted(LISTINGS))
def test_list_prints_the_instances_the_filter_selects(programs, emulator, scenario):
    args, selects, count = LISTINGS[scenario]
    run = same(run_all(programs, emulator, args))
    expected = [instance for instance in emulator.instances() if selects(instance)]
    assert len(expected) == count  # the scenario means what it says
    assert run.stdout == listing_lines(expected), run
    assert (run.code, run.stderr, run.actions, run.listings) == (ALL_SUCCEEDED, "", 0, 1), run


def test_list_in_json(programs, emulator):
    run, document = json_document(programs, emulator, ["list", "--output", "json", "--tag", "role=session-cache",
                                                       "--tag", "env=prod"])
    assert list(document) == ["action", "status", "http_status", "code", "request_id", "message", "instances"]
    assert (document["action"], document["status"], document["http_status"], document["code"],
            document["message"]) == ("list", {"name": "DCS_OK", "number": 0}, None, None, None)
    expected = [i for i in emulator.instances() if tagged(i, role="session-cache", env="prod")]
    assert document["instances"] == [{"id": i["id"], "name": i["name"], "status": i["status"], "engine": "Redis",
                                      "engine_version": i["engine_version"]} for i in expected]
    for entry in document["instances"]:
        assert list(entry) == ["id", "name", "status", "engine", "engine_version"]
    # The entries' own layout, as the actions' entries have theirs.
    assert ('\n  "instances": [\n'
            '    {"id": "2e803f66-fbb0-47ad-b6cb-fb87f5bed4ef", "name": "cache-a", "status": "RUNNING", '
            '"engine": "Redis", "engine_version": "6.0"},\n'
            '    {"id": "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b", "name": "cache-e", "status": "FROZEN", '
            '"engine": "Redis", "engine_version": "5.0"},\n') in run.stdout
    assert run.stdout.endswith('"engine_version": "5.0"}\n  ]\n}\n') and run.stderr == "" and run.code == 0


def test_an_empty_list_in_json(programs, emulator):
    run, document = json_document(programs, emulator, ["list", "--output=json", "--name", "no-such-instance"])
    assert document["instances"] == [] and run.stdout.endswith('"instances": []\n}\n')
    assert (run.code, run.stderr, run.listings) == (ALL_SUCCEEDED, "", 1)


@pytest.mark.parametrize("args, field", [
    (["--status", "running"], "filter->status"),
    (["--status", "RUN NING"], "filter->status"),
    (["--status="], "filter->status"),
    (["--tag", "role"], "filter->tags[0]"),
    (["--tag", "role=queue", "--tag", "=queue"], "filter->tags[1]"),
    (["--tag", "role=queue,env=prod"], "filter->tags[0]"),
    (["--name", "tab\there"], "filter->name"),
    ([arg for n in range(21) for arg in ("--tag", f"key{n}=value")], "filter->tag"),
])
def test_a_filter_the_library_refuses_is_a_usage_error_and_nothing_is_sent(programs, emulator, args, field):
    run = same(run_all(programs, emulator, ["list", *args]))
    assert (run.code, run.stdout, run.requests) == (USAGE, "", 0), run
    assert run.stderr.startswith("dcsctl: DCS_EINVAL http_status=0 code=- request_id=-: "), run
    assert field in run.stderr and run.stderr.count("\n") == 1, run  # the library's message names the field
    run, document = json_document(programs, emulator, ["list", "--output=json", *args])
    assert (document["action"], document["status"], document["instances"]) == (
        "list", {"name": "DCS_EINVAL", "number": -1}, [])
    assert field in document["message"] and run.code == USAGE


LIST_USAGE_ERRORS = {
    ("list", "x"): "list takes no ids",
    ("list", "-"): "list takes no ids",
    ("list", "--", "-x"): "list takes no ids",
    ("--output=json", "list", RUNNING[0], RUNNING[1]): "list takes no ids",
    ("list", "--wait"): "--wait is not an option of list",
    ("list", "--wait=5"): "--wait is not an option of list",
    ("list", "--wave", "5"): "--wave is not an option of list",
    ("list", "--pause=5"): "--pause is not an option of list",
    ("list", "--keep-going"): "--keep-going is not an option of list",
    ("list", "--ids-from", "ids.txt"): "--ids-from is not an option of list",
    ("list", "--dry-run"): "--dry-run is not an option of list",
    ("list", "--yes"): "--yes is not an option of list",
    # The options first, in the order of the help, then the ids.
    ("list", "x", "--wave", "5"): "--wave is not an option of list",
    ("list", "--yes", "--wave=2"): "--wave is not an option of list",
    ("list", "--dry-run", "--wait"): "--wait is not an option of list",
    ("list", "--keep-going", "--exact"): "--keep-going is not an option of list",
    ("restart", "--name", "x", RUNNING[0]): "--name is an option of list",
    ("restart", "--exact", RUNNING[0]): "--exact is an option of list",
    ("flush", "--yes", "--status", "RUNNING", RUNNING[0]): "--status is an option of list",
    ("soft_restart", "--tag", "a=b", RUNNING[0]): "--tag is an option of list",
    ("restart", "--tag=a=b", "--name=x", RUNNING[0]): "--name is an option of list",
    ("restart", "--status=RUNNING", "--pause=1", RUNNING[0]): "--status is an option of list",
    ("restart", "--tag=a=b"): "--tag is an option of list",
    ("list", "--exact"): "--exact needs --name",
    ("list", "--status", "RUNNING", "--exact"): "--exact needs --name",
    ("list", "--name"): "--name needs a value",
    ("list", "--name="): "--name needs a value",
    ("list", "--name", "x" * 256): "--name takes 1 to 255 bytes, not 256",
    ("list", "--name=" + "\u00e9" * 200): "--name takes 1 to 255 bytes, not 400",  # bytes, not characters
    ("list", "--name", "x" * 1000, "--name", "y"): "--name takes 1 to 255 bytes, not 1000",
    ("list", "--status"): "--status needs a value",
    ("list", "--tag"): "--tag needs a value",
    ("list", "--name", "a", "--name=b"): "--name given twice",
    ("list", "--status", "RUNNING", "--status=FROZEN"): "--status given twice",
    ("list", "--exact=yes", "--name", "a"): "--exact takes no value",
    ("lists",): "unknown action 'lists': restart, soft_restart, flush or list",
    ("LIST",): "unknown action 'LIST': restart, soft_restart, flush or list",
}


@pytest.mark.parametrize("args", sorted(LIST_USAGE_ERRORS))
def test_a_list_usage_error_names_it_and_sends_nothing(programs, emulator, args):
    run = same(run_all(programs, emulator, list(args)))
    assert (run.code, run.stdout, run.stderr, run.requests) == (USAGE, "", usage_error(LIST_USAGE_ERRORS[args]), 0)


def test_list_help_is_the_help(programs, emulator):
    run = same(run_all(programs, emulator, ["list", "--name", "x", "--help"]))
    assert run.stdout == same(run_all(programs, emulator, ["--help"])).stdout and run.requests == 0


@pytest.mark.parametrize("output", ["text", "json"])
def test_list_against_a_closed_port(programs, emulator, output):
    run = same(run_all(programs, emulator, ["list", f"--output={output}"], DCS_ENDPOINT=closed_port_url()))
    assert run.code == OUTCOME_UNKNOWN and run.stderr.startswith("dcsctl: DCS_ETRANSPORT http_status=0 code=- "
                                                                  "request_id=-: ")
    assert run.stderr.count("\n") == 1
    if output == "text":
        assert run.stdout == ""
    else:
        document = json.loads(run.stdout)
        assert (document["action"], document["status"]["name"], document["instances"]) == (
            "list", "DCS_ETRANSPORT", [])


def test_list_with_a_bad_configuration(programs, emulator):
    run = same(run_all(programs, emulator, ["list"], HUAWEICLOUD_SDK_PROJECT_ID="bad/project"))
    assert (run.code, run.stdout, run.requests) == (CONFIGURATION, "", 0)
    assert run.stderr.startswith("dcsctl: DCS_ECONFIG http_status=0 code=- request_id=-: HUAWEICLOUD_SDK_PROJECT_ID")
    _, document = json_document(programs, emulator, ["list", "--output=json"], HUAWEICLOUD_SDK_PROJECT_ID="bad/project")
    assert (document["action"], document["status"], document["instances"]) == (
        "list", {"name": "DCS_ECONFIG", "number": -2}, [])


def test_list_refused_by_the_service(programs, emulator):
    run = same(run_all(programs, emulator, ["list"], HUAWEICLOUD_SDK_SK="not-the-secret"))
    assert (run.code, run.stdout) == (REFUSED, "") and run.stderr.startswith("dcsctl: DCS_EAPI http_status=401 ")


@pytest.fixture(scope="module")
def large_fleet_emulator():
    """The default fleet and 2500 more: a listing of three pages."""
    with Emulator(["--generated-instances", "2500", "--quiet"]) as emu:
        yield emu


def test_list_reads_every_page(programs, large_fleet_emulator):
    run = same(run_all(programs, large_fleet_emulator, ["list"]))
    assert run.stdout == listing_lines(large_fleet_emulator.instances()) and run.stdout.count("\n") == 2505
    assert (run.code, run.listings) == (ALL_SUCCEEDED, 3)


def test_a_listing_that_fails_on_a_later_page_prints_none_of_it(programs, large_fleet_emulator):
    run = same(run_all(programs, large_fleet_emulator, ["list"], {"kind": "not_json", "skip": 1, "on": "list"}))
    assert run.stdout == "" and run.code == OUTCOME_UNKNOWN and run.listings >= 2, run
    assert run.stderr.startswith("dcsctl: DCS_EPROTOCOL ") and run.stderr.count("\n") == 1


ODD_FLEET = [
    {"id": "odd-tab", "name": "tab\there", "engine_version": "6.0", "status": "RUNNING"},
    {"id": "odd-controls", "name": "bell\x07 del\x7f esc\x1b[31m nl\nend", "engine_version": "5.0",
     "status": "RESTARTING"},
    {"id": "odd-empty", "name": "", "engine_version": "", "status": "FROZEN"},
    {"id": "odd-spaces", "name": "two  spaces, café 日本", "engine_version": "4.0", "status": "RUNNING"},
    {"id": "odd-json", "name": 'quote" back\\slash </script>', "engine_version": "6.0", "status": "ERROR"},
]


@pytest.fixture(scope="module")
def odd_names_emulator(tmp_path_factory):
    path = tmp_path_factory.mktemp("fleet") / "odd.json"
    path.write_text(json.dumps(ODD_FLEET))
    with Emulator(["--instances", str(path), "--quiet"]) as emu:
        yield emu


def test_list_prints_control_characters_as_question_marks_and_empty_fields_as_dashes(programs, odd_names_emulator):
    run = same(run_all(programs, odd_names_emulator, ["list"]))
    assert run.stdout == ("odd-tab RUNNING Redis 6.0 tab?here\n"
                          "odd-controls RESTARTING Redis 5.0 bell? del? esc?[31m nl?end\n"
                          "odd-empty FROZEN Redis - -\n"
                          "odd-spaces RUNNING Redis 4.0 two  spaces, café 日本\n"
                          'odd-json ERROR Redis 6.0 quote" back\\slash </script>\n'), run
    run, document = json_document(programs, odd_names_emulator, ["list", "--output=json"])
    assert [(e["id"], e["name"], e["status"], e["engine_version"]) for e in document["instances"]] == [
        (i["id"], i["name"], i["status"], i["engine_version"]) for i in ODD_FLEET]
    assert '"name": "", "status": "FROZEN", "engine": "Redis", "engine_version": ""}' in run.stdout  # "", not null


def signalled_once(command, emulator, env, ready, patience=30):
    """Runs `command` with standard input closed, sends it SIGINT once `ready(emulator.stats())`,
    and gives (exit status, stdout, stderr, seconds from the signal to the end)."""
    child = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + patience
        while not ready(emulator.stats()):
            assert time.monotonic() < deadline and child.poll() is None, "the program never got that far"
            time.sleep(0.02)
        signalled = time.monotonic()
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=patience)
        return child.returncode, out, err, time.monotonic() - signalled
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


@pytest.mark.parametrize("output", ["text", "json"])
def test_ctrl_c_cancels_a_listing(programs, emulator, output):
    """The service holds the answer 30 s; Ctrl-C ends the listing at once, and nothing is listed."""
    runs = {}
    for name, command in programs.items():
        emulator.reset()
        emulator.fault("delay", on="list", ms=30000)
        code, out, err, took = signalled_once([*command, "list", f"--output={output}"], emulator,
                                              environment(emulator, {}), lambda stats: stats["list_gets"] > 0)
        runs[name] = Run(masked(out.decode()), masked(err.decode()), code, emulator.stats(), took)
    run = same(runs)
    assert run.code == INTERRUPTED and all(r.elapsed < 10 for r in runs.values()), runs
    assert run.stderr.startswith("dcsctl: DCS_ECANCELED http_status=0 code=- request_id=-: ")
    if output == "text":
        assert run.stdout == ""
    else:
        assert json.loads(run.stdout)["instances"] == [] and json.loads(run.stdout)["status"]["number"] == -8


# Rolling actions --------------------------------------------------------------------------------

ROLLING = [f"roll-{n:02d}" for n in range(1, 13)]
NEVER_RETURNS = "roll-07"  # in the second wave of 5
RETURNING = [i for i in ROLLING if i != NEVER_RETURNS]  # 11: waves of 5, 5 and 1


@pytest.fixture(scope="module")
def rolling_emulator(tmp_path_factory):
    """12 instances that are RUNNING again 0.2 s after a restart, but roll-07, which never comes
    back; the requests are recorded, so that each wave's PUT is seen."""
    fleet = [{"id": i, "name": f"rolling-{i}", "engine_version": "6.0", "status": "RUNNING", "restart_seconds": 0.2,
              "never_returns": i == NEVER_RETURNS} for i in ROLLING]
    path = tmp_path_factory.mktemp("fleet") / "rolling.json"
    path.write_text(json.dumps(fleet))
    with Emulator(["--instances", str(path), "--record-requests", "--quiet"]) as emu:
        yield emu


def outcome_lines(outcomes):
    return "".join(f"{i} {outcome}\n" for i, outcome in outcomes.items())


def test_a_rolling_restart_stops_after_the_wave_that_does_not_come_back(programs, rolling_emulator):
    run = same(run_all(programs, rolling_emulator, ["restart", "--wave", "5", "--wait=2", *ROLLING], record=True))
    assert (run.code, run.actions, run.puts) == (STOPPED, 2, [ROLLING[:5], ROLLING[5:10]]), run  # wave 3 not sent
    expected = {i: "success" for i in ROLLING[:10]} | {NEVER_RETURNS: "unknown"} | {i: "not_sent" for i in ROLLING[10:]}
    assert run.stdout == outcome_lines(expected)
    assert run.stderr.startswith("dcsctl: DCS_ESTOPPED http_status=") and NEVER_RETURNS in run.stderr, run
    assert run.stderr.count("\n") == 1  # off a terminal: no progress line
    run, document = json_document(programs, rolling_emulator, ["restart", "--output=json", "--wave=5", "--wait=2",
                                                               *ROLLING])
    check_shape(document, "restart", ROLLING)
    assert document["status"] == {"name": "DCS_ESTOPPED", "number": -9} and NEVER_RETURNS in document["message"]
    assert [e["outcome"] for e in document["instances"]] == list(expected.values()) and run.code == STOPPED


def test_a_rolling_restart_with_keep_going_sends_every_wave(programs, rolling_emulator):
    run = same(run_all(programs, rolling_emulator, ["restart", "--wave=5", "--keep-going", "--wait=2", *ROLLING],
                       record=True))
    assert (run.code, run.actions, run.puts) == (PARTIAL, 3, [ROLLING[:5], ROLLING[5:10], ROLLING[10:]]), run
    assert run.stdout == outcome_lines({i: "unknown" if i == NEVER_RETURNS else "success" for i in ROLLING})
    assert run.stderr.startswith("dcsctl: DCS_EPARTIAL ") and run.stderr.count("\n") == 1, run


def test_a_rolling_restart_that_comes_back_pauses_between_waves(programs, rolling_emulator):
    runs = run_all(programs, rolling_emulator, ["restart", "--wave", "5", "--pause", "1", "--wait=5", *RETURNING],
                   record=True)
    run = same(runs)
    assert (run.code, run.stderr, run.puts) == (ALL_SUCCEEDED, "", [RETURNING[:5], RETURNING[5:10], RETURNING[10:]])
    assert run.stdout == outcome_lines({i: "success" for i in RETURNING})
    assert all(r.elapsed >= 2 for r in runs.values()), runs  # two pauses of a second


def test_keep_going_does_not_go_past_a_wave_whose_request_failed(programs, rolling_emulator):
    """A 500 on the second wave's PUT ends the call, --keep-going or not: wave 3 is not sent."""
    run = same(run_all(programs, rolling_emulator, ["restart", "--wave=5", "--keep-going", "--wait=5", *RETURNING],
                       {"kind": "status500", "on": "put", "skip": 1}, record=True))
    assert (run.code, run.puts) == (REFUSED, [RETURNING[:5], RETURNING[5:10]]), run
    assert run.stdout == outcome_lines({i: "success" for i in RETURNING[:5]} | {i: "unknown" for i in RETURNING[5:10]}
                                       | {i: "not_sent" for i in RETURNING[10:]})
    assert run.stderr.startswith("dcsctl: DCS_EAPI http_status=500 ")


# name: (args, exit status, actions the emulator sees); the fixture's emulator: restarts complete at once.
ROLLING_SCENARIOS = {
    "wave_of_1": (["soft_restart", "--wave", "1", *GENERATED[:3]], ALL_SUCCEEDED, 3),
    "waves_of_50": (["restart", "--wave=50", *GENERATED], ALL_SUCCEEDED, 3),
    "a_wave_of_60_is_two_requests": (["restart", "--wave", "60", *GENERATED], ALL_SUCCEEDED, 4),
    "largest_wave_and_pause": (["restart", "--wave", "10000", "--pause", "86400", *RUNNING], ALL_SUCCEEDED, 1),
    "wave_read_as_strtol_reads_it": (["restart", "--wave= +1", "--pause=0", *RUNNING], ALL_SUCCEEDED, 2),
    "first_wave_fails": (["restart", "--wave", "1", FROZEN, *RUNNING], STOPPED, 1),
    "first_wave_fails_keep_going": (["restart", "--wave", "1", "--keep-going", FROZEN, *RUNNING], PARTIAL, 3),
    "dry_run": (["restart", "--dry-run", "--wave", "5", *RUNNING], ALL_SUCCEEDED, 0),
}


@pytest.mark.parametrize("scenario", sorted(ROLLING_SCENARIOS))
def test_rolling_actions_are_the_same(programs, emulator, scenario):
    args, code, actions = ROLLING_SCENARIOS[scenario]
    run = same(run_all(programs, emulator, args))
    assert (run.code, run.actions) == (code, actions), run
    if code == ALL_SUCCEEDED:
        assert run.stderr == "", run  # off a terminal: no progress line
    else:
        assert run.stderr.count("\n") == 1, run  # the error line only


ID = RUNNING[0]
WAVE_RANGE = "--wave takes a whole number of ids from 1 to 10000, not '{}'"
PAUSE_RANGE = "--pause takes whole seconds from 0 to 86400, not '{}'"
ROLLING_USAGE_ERRORS = {
    ("restart", "--wave", "0", ID): WAVE_RANGE.format("0"),
    ("restart", "--wave=10001", ID): WAVE_RANGE.format("10001"),
    ("restart", "--wave", "-1", ID): WAVE_RANGE.format("-1"),
    ("restart", "--wave", "x", ID): WAVE_RANGE.format("x"),
    ("restart", "--wave=", ID): WAVE_RANGE.format(""),
    ("restart", "--wave=5 ", ID): WAVE_RANGE.format("5 "),
    ("restart", "--wave=1.5", ID): WAVE_RANGE.format("1.5"),
    ("restart", "--wave=0x10", ID): WAVE_RANGE.format("0x10"),
    ("restart", "--wave", "--pause", "1", ID): WAVE_RANGE.format("--pause"),
    ("restart", ID, "--wave"): "--wave needs a value",
    ("restart", "--wave", "5", "--wave=6", ID): "--wave given twice",
    ("restart", "--wave", "5", "--pause", "-1", ID): PAUSE_RANGE.format("-1"),
    ("restart", "--wave", "5", "--pause=86401", ID): PAUSE_RANGE.format("86401"),
    ("restart", "--wave", "5", "--pause", "1s", ID): PAUSE_RANGE.format("1s"),
    ("restart", "--wave", "5", ID, "--pause"): "--pause needs a value",
    ("restart", "--wave", "5", "--pause", "1", "--pause=2", ID): "--pause given twice",
    ("restart", "--pause", "5", ID): "--pause needs --wave",
    ("restart", "--pause=0", ID): "--pause needs --wave",
    ("restart", "--keep-going", ID): "--keep-going needs --wave",
    ("restart", "--keep-going", "--pause=1", ID): "--pause needs --wave",
    ("restart", "--keep-going=1", "--wave", "2", ID): "--keep-going takes no value",
    ("flush", "--keep-going", "--yes", ID): "--keep-going needs --wave",
    # The options are checked before the ids.
    ("restart", "--pause", "5"): "--pause needs --wave",
    ("restart", "--wave", "5"): "no instance ids: give them as arguments, with --ids-from FILE, or '-' to read "
                                "standard input",
}


@pytest.mark.parametrize("args", sorted(ROLLING_USAGE_ERRORS))
def test_a_rolling_usage_error_names_it_and_sends_nothing(programs, emulator, args):
    run = same(run_all(programs, emulator, list(args)))
    assert (run.code, run.stdout, run.stderr, run.requests) == (USAGE, "", usage_error(ROLLING_USAGE_ERRORS[args]), 0)


@pytest.mark.parametrize("output", ["text", "json"])
def test_ctrl_c_cancels_a_rolling_restart(programs, slow_emulator, output):
    """--wave waits (600 s by default) on the first wave, which takes 60 s: Ctrl-C ends it, and
    the second wave is not sent."""
    args = ["restart", "--wave", "1", f"--output={output}", *RUNNING]
    run = same({name: interrupted_during_the_wait(command, slow_emulator, args) for name, command in programs.items()})
    assert (run.code, run.actions) == (INTERRUPTED, 1), run
    assert run.stderr.startswith("dcsctl: DCS_ECANCELED http_status=0 code=- request_id=-: ")
    if output == "text":
        assert run.stdout == f"{RUNNING[0]} unknown\n{RUNNING[1]} not_sent\n"
    else:
        assert [e["outcome"] for e in json.loads(run.stdout)["instances"]] == ["unknown", "not_sent"]


# The progress line: on a terminal only ------------------------------------------------------------

def progress_line(wave, waves, total, done, ok=None, failed=0, unknown=0, not_sent=0, to_go=None):
    ok = done if ok is None else ok
    to_go = total - done if to_go is None else to_go
    return (f"\rwave {wave}/{waves}: {done}/{total} done ({ok} ok, {failed} failed, {unknown} unknown, "
            f"{not_sent} not sent), {to_go} to go\x1b[K")


def progress_of_success(wave_sizes):
    """The progress lines of a rolling action in which every instance comes back: WAVE_START,
    one INSTANCE_DONE per id, WAVE_DONE for each wave, then FINISHED and the newline."""
    total, waves, done, lines = sum(wave_sizes), len(wave_sizes), 0, []
    for wave, size in enumerate(wave_sizes, 1):
        lines.append(progress_line(wave, waves, total, done))
        for _ in range(size):
            done += 1
            lines.append(progress_line(wave, waves, total, done))
        lines.append(progress_line(wave, waves, total, done))
    return "".join(lines) + progress_line(waves, waves, total, total) + "\n"


def on_a_terminal_to_the_end(command, emulator, args):
    """(transcript, exit status) of `command` with a pseudo-terminal as its three streams."""
    emulator.reset()
    child = pexpect.spawn(command[0], [*command[1:], *args], env=environment(emulator, {}), timeout=60,
                          encoding="utf-8", codec_errors="replace", dimensions=(24, 200))
    try:
        child.expect(pexpect.EOF)
    finally:
        child.close()
    return masked(child.before or "").replace("\r\n", "\n"), child.exitstatus


def test_the_progress_line_on_a_terminal_is_the_same(programs, rolling_emulator):
    args = ["restart", "--wave", "5", "--wait=5", *RETURNING]
    runs = {name: on_a_terminal_to_the_end(command, rolling_emulator, args) for name, command in programs.items()}
    assert runs["python"] == runs["c"] and runs["go"] == runs["c"], runs
    transcript, code = runs["c"]
    assert transcript == progress_of_success([5, 5, 1]) + outcome_lines({i: "success" for i in RETURNING})
    assert code == ALL_SUCCEEDED


def test_the_progress_line_of_a_stopped_rolling_restart_is_the_same(programs, rolling_emulator):
    args = ["restart", "--wave", "5", "--wait=2", *ROLLING]
    runs = {name: on_a_terminal_to_the_end(command, rolling_emulator, args) for name, command in programs.items()}
    transcript, code = runs["c"]
    progress, _, rest = transcript.partition("\n")
    # The last of the line: 9 ok, roll-07 unknown, wave 3 not sent.
    assert progress.endswith(progress_line(2, 3, 12, 12, ok=9, unknown=1, not_sent=2)), transcript
    assert rest.startswith(f"{ROLLING[0]} success\n") and "dcsctl: DCS_ESTOPPED " in rest and code == STOPPED
    assert runs["python"] == runs["c"] and runs["go"] == runs["c"], runs


def with_one_terminal(command, emulator, args, terminal):
    """`command` with a pseudo-terminal as `terminal`, a pipe as the other (see clients), masked."""
    emulator.reset()
    shown, piped, code = clients.with_one_terminal([*command, *args], environment(emulator, {}), terminal)
    return masked(shown), masked(piped), code


def test_the_progress_line_goes_only_to_a_terminal_standard_error(programs, rolling_emulator):
    """stderr a terminal, stdout a pipe: the line, and the outcomes in the pipe. stdout a terminal
    and stderr a pipe: the outcomes on the terminal, and nothing at all in the pipe."""
    args = ["restart", "--wave", "5", "--wait=5", *RETURNING]
    outcomes = outcome_lines({i: "success" for i in RETURNING})
    for name, command in programs.items():
        assert with_one_terminal(command, rolling_emulator, args, "stderr") == (
            progress_of_success([5, 5, 1]), outcomes, ALL_SUCCEEDED), name
        assert with_one_terminal(command, rolling_emulator, args, "stdout") == (outcomes, "", ALL_SUCCEEDED), name
