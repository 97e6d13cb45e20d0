#!/usr/bin/env python3
"""dcsctl: restart, soft-restart or flush DCS instances from the command line.

    dcsctl.py ACTION ID...        ACTION: restart, soft_restart, flush

The Python twin of examples/c/dcsctl.c: same command line, output and exit codes.
Configured from the environment (dcs_config_from_env): HUAWEICLOUD_SDK_AK,
HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_PROJECT_ID, DCS_ENDPOINT or DCS_REGION.

stdout: one line per instance, "ID OUTCOME", nothing else.
stderr: on anything but full success, one line with the status, HTTP status,
        error code, request id and message.
exit:   0 all succeeded, 1 partial, 2 error.
"""

import sys
from typing import List, Optional

import dcs

ACTIONS = ("restart", "soft_restart", "flush")


def usage() -> int:
    sys.stderr.write("usage: dcsctl restart|soft_restart|flush ID...\n")
    return 2


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
            results = client.call(args[0], args[1:])
        except dcs.DcsError as error:
            print_results(error.results)
            print_error(error)
            return exit_code(error.status)
    print_results(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
