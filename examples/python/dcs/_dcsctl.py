"""dcsctl: restart, soft-restart or flush DCS instances from the command line.

    dcsctl restart|soft_restart|flush [OPTION]... ID...
    dcsctl restart|soft_restart|flush [OPTION]... --ids-from FILE
    dcsctl restart|soft_restart|flush [OPTION]... -          (the ids from standard input)
    dcsctl --help | --version

The Python twin of examples/c/dcsctl.c: same command line, same bytes on stdout and stderr, same
exit status (Tests/examples/test_three_dcsctl.py compares the three); man/dcsctl.1 is the
manual of all three. Run as the `dcsctl` console script, `python -m dcs`, or
examples/python/dcsctl.py.

Ctrl-C during the call cancels it: the call runs in a worker thread, so that the main thread is
free to run the SIGINT handler, which cancels a CancelToken (a call in C cannot be interrupted
from the thread making it). Before the confirmation of a flush, Ctrl-C ends the process as it
ends the C program.
"""

import json
import os
import re
import signal
import sys
import threading
from typing import BinaryIO, List, NoReturn, Optional, Sequence

import dcs

# The exit statuses, by cause (man/dcsctl.1, EXIT STATUS).
EXIT_ALL_SUCCEEDED = 0
EXIT_PARTIAL = 1          # the service answered, some instances failed
EXIT_USAGE = 2            # the command line, an id, or a flush not confirmed: nothing sent
EXIT_CONFIGURATION = 3    # DCS_ECONFIG: nothing sent
EXIT_REFUSED = 4          # DCS_EAPI: the service refused the call
EXIT_OUTCOME_UNKNOWN = 5  # transport, timeout, protocol (and out of memory): outcomes may be unknown
EXIT_INTERRUPTED = 130    # Ctrl-C: the call was cancelled
EXIT_NO_LIBRARY = 127     # no loadable libdcs.so: what the dynamic loader gives the C and Go programs

EXIT_BY_STATUS = {
    dcs.Status.OK: EXIT_ALL_SUCCEEDED, dcs.Status.EPARTIAL: EXIT_PARTIAL, dcs.Status.EINVAL: EXIT_USAGE,
    dcs.Status.ECONFIG: EXIT_CONFIGURATION, dcs.Status.EAPI: EXIT_REFUSED, dcs.Status.ECANCELED: EXIT_INTERRUPTED,
}

ACTIONS = ("restart", "soft_restart", "flush")
DEFAULT_WAIT_SECONDS = 600
MAX_WAIT_SECONDS = 86400
PROJECT_ID_VARIABLE = "HUAWEICLOUD_SDK_PROJECT_ID"
LONGEST_ANSWER = 63  # bytes of a confirmation answer; a longer one is no

USAGE_HINT = "usage: dcsctl restart|soft_restart|flush [OPTION]... ID... (dcsctl --help for more)\n"

HELP_TEXT = """\
usage: dcsctl restart|soft_restart|flush [OPTION]... ID...
       dcsctl restart|soft_restart|flush [OPTION]... --ids-from FILE
       dcsctl restart|soft_restart|flush [OPTION]... -
       dcsctl --help | --version

Restarts, soft-restarts or flushes Huawei Cloud DCS instances and reports one
outcome per instance: success, failed, not_sent (certainly not applied) or
unknown (it may have been applied).

  restart        force restart of the instances
  soft_restart   restart of the Redis process only
  flush          delete all data of the instances (Redis 4.0 and later); it
                 cannot be undone, so dcsctl asks first

Options, anywhere before --:
  --wait[=SECONDS]   after the action, wait until the instances are RUNNING
                     again, at most SECONDS (1 to 86400, default 600)
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
5 transport, timeout or protocol error (outcomes may be unknown); 130
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
        self.wait_seconds = 0  # 0: no --wait
        self.json = False
        self.dry_run = self.yes = self.help = self.version = False


def wait_seconds(text: str) -> int:
    """SECONDS of --wait=SECONDS as C's strtol reads it (leading white space, a sign), 1 to
    86400; -1 when it is not that."""
    number = STRTOL_WHOLE.fullmatch(text)
    if number is None:
        return -1
    sign, digits = number.groups()
    digits = digits.lstrip("0") or "0"
    if len(digits) > 5:  # beyond 86400 (and int() of thousands of digits would refuse)
        return -1
    seconds = -int(digits) if sign == "-" else int(digits)
    return seconds if 1 <= seconds <= MAX_WAIT_SECONDS else -1


def parse_options(args: Sequence[str]) -> Command:
    """argv into a Command. Mistakes in the options themselves are reported here, in order; what
    the action and the ids must be is checked after --help and --version (check_command)."""
    cmd = Command()
    options_ended = wait_given = output_given = False
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

        if name in ("--help", "--version", "--dry-run", "--yes"):
            if has_value:
                usage_error(f"{name} takes no value")
            setattr(cmd, name[2:].replace("-", "_"), True)
        elif name == "--wait":
            if wait_given:
                usage_error("--wait given twice")
            wait_given = True
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
        else:
            usage_error(f"unknown option '{arg}'; an id that starts with '-' goes after '--'")
    return cmd


def check_command(cmd: Command) -> None:
    if cmd.action is None:
        usage_error("no action given: restart, soft_restart or flush")
    if cmd.action not in ACTIONS:
        usage_error(f"unknown action '{cmd.action}': restart, soft_restart or flush")
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
    """What a call (or the checks and configuration before it) ended with."""

    def __init__(self, status: int, *, http_status: int = 0, code: str = "", request_id: str = "",
                 message: str = "", results: Sequence[dcs.Result] = ()) -> None:
        self.status, self.http_status, self.code = status, http_status, code
        self.request_id, self.message, self.results = request_id, message, results

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


def print_json(report: Report, action: str) -> None:
    entries = ",\n".join(f'    {{"id": {json_string(r.instance_id)}, "outcome": {json_string(str(r.outcome))}, '
                         f'"request_id": {json_string_or_null(r.request_id)}}}' for r in report.results)
    write(sys.stdout.buffer,
          f'{{\n  "action": {json_string(action)},\n'
          f'  "status": {{"name": {json_string(report.status_name)}, "number": {int(report.status)}}},\n'
          f'  "http_status": {report.http_status or "null"},\n'
          f'  "code": {json_string_or_null(report.code)},\n'
          f'  "request_id": {json_string_or_null(report.request_id)},\n'
          f'  "message": {json_string_or_null(report.message)},\n'
          f'  "instances": [' + (f"\n{entries}\n  ]" if entries else "]") + "\n}\n")


def report(outcome: Report, cmd: Command) -> int:
    """stdout: the outcomes (text lines, or the JSON document); then, unless all succeeded, the
    error line on stderr. Returns the exit status of the status."""
    assert cmd.action is not None
    if cmd.json:
        print_json(outcome, cmd.action)
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

def print_dry_run(ids: IdList, cmd: Command) -> None:
    """What would be sent, request by request; needs no configuration but the project id (from
    the environment only: the credentials file is not read), shown as {project_id} when not set."""
    project_id = os.environ.get(PROJECT_ID_VARIABLE, "")
    project = project_id or "{project_id}"
    path = f"/v2/{project}/instances/status"
    per_request = dcs.MAX_IDS_PER_REQUEST
    chunks = [ids.ids[start:start + per_request] for start in range(0, len(ids.ids), per_request)]
    out: List[str] = []
    if cmd.json:
        requests = ",\n".join(f'    {{"instances": [{", ".join(map(json_string, chunk))}]}}' for chunk in chunks)
        out.append(f'{{\n  "dry_run": true,\n  "action": {json_string(cmd.action or "")},\n  "method": "PUT",\n'
                   f'  "path": {json_string(path)},\n  "project_id": {json_string_or_null(project_id)},\n'
                   f'  "wait_seconds": {cmd.wait_seconds or "null"},\n  "requests": [\n{requests}\n  ]\n}}\n')
    else:
        out.append("dry run: nothing is sent\n" if project_id else
                   f"dry run: nothing is sent; {PROJECT_ID_VARIABLE} is not set, so the path shows {{project_id}}\n")
        for number, chunk in enumerate(chunks, start=1):
            out.append(f"request {number} of {len(chunks)}: PUT {path} action={cmd.action} instances={len(chunk)}\n")
            out.extend(f"  {i}\n" for i in chunk)
        if cmd.wait_seconds:
            out.append(f"then: GET /v2/{project}/instances/ID for each instance acted on, until it is RUNNING, "
                       f"at most {cmd.wait_seconds} s\n")
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

def call(ids: IdList, cmd: Command, token: dcs.CancelToken) -> int:
    try:
        client = dcs.Client.from_env()
    except dcs.DcsError as error:
        return report(Report.of_error(error), cmd)
    with client:
        outcome: List[Report] = []

        def make_the_call() -> None:
            try:
                results = client.call(cmd.action or "", ids.ids, wait=cmd.wait_seconds, cancel=token)
                outcome.append(Report(dcs.Status.OK, results=results))
            except dcs.DcsError as error:
                outcome.append(Report.of_error(error))

        # In a worker thread: the main thread stays free to run the SIGINT handler.
        worker = threading.Thread(target=make_the_call, name="dcsctl call", daemon=True)
        worker.start()
        worker.join()
    return report(outcome[0], cmd)


def run_command(args: Sequence[str]) -> int:
    cmd = parse_options(args)
    if cmd.help:
        write(sys.stdout.buffer, HELP_TEXT)
        return EXIT_ALL_SUCCEEDED
    if cmd.version:
        write(sys.stdout.buffer, f"libdcs {dcs.version()}\nlibcurl {dcs.libcurl_version()}\n")
        return EXIT_ALL_SUCCEEDED
    check_command(cmd)
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
