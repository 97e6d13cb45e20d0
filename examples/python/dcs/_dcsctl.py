"""dcsctl: restart, soft-restart or flush DCS instances from the command line, or list them.

    dcsctl restart|soft_restart|flush [OPTION]... ID...
    dcsctl restart|soft_restart|flush [OPTION]... --ids-from FILE
    dcsctl restart|soft_restart|flush [OPTION]... -          (the ids from standard input)
    dcsctl list [--name NAME [--exact]] [--status STATUS] [--tag KEY=VALUE]... [--output FORMAT]
    dcsctl --help | --version

The Python twin of examples/c/dcsctl.c: same command line, same bytes on stdout and stderr, same
exit status (Tests/examples/test_three_dcsctl.py compares the three); man/dcsctl.1 is the
manual of all three. Run as the `dcsctl` console script, `python -m dcs`, or
examples/python/dcsctl.py.

Ctrl-C during the call (or the listing) cancels it: the call runs in a worker thread, so that
the main thread is free to run the SIGINT handler, which cancels a CancelToken (a call in C
cannot be interrupted from the thread making it). Before the confirmation of a flush, Ctrl-C
ends the process as it ends the C program.
"""

import json
import os
import re
import signal
import sys
import threading
from typing import BinaryIO, Callable, List, NoReturn, Optional, Sequence

import dcs

# The exit statuses, by cause (man/dcsctl.1, EXIT STATUS).
EXIT_ALL_SUCCEEDED = 0
EXIT_PARTIAL = 1          # the service answered, some instances failed
EXIT_USAGE = 2            # the command line, an id, or a flush not confirmed: nothing sent
EXIT_CONFIGURATION = 3    # DCS_ECONFIG: nothing sent
EXIT_REFUSED = 4          # DCS_EAPI: the service refused the call
EXIT_OUTCOME_UNKNOWN = 5  # transport, timeout, protocol (and out of memory): outcomes may be unknown
EXIT_STOPPED = 6          # DCS_ESTOPPED: a rolling action stopped after a wave with failures
EXIT_INTERRUPTED = 130    # Ctrl-C: the call was cancelled
EXIT_NO_LIBRARY = 127     # no loadable libdcs.so: what the dynamic loader gives the C and Go programs

EXIT_BY_STATUS = {
    dcs.Status.OK: EXIT_ALL_SUCCEEDED, dcs.Status.EPARTIAL: EXIT_PARTIAL, dcs.Status.EINVAL: EXIT_USAGE,
    dcs.Status.ECONFIG: EXIT_CONFIGURATION, dcs.Status.EAPI: EXIT_REFUSED, dcs.Status.ECANCELED: EXIT_INTERRUPTED,
    dcs.Status.ESTOPPED: EXIT_STOPPED,
}

ACTIONS = ("restart", "soft_restart", "flush")
LIST = "list"
DEFAULT_WAIT_SECONDS = 600
MAX_WAIT_SECONDS = 86400
MAX_WAVE = 10000  # DCS_MAX_IDS_PER_CALL
MAX_PAUSE_SECONDS = 86400
MAX_NAME_BYTES = 255
PROJECT_ID_VARIABLE = "HUAWEICLOUD_SDK_PROJECT_ID"
LONGEST_ANSWER = 63  # bytes of a confirmation answer; a longer one is no

USAGE_HINT = "usage: dcsctl restart|soft_restart|flush [OPTION]... ID... (dcsctl --help for more)\n"

HELP_TEXT = """\
usage: dcsctl restart|soft_restart|flush [OPTION]... ID...
       dcsctl restart|soft_restart|flush [OPTION]... --ids-from FILE
       dcsctl restart|soft_restart|flush [OPTION]... -
       dcsctl list [--name NAME [--exact]] [--status STATUS] [--tag KEY=VALUE]... [--output FORMAT]
       dcsctl --help | --version

Restarts, soft-restarts or flushes Huawei Cloud DCS instances and reports one
outcome per instance: success, failed, not_sent (certainly not applied) or
unknown (it may have been applied).

  restart        force restart of the instances
  soft_restart   restart of the Redis process only
  flush          delete all data of the instances (Redis 4.0 and later); it
                 cannot be undone, so dcsctl asks first
  list           print the project's instances (id, status, engine, engine
                 version, name), found by name, status or tag

Options, anywhere before --:
  --wait[=SECONDS]   after the action, wait until the instances are RUNNING
                     again, at most SECONDS (1 to 86400, default 600)
  --wave N           roll the action over the ids N at a time (1 to 10000): each
                     wave is sent, then waited on until RUNNING (--wait, default
                     600 s per wave), and the next wave is not sent when one of
                     its instances did not end RUNNING
  --pause SECONDS    with --wave: seconds between two waves (0 to 86400, default 0)
  --keep-going       with --wave: go on past a wave with failures
  --name NAME        list: instances whose name contains NAME
  --exact            list: the name must be NAME exactly
  --status STATUS    list: instances in STATUS (RUNNING, RESTARTING...)
  --tag KEY=VALUE    list: instances tagged KEY=VALUE (repeatable: all of them)
  --output FORMAT    text (the default): one "ID OUTCOME" line per instance;
                     json: one JSON document (see dcsctl(1))
  --ids-from FILE    read the ids from FILE ('-': standard input), one per
                     line; blank lines and lines starting with # are skipped
  -                  as the only ID: read the ids from standard input
  --dry-run          print the requests that would be sent; send nothing
  --yes              flush without asking (needed when standard input is not
                     a terminal, or holds the ids)
  -h, --help         print this help
  --version          print the versions of libdcs and of the libcurl it uses
  --                 end of the options: the arguments after it are ids

Configured from the environment: HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (or
Huawei's credentials file), HUAWEICLOUD_SDK_PROJECT_ID, DCS_ENDPOINT or
DCS_REGION.

Exit status: 0 all succeeded; 1 some instances failed; 2 usage error, or a
flush not confirmed; 3 configuration error; 4 the service refused the call;
5 transport, timeout or protocol error (outcomes may be unknown); 6 a rolling
action stopped after a wave with failures (later waves not sent); 130
interrupted (Ctrl-C).
"""

# What C's strtol(text, &end, 10) reads whole: leading white space, a sign, decimal digits.
STRTOL_WHOLE = re.compile(r"[ \t\n\v\f\r]*([+-]?)([0-9]+)")
# How the library names an id in its messages.
INSTANCE_ID_NAME = re.compile(r"instance_ids\[([0-9]+)\]")


def write(stream: BinaryIO, text: str) -> None:
    """Bytes, as C writes them, whatever the locale's encoding (sys.argv's undecodable bytes
    come back as they were)."""
    stream.write(text.encode("utf-8", "surrogateescape"))


class Stop(Exception):
    """Ends the program with `code`, its messages already written."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def fail(message: str, *, with_usage: bool = False, code: int = EXIT_USAGE) -> NoReturn:
    """Writes "dcsctl: MESSAGE" and, for a mistake in the arguments themselves, the usage line."""
    write(sys.stderr.buffer, f"dcsctl: {message}\n" + (USAGE_HINT if with_usage else ""))
    sys.stderr.flush()
    raise Stop(code)


def usage_error(message: str) -> NoReturn:
    fail(message, with_usage=True)


# The command line ----------------------------------------------------------------------------

class Command:
    def __init__(self) -> None:
        self.action: Optional[str] = None
        self.ids: List[str] = []
        self.stdin_dash = False  # "-" among the ids before "--": read them from standard input
        self.ids_from: Optional[str] = None
        self.wait_given = False
        self.wait_seconds = 0  # 0: no --wait
        self.json = False
        self.dry_run = self.yes = self.help = self.version = False
        # Rolling actions.
        self.wave = 0  # 0: no --wave
        self.pause_given = False
        self.pause_seconds = 0
        self.keep_going = False
        # list.
        self.name: Optional[str] = None
        self.exact = False
        self.status: Optional[str] = None
        self.tags: List[str] = []

    def given(self, options: Sequence[str]) -> Optional[str]:
        """The first of `options` (in their order) the command line gave, or None."""
        present = {"--wave": self.wave > 0, "--pause": self.pause_given, "--keep-going": self.keep_going,
                   "--wait": self.wait_given, "--ids-from": self.ids_from is not None, "--dry-run": self.dry_run,
                   "--yes": self.yes, "--name": self.name is not None, "--exact": self.exact,
                   "--status": self.status is not None, "--tag": bool(self.tags)}
        return next((option for option in options if present[option]), None)


# The options of one command that the other may not have, in the order they are reported.
ACTION_ONLY_OPTIONS = ("--wave", "--pause", "--keep-going", "--wait", "--ids-from", "--dry-run", "--yes")
LIST_ONLY_OPTIONS = ("--name", "--exact", "--status", "--tag")


def whole_number(text: str, lowest: int, highest: int) -> int:
    """A whole number as C's strtol reads it whole (leading white space, a sign), lowest to
    highest; -1 when it is not that."""
    number = STRTOL_WHOLE.fullmatch(text)
    if number is None:
        return -1
    sign, digits = number.groups()
    digits = digits.lstrip("0") or "0"
    if len(digits) > len(str(highest)):  # beyond highest (and int() of thousands of digits would refuse)
        return -1
    value = -int(digits) if sign == "-" else int(digits)
    return value if lowest <= value <= highest else -1


def wait_seconds(text: str) -> int:
    """SECONDS of --wait=SECONDS, 1 to 86400; -1 when it is not that."""
    return whole_number(text, 1, MAX_WAIT_SECONDS)


def parse_options(args: Sequence[str]) -> Command:
    """argv into a Command. Mistakes in the options themselves are reported here, in order; what
    the action and the ids must be is checked after --help and --version (check_command)."""
    cmd = Command()
    options_ended = output_given = False
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if options_ended or not arg.startswith("-") or arg == "-":
            if cmd.action is None:
                cmd.action = arg
            else:
                if not options_ended and arg == "-":
                    cmd.stdin_dash = True
                cmd.ids.append(arg)
            continue
        if arg == "--":
            options_ended = True
            continue
        if arg == "-h":
            cmd.help = True
            continue
        name, equals, value = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        has_value = equals == "="

        def next_value() -> Optional[str]:
            nonlocal i
            if has_value:
                return value
            if i < len(args):
                i += 1
                return args[i - 1]
            return None

        if name in ("--help", "--version", "--dry-run", "--yes", "--keep-going", "--exact"):
            if has_value:
                usage_error(f"{name} takes no value")
            setattr(cmd, name[2:].replace("-", "_"), True)
        elif name == "--wait":
            if cmd.wait_given:
                usage_error("--wait given twice")
            cmd.wait_given = True
            cmd.wait_seconds = wait_seconds(value) if has_value else DEFAULT_WAIT_SECONDS
            if cmd.wait_seconds < 0:
                usage_error(f"--wait takes whole seconds from 1 to {MAX_WAIT_SECONDS}, not '{value}'")
        elif name == "--output":
            if output_given:
                usage_error("--output given twice")
            output_given = True
            output = next_value()
            if output is None:
                usage_error("--output needs a value: text or json")
            if output not in ("text", "json"):
                usage_error(f"--output must be text or json, not '{output}'")
            cmd.json = output == "json"
        elif name == "--ids-from":
            if cmd.ids_from is not None:
                usage_error("--ids-from given twice")
            cmd.ids_from = next_value()
            if not cmd.ids_from:
                usage_error("--ids-from needs a file name")
        elif name == "--wave":
            if cmd.wave:
                usage_error("--wave given twice")
            text = next_value()
            if text is None:
                usage_error("--wave needs a value")
            cmd.wave = whole_number(text, 1, MAX_WAVE)
            if cmd.wave < 0:
                usage_error(f"--wave takes a whole number of ids from 1 to {MAX_WAVE}, not '{text}'")
        elif name == "--pause":
            if cmd.pause_given:
                usage_error("--pause given twice")
            cmd.pause_given = True
            text = next_value()
            if text is None:
                usage_error("--pause needs a value")
            cmd.pause_seconds = whole_number(text, 0, MAX_PAUSE_SECONDS)
            if cmd.pause_seconds < 0:
                usage_error(f"--pause takes whole seconds from 0 to {MAX_PAUSE_SECONDS}, not '{text}'")
        elif name == "--name":
            if cmd.name is not None:
                usage_error("--name given twice")
            cmd.name = next_value()
            if not cmd.name:
                usage_error("--name needs a value")
            name_bytes = len(cmd.name.encode("utf-8", "surrogateescape"))
            if name_bytes > MAX_NAME_BYTES:
                usage_error(f"--name takes 1 to {MAX_NAME_BYTES} bytes, not {name_bytes}")
        elif name == "--status":
            if cmd.status is not None:
                usage_error("--status given twice")
            cmd.status = next_value()
            if cmd.status is None:
                usage_error("--status needs a value")
        elif name == "--tag":
            tag = next_value()
            if tag is None:
                usage_error("--tag needs a value")
            cmd.tags.append(tag)
        else:
            usage_error(f"unknown option '{arg}'; an id that starts with '-' goes after '--'")
    return cmd


def check_command(cmd: Command) -> None:
    if cmd.action is None:
        usage_error("no action given: restart, soft_restart, flush or list")
    if cmd.action not in ACTIONS and cmd.action != LIST:
        usage_error(f"unknown action '{cmd.action}': restart, soft_restart, flush or list")
    if cmd.action == LIST:
        misplaced = cmd.given(ACTION_ONLY_OPTIONS)
        if misplaced is not None:
            usage_error(f"{misplaced} is not an option of list")
        if cmd.ids:
            usage_error("list takes no ids")
    else:
        misplaced = cmd.given(LIST_ONLY_OPTIONS)
        if misplaced is not None:
            usage_error(f"{misplaced} is an option of list")
    if cmd.pause_given and not cmd.wave:
        usage_error("--pause needs --wave")
    if cmd.keep_going and not cmd.wave:
        usage_error("--keep-going needs --wave")
    if cmd.exact and cmd.name is None:
        usage_error("--exact needs --name")
    if cmd.action == LIST:
        return
    if cmd.ids_from is not None and cmd.ids:
        usage_error("give the ids as arguments or with --ids-from, not both")
    if cmd.stdin_dash and len(cmd.ids) > 1:
        usage_error("'-' reads the ids from standard input: it must be the only id")
    if cmd.ids_from is None and not cmd.ids:
        usage_error("no instance ids: give them as arguments, with --ids-from FILE, or '-' to read standard input")


# Ids from a file or standard input: one per line -----------------------------------------------

class IdList:
    """The ids of the call, from the command line or read from lines."""

    def __init__(self, ids: List[str], source: Optional[str] = None, from_stdin: bool = False,
                 line_numbers: Optional[List[int]] = None) -> None:
        self.ids = ids
        self.source = source  # "ids.txt", "standard input"; None for the command line
        self.from_stdin = from_stdin
        self.line_numbers = line_numbers  # of each id, from 1


def read_ids(path: str) -> IdList:
    """Reads `path` ("-": standard input): each line without surrounding blanks and a CR before
    its newline; blank lines and lines starting with '#' skipped."""
    from_stdin = path == "-"
    source = "standard input" if from_stdin else path
    try:
        if from_stdin:
            text = sys.stdin.buffer.read()
        else:
            with open(path, "rb") as file:
                text = file.read()
    except OSError as error:
        fail(f"cannot read {source}: {os.strerror(error.errno) if error.errno else error}")
    ids, line_numbers = [], []
    for number, line in enumerate(text.split(b"\n"), start=1):
        if line.endswith(b"\r"):
            line = line[:-1]
        line = line.strip(b" \t")
        if line and not line.startswith(b"#"):
            ids.append(line.decode("utf-8", "surrogateescape"))
            line_numbers.append(number)
    if not ids:
        fail(f"{source} holds no instance ids")
    return IdList(ids, source, from_stdin, line_numbers)


# Output ----------------------------------------------------------------------------------------

def or_dash(text: str) -> str:
    return text if text else "-"


class Report:
    """What a call or a listing (or the checks and configuration before it) ended with."""

    def __init__(self, status: int, *, http_status: int = 0, code: str = "", request_id: str = "",
                 message: str = "", results: Sequence[dcs.Result] = (),
                 instances: Sequence[dcs.Instance] = ()) -> None:
        self.status, self.http_status, self.code = status, http_status, code
        self.request_id, self.message, self.results = request_id, message, results
        self.instances = instances

    @classmethod
    def of_error(cls, error: dcs.DcsError) -> "Report":
        return cls(error.status, http_status=error.http_status, code=error.code, request_id=error.request_id,
                   message=error.message, results=error.results)

    @property
    def status_name(self) -> str:
        status = self.status
        return status.c_name if isinstance(status, dcs.Status) else "DCS_UNKNOWN_STATUS"


def json_string(text: str) -> str:
    """RFC 8259's escapes for '"', '\\' and control characters, every other character as it is;
    the same bytes as the C program's json_string."""
    return json.dumps(text, ensure_ascii=False)


def json_string_or_null(text: str) -> str:
    return json_string(text) if text else "null"


def json_entries(report: Report, action: str) -> str:
    """The members of "instances": the outcomes of an action, or the instances a listing found."""
    if action == LIST:
        return ",\n".join(f'    {{"id": {json_string(i.id)}, "name": {json_string(i.name)}, '
                           f'"status": {json_string(i.status_text)}, "engine": {json_string(i.engine)}, '
                           f'"engine_version": {json_string(i.engine_version)}}}' for i in report.instances)
    return ",\n".join(f'    {{"id": {json_string(r.instance_id)}, "outcome": {json_string(str(r.outcome))}, '
                       f'"request_id": {json_string_or_null(r.request_id)}}}' for r in report.results)


def print_json(report: Report, action: str) -> None:
    entries = json_entries(report, action)
    write(sys.stdout.buffer,
          f'{{\n  "action": {json_string(action)},\n'
          f'  "status": {{"name": {json_string(report.status_name)}, "number": {int(report.status)}}},\n'
          f'  "http_status": {report.http_status or "null"},\n'
          f'  "code": {json_string_or_null(report.code)},\n'
          f'  "request_id": {json_string_or_null(report.request_id)},\n'
          f'  "message": {json_string_or_null(report.message)},\n'
          f'  "instances": [' + (f"\n{entries}\n  ]" if entries else "]") + "\n}\n")


# The bytes a list line shows as '?': the C0 controls and DEL.
UNPRINTABLE = {code: "?" for code in (*range(0x20), 0x7F)}


def list_field(text: str) -> str:
    """A field of a list line: '-' when empty, every control byte as '?'."""
    return text.translate(UNPRINTABLE) if text else "-"


def list_line(instance: dcs.Instance) -> str:
    fields = (instance.id, instance.status_text, instance.engine, instance.engine_version, instance.name)
    return " ".join(map(list_field, fields)) + "\n"


def report(outcome: Report, cmd: Command) -> int:
    """stdout: the outcomes or the instances listed (text lines, or the JSON document); then,
    unless all succeeded, the error line on stderr. Returns the exit status of the status."""
    assert cmd.action is not None
    if cmd.json:
        print_json(outcome, cmd.action)
    elif cmd.action == LIST:
        write(sys.stdout.buffer, "".join(map(list_line, outcome.instances)))
    else:
        write(sys.stdout.buffer, "".join(f"{r.instance_id} {r.outcome}\n" for r in outcome.results))
    sys.stdout.flush()  # the outcomes come before the error line, also in one pipe
    if outcome.status != dcs.Status.OK:
        write(sys.stderr.buffer, f"dcsctl: {outcome.status_name} http_status={outcome.http_status} "
                                 f"code={or_dash(outcome.code)} request_id={or_dash(outcome.request_id)}: "
                                 f"{outcome.message}\n")
        sys.stderr.flush()
    return EXIT_BY_STATUS.get(outcome.status, EXIT_OUTCOME_UNKNOWN)


def message_in_lines(message: str, ids: IdList) -> str:
    """The library's message about ids read from lines, in their words: "instance_ids[N]" becomes
    "line L", and the source comes first ("ids.txt: line 7 repeats line 3: ...")."""
    assert ids.line_numbers is not None

    def line(match: "re.Match[str]") -> str:
        index = int(match.group(1))
        return f"line {ids.line_numbers[index]}" if index < len(ids.ids) else match.group(0)  # type: ignore[index]

    return f"{ids.source}: " + INSTANCE_ID_NAME.sub(line, message)


def check_ids(ids: IdList, cmd: Command) -> None:
    """The library's check of the ids, before anything else needs them: DCS_EINVAL reported as the
    call would report it (in lines for ids read from lines). An id holding a NUL byte, which no
    C string can carry, is refused here as the library refuses control characters, in its turn."""
    checked = next((index for index, text in enumerate(ids.ids) if "\0" in text), len(ids.ids))
    try:
        if checked > 0:
            dcs.check_instance_ids(ids.ids[:checked])
        if checked == len(ids.ids):
            return
        message = f"instance_ids[{checked}] holds a control character (U+0000)"
    except dcs.InvalidArgument as error:
        message = error.message
    if ids.line_numbers is not None:
        message = message_in_lines(message, ids)
    raise Stop(report(Report(dcs.Status.EINVAL, message=message), cmd))


# --dry-run -------------------------------------------------------------------------------------

def json_requests(chunks: List[List[str]], indent: str) -> str:
    """The requests carrying `chunks` as JSON objects, each on a line of its own after `indent`,
    separated by commas, the last one followed by a newline."""
    return "".join(f'{"," if number else ""}\n{indent}{{"instances": [{", ".join(map(json_string, chunk))}]}}'
                   for number, chunk in enumerate(chunks)) + "\n"


def print_dry_run(ids: IdList, cmd: Command) -> None:
    """What would be sent, request by request (and with --wave, wave by wave, as the call would
    roll it); needs no configuration but the project id (from the environment only: the
    credentials file is not read), shown as {project_id} when not set."""
    project_id = os.environ.get(PROJECT_ID_VARIABLE, "")
    project = project_id or "{project_id}"
    path = f"/v2/{project}/instances/status"
    per_request = dcs.MAX_IDS_PER_REQUEST
    # Without --wave, one wave of all the ids, printed without the waves.
    wave_size = cmd.wave or len(ids.ids)
    waves = [[wave[start:start + per_request] for start in range(0, len(wave), per_request)]
             for wave in (ids.ids[start:start + wave_size] for start in range(0, len(ids.ids), wave_size))]
    out: List[str] = []
    if cmd.json:
        out.append(f'{{\n  "dry_run": true,\n  "action": {json_string(cmd.action or "")},\n  "method": "PUT",\n'
                   f'  "path": {json_string(path)},\n  "project_id": {json_string_or_null(project_id)},\n'
                   f'  "wait_seconds": {cmd.wait_seconds or "null"}')
        if not cmd.wave:
            out.append(f',\n  "requests": [{json_requests(waves[0], "    ")}  ]\n}}\n')
        else:
            out.append(f',\n  "wave_pause_seconds": {cmd.pause_seconds},\n'
                       f'  "keep_going": {"true" if cmd.keep_going else "false"},\n  "waves": [')
            out.append(",".join(f'\n    {{"requests": [{json_requests(chunks, "      ")}    ]}}' for chunks in waves))
            out.append("\n  ]\n}\n")
    else:
        out.append("dry run: nothing is sent\n" if project_id else
                   f"dry run: nothing is sent; {PROJECT_ID_VARIABLE} is not set, so the path shows {{project_id}}\n")
        for wave_number, chunks in enumerate(waves, start=1):
            prefix = f"wave {wave_number} of {len(waves)}, " if cmd.wave else ""
            for number, chunk in enumerate(chunks, start=1):
                out.append(f"{prefix}request {number} of {len(chunks)}: PUT {path} action={cmd.action} "
                           f"instances={len(chunk)}\n")
                out.extend(f"  {i}\n" for i in chunk)
            if cmd.wait_seconds:
                out.append(f"then: GET /v2/{project}/instances/ID for each instance acted on, until it is RUNNING, "
                           f"at most {cmd.wait_seconds} s\n")
            if wave_number < len(waves) and cmd.pause_seconds:
                out.append(f"then: a pause of {cmd.pause_seconds} s\n")
        if len(waves) > 1:  # the health gate, or --keep-going
            out.append("--keep-going: the call goes on past a wave with failures\n" if cmd.keep_going else
                       "a wave with an instance that does not end RUNNING stops the call: later waves are not sent\n")
    write(sys.stdout.buffer, "".join(out))
    sys.stdout.flush()


# Ctrl-C and the confirmation of a flush ----------------------------------------------------------

class Interrupts:
    """From catch() on, Ctrl-C cancels `token`, or, while the confirmation is asked, raises
    KeyboardInterrupt out of the read of the answer."""

    def __init__(self, token: dcs.CancelToken) -> None:
        self.token = token
        self.asking = False

    def catch(self) -> None:
        signal.signal(signal.SIGINT, self._on_interrupt)

    def _on_interrupt(self, signum: int, frame: object) -> None:
        if self.asking:
            raise KeyboardInterrupt
        self.token.cancel()  # safe in a signal handler


def read_answer() -> Optional[bool]:
    """One line from standard input: "y" or "yes", any case, blanks around it allowed, is yes;
    anything else (a line of more than 63 bytes too) is no; None at the end of the input."""
    line = sys.stdin.buffer.readline()
    if not line.endswith(b"\n"):
        return None
    line = line[:-1]
    if len(line) > LONGEST_ANSWER:
        return False
    return line.lstrip(b" \t").rstrip(b" \t\r").lower() in (b"y", b"yes")


def confirm_flush(ids: IdList, cmd: Command, interrupts: Interrupts) -> None:
    """A flush goes ahead with --yes, or when the operator says yes on a terminal."""
    count = len(ids.ids)
    plural = "" if count == 1 else "s"
    if cmd.yes:
        return
    if ids.from_stdin:
        fail(f"not flushing {count} instance{plural} without confirmation: the ids came from standard input; "
             "give --yes to flush")
    if not os.isatty(sys.stdin.fileno()):
        fail(f"not flushing {count} instance{plural} without confirmation: standard input is not a terminal; "
             "give --yes to flush")
    write(sys.stderr.buffer, f"flush {count} instance{plural}? This deletes all their data and cannot be undone [y/N] ")
    sys.stderr.flush()
    interrupts.asking = True
    try:
        answer = read_answer()
    except KeyboardInterrupt:
        write(sys.stderr.buffer, "\n")
        fail("interrupted: nothing sent", code=EXIT_INTERRUPTED)
    finally:
        interrupts.asking = False
    if answer is None:
        write(sys.stderr.buffer, "\n")
    if not answer:
        fail("not confirmed: nothing sent")


# The call --------------------------------------------------------------------------------------

class ProgressLine:
    """The progress line of a rolling action whose standard error is a terminal: redrawn in
    place at each report ("\\033[K" clears what a longer line before it left), ended at
    FINISHED."""

    def __init__(self) -> None:
        self.open = False  # drawn, and not ended by a newline yet

    def draw(self, progress: dcs.Progress) -> None:
        line = (f"\rwave {progress.wave}/{progress.waves}: {progress.done}/{progress.total} done "
                f"({progress.succeeded} ok, {progress.failed} failed, {progress.unknown} unknown, "
                f"{progress.not_sent} not sent), {progress.not_started + progress.in_progress} to go\033[K")
        self.open = progress.event is not dcs.ProgressEvent.FINISHED
        write(sys.stderr.buffer, line if self.open else line + "\n")
        sys.stderr.flush()

    def end(self) -> None:
        """After the call: the error line starts a line of its own."""
        if self.open:
            write(sys.stderr.buffer, "\n")
            sys.stderr.flush()
            self.open = False


def in_worker(cmd: Command, work: Callable[[dcs.Client], Report]) -> int:
    """work(client) on a client configured from the environment, in a worker thread: the main
    thread stays free to run the SIGINT handler. Reports what it ended with."""
    try:
        client = dcs.Client.from_env()
    except dcs.DcsError as error:
        return report(Report.of_error(error), cmd)
    with client:
        outcome: List[Report] = []

        def run_work() -> None:
            try:
                outcome.append(work(client))
            except dcs.DcsError as error:
                outcome.append(Report.of_error(error))

        worker = threading.Thread(target=run_work, name=f"dcsctl {cmd.action}", daemon=True)
        worker.start()
        worker.join()
    return report(outcome[0], cmd)


def call(ids: IdList, cmd: Command, token: dcs.CancelToken) -> int:
    rolling: dict = {}
    line = ProgressLine()
    if cmd.wave:
        rolling = dict(wave=cmd.wave, pause=cmd.pause_seconds, keep_going=cmd.keep_going)
        if os.isatty(sys.stderr.fileno()):  # off a terminal: nothing but the error line
            rolling["progress"] = line.draw

    def make_the_call(client: dcs.Client) -> Report:
        try:
            results = client.call(cmd.action or "", ids.ids, wait=cmd.wait_seconds, cancel=token, **rolling)
        finally:
            line.end()
        return Report(dcs.Status.OK, results=results)

    return in_worker(cmd, make_the_call)


def list_instances(cmd: Command, token: dcs.CancelToken) -> int:
    def make_the_listing(client: dcs.Client) -> Report:
        instances = client.list_instances(name=cmd.name, exact=cmd.exact, status=cmd.status, tags=cmd.tags,
                                          cancel=token)
        return Report(dcs.Status.OK, instances=instances)

    return in_worker(cmd, make_the_listing)


def run_command(args: Sequence[str]) -> int:
    cmd = parse_options(args)
    if cmd.help:
        write(sys.stdout.buffer, HELP_TEXT)
        return EXIT_ALL_SUCCEEDED
    if cmd.version:
        write(sys.stdout.buffer, f"libdcs {dcs.version()}\nlibcurl {dcs.libcurl_version()}\n")
        return EXIT_ALL_SUCCEEDED
    check_command(cmd)
    # The health gate judges a wave by its instances RUNNING again: a rolling action waits.
    if cmd.wave and not cmd.wait_given:
        cmd.wait_seconds = DEFAULT_WAIT_SECONDS
    if cmd.action == LIST:
        with dcs.CancelToken() as token:
            Interrupts(token).catch()
            return list_instances(cmd, token)
    ids = read_ids("-" if cmd.stdin_dash else cmd.ids_from) if cmd.ids_from or cmd.stdin_dash else IdList(cmd.ids)
    check_ids(ids, cmd)
    if cmd.dry_run:
        print_dry_run(ids, cmd)
        return EXIT_ALL_SUCCEEDED
    with dcs.CancelToken() as token:
        interrupts = Interrupts(token)
        interrupts.catch()
        if cmd.action == "flush":
            confirm_flush(ids, cmd, interrupts)
        return call(ids, cmd, token)


def main(argv: Optional[List[str]] = None) -> int:
    try:
        return run_command(sys.argv[1:] if argv is None else argv)
    except Stop as stop:
        return stop.code
    except dcs.LibraryLoadError as error:  # where C's dynamic loader would refuse to start it
        write(sys.stderr.buffer, f"dcsctl: {error}\n")
        return EXIT_NO_LIBRARY
    except dcs.OutOfMemory as error:
        write(sys.stderr.buffer, f"dcsctl: DCS_ENOMEM http_status=0 code=- request_id=-: {error.message}\n")
        return EXIT_OUTCOME_UNKNOWN


def run() -> None:
    """The program: `dcsctl` (the console script), `python -m dcs`, examples/python/dcsctl.py."""
    # Until the call is under way, Ctrl-C ends the process as it ends the C program.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    sys.exit(main())
