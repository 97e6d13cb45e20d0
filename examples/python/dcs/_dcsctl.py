"""dcsctl: restart, soft-restart or flush DCS instances from the command line.

    dcsctl ACTION [--wait[=SECONDS]] ID...      ACTION: restart, soft_restart, flush

--wait: after the action, wait until the instances it was applied to are
RUNNING again (at most SECONDS, 1 to 86400, default 600); their outcome is then
the wait's: success (running again), failed (ERROR, FROZEN...), unknown (not
RUNNING in time).

The Python twin of examples/c/dcsctl.c: same command line, output and exit codes.
Ctrl-C (SIGINT) ends it at once, as it ends the C program: an action already sent
may have been applied.
Configured from the environment (dcs_config_from_env): HUAWEICLOUD_SDK_AK,
HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_PROJECT_ID, DCS_ENDPOINT or DCS_REGION.

stdout: one line per instance, "ID OUTCOME", nothing else.
stderr: on anything but full success, one line with the status, HTTP status,
        error code, request id and message.
exit:   0 all succeeded, 1 partial, 2 error.
"""

import re
import signal
import sys
from typing import List, Optional

import dcs

ACTIONS = ("restart", "soft_restart", "flush")
DEFAULT_WAIT_SECONDS = 600
# What C's strtol(text, &end, 10) reads whole: leading white space, a sign, decimal digits.
STRTOL_WHOLE = re.compile(r"[ \t\n\v\f\r]*([+-]?)([0-9]+)")


def usage() -> int:
    sys.stderr.write("usage: dcsctl restart|soft_restart|flush [--wait[=SECONDS]] ID...\n")
    return 2


def wait_seconds(arg: str) -> int:
    """"--wait" or "--wait=SECONDS" (1 to 86400): the seconds; 0 when `arg` is not the flag; -1
    when it is the flag with a bad value. As dcsctl.c reads it."""
    if arg == "--wait":
        return DEFAULT_WAIT_SECONDS
    if not arg.startswith("--wait="):
        return 0
    number = STRTOL_WHOLE.fullmatch(arg[len("--wait="):])
    if number is None:
        return -1
    sign, digits = number.groups()
    digits = digits.lstrip("0") or "0"
    if len(digits) > 5:  # beyond 86400 (and int() of thousands of digits would refuse)
        return -1
    seconds = -int(digits) if sign == "-" else int(digits)
    return seconds if 1 <= seconds <= 86400 else -1


def or_dash(text: str) -> str:
    return text if text else "-"


def print_error(error: dcs.DcsError) -> None:
    line = (f"dcsctl: {error.status_name} http_status={error.http_status} code={or_dash(error.code)} "
            f"request_id={or_dash(error.request_id)}: {error.message}\n")
    # Bytes, as C writes them, whatever the locale's encoding.
    sys.stderr.buffer.write(line.encode("utf-8", "surrogateescape"))
    sys.stderr.flush()


def print_results(results: List[dcs.Result]) -> None:
    out = sys.stdout.buffer
    for result in results:
        out.write(f"{result.instance_id} {result.outcome}\n".encode("utf-8", "surrogateescape"))
    out.flush()


def exit_code(status: int) -> int:
    return 0 if status == dcs.Status.OK else 1 if status == dcs.Status.EPARTIAL else 2


def main(argv: Optional[List[str]] = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2 or args[0] not in ACTIONS:
        return usage()
    seconds = wait_seconds(args[1])
    if seconds < 0:
        return usage()
    ids = args[2:] if seconds > 0 else args[1:]
    if not ids:
        return usage()
    try:
        client = dcs.Client.from_env()
    except dcs.DcsError as error:
        print_error(error)
        return 2
    except dcs.LibraryLoadError as error:  # where C's dynamic loader would refuse to start it
        sys.stderr.write(f"dcsctl: {error}\n")
        return 2
    with client:
        try:
            results = client.call(args[0], ids, wait=seconds)
        except dcs.DcsError as error:
            print_results(error.results)
            print_error(error)
            return exit_code(error.status)
    print_results(results)
    return 0


def run() -> None:
    """The program: `dcsctl` (the console script), `python -m dcs`, examples/python/dcsctl.py."""
    # A call in C cannot be interrupted from Python (KeyboardInterrupt would wait for it, up to
    # the whole --wait): Ctrl-C kills the process as it kills the C program.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    sys.exit(main())
