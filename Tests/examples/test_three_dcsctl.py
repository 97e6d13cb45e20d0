"""The three dcsctl, C, Python and Go, print the same bytes on stdout and stderr and exit with the
same status for the same command line, input and service. Only request ids (fresh per answer)
and libcurl's millisecond timings differ from run to run, so those are masked before comparing.

Every promise of man/dcsctl.1 is a case here: options parsed as options (typos of each one send
nothing), --help and --version, the JSON document, ids from a file and from standard input,
--dry-run without credentials, the confirmation of a flush (refused off a terminal, asked on a
pseudo-terminal), Ctrl-C, and each exit status."""

import json
import pathlib
import re
import subprocess

import pexpect
import pytest

from clients import client_env, closed_port_url, interrupted_while_waiting
from emulator import Emulator, TEST_PROJECT_ID

REPO = pathlib.Path(__file__).resolve().parents[2]

RUNNING = ["2e803f66-fbb0-47ad-b6cb-fb87f5bed4ef", "5b7c1a2e-3f4d-4e5a-9b6c-7d8e9f0a1b2c"]
REDIS_3 = "c4d5e6f7-0a1b-4c2d-9e3f-4a5b6c7d8e9f"  # cannot be flushed
FROZEN = "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b"
FLUSH_PARTIAL = [RUNNING[0], REDIS_3, FROZEN, "no-such-instance"]
GENERATED = [f"emu-{n:04d}" for n in range(1, 121)]

# The exit statuses of man/dcsctl.1.
ALL_SUCCEEDED, PARTIAL, USAGE, CONFIGURATION, REFUSED, OUTCOME_UNKNOWN, INTERRUPTED = 0, 1, 2, 3, 4, 5, 130
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
    """What one program did: its streams (masked) and exit status, and what the emulator saw:
    the actions (PUT requests) and all requests, status polls included."""

    def __init__(self, stdout, stderr, code, stats):
        self.stdout, self.stderr, self.code = stdout, stderr, code
        self.actions, self.requests = stats["status_puts"], stats["api_requests"]

    def key(self):
        return self.stdout, self.stderr, self.code, self.actions, self.requests > self.actions

    def __repr__(self):
        return (f"Run(code={self.code}, actions={self.actions}, requests={self.requests}, stdout={self.stdout!r}, "
                f"stderr={self.stderr!r})")


def environment(emulator, env):
    """client_env, with the values None removed."""
    full = client_env(emulator, PYTHONPATH=str(REPO / "examples" / "python"),
                      **{k: v for k, v in env.items() if v is not None})
    for name, value in env.items():
        if value is None:
            full.pop(name, None)
    return full


def run_all(programs, emulator, args, fault=None, stdin=b"", cwd=None, **env):
    """Each program's Run, the emulator reset and the fault armed before each; standard input
    is `stdin` (bytes, never a terminal)."""
    runs = {}
    for name, command in programs.items():
        emulator.reset()
        if fault:
            emulator.fault(**fault)
        done = subprocess.run([*command, *args], env=environment(emulator, env), input=stdin, capture_output=True,
                              timeout=120, cwd=cwd)
        runs[name] = Run(masked(done.stdout.decode("utf-8", "replace")), masked(done.stderr.decode("utf-8", "replace")),
                         done.returncode, emulator.stats())
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


@pytest.mark.parametrize("flag", ["--help", "--version", "--dry-run", "--yes"])
def test_a_flag_with_a_value_sends_nothing(programs, emulator, flag):
    run = same(run_all(programs, emulator, ["flush", f"{flag}=1", RUNNING[0]]))
    assert (run.code, run.stdout, run.stderr, run.requests) == (USAGE, "", usage_error(f"{flag} takes no value"), 0)


def test_the_usage_error_names_what_is_wrong(programs, emulator):
    """The words of the usage errors, once each (the scenarios above compare them)."""
    cases = {
        ("restart",): "no instance ids: give them as arguments, with --ids-from FILE, or '-' to read standard input",
        ("reboot", "x"): "unknown action 'reboot': restart, soft_restart or flush",
        (): "no action given: restart, soft_restart or flush",
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
    for option in ("--wait[=SECONDS]", "--output FORMAT", "--ids-from FILE", "--dry-run", "--yes", "-h, --help",
                   "--version"):
        assert f"  {option}" in help_run.stdout
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
