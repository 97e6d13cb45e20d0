"""The benchmark's driver: runs the four clients against one dcs-emulator on loopback, several
times, and reports the medians, the ratios and the targets. scripts/bench.sh compiles the C
programs and runs this; see the README's Performance section for what is measured and how.

    python3 bench/run.py --bin DIR [--library PATH] [--emulator PATH] [--runs 5] [--calls 2000]
                         [--update-readme] [--json FILE]

Exit status: 0 when the two hard limits hold (libdcs from C at most 1.5x the floor's CPU per
call, one connection for its sequential calls), 1 when one does not, 2 when the benchmark
itself could not run (a client failed, the emulator did not start).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys

from measure import CLIENTS, REPO, Bench, BenchError, harness
from report import machine, markdown, print_text, summarise, update_readme


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", required=True, help="directory of the compiled floor, libdcs_bench, load_time")
    parser.add_argument("--library", default=os.environ.get("DCS_LIBRARY") or str(REPO / ".build/release/libdcs.so"))
    parser.add_argument("--emulator", default=os.environ.get("DCS_EMULATOR") or str(REPO / ".build/release/dcs-emulator"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--calls", type=int, default=2000, help="calls per client and mode (at least 2000)")
    parser.add_argument("--warmup", type=int, default=96, help="warm-up calls before the measured ones")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--c-pairs", type=int, default=3,
                        help="sequential runs of the floor and libdcs from C, back to back, per run")
    parser.add_argument("--emulator-threads", type=int, default=2)
    parser.add_argument("--batch-ids", type=int, default=20000, help="ids per batch run and size")
    parser.add_argument("--pin-client", default=None, help="taskset CPU list for the clients")
    parser.add_argument("--pin-emulator", default=None, help="taskset CPU list for the emulator")
    parser.add_argument("--no-profile", action="store_true", help="skip the callgrind instruction counts")
    parser.add_argument("--update-readme", action="store_true")
    parser.add_argument("--json", help="write every run's figures and the summary to this file")
    options = parser.parse_args()
    if options.calls % options.threads or options.warmup % options.threads:
        parser.error("--calls and --warmup must be multiples of --threads")

    bench = Bench(options)
    try:
        data = bench.measure()
    except (BenchError, harness.EmulatorError, subprocess.TimeoutExpired) as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2
    summary = summarise(data, options)
    m = machine()
    print_text(summary, options, m)
    if options.json:
        pathlib.Path(options.json).write_text(json.dumps({"machine": m, "data": data, "summary": summary},
                                                         indent=1, default=str))
    bad_counts = [client for client in CLIENTS if not summary["clients"][client]["requests_ok"]]
    if bad_counts:
        print(f"bench: the emulator did not see calls + warm-up requests for {', '.join(bad_counts)}", file=sys.stderr)
        return 2
    if options.update_readme:
        update_readme(markdown(summary, options, m))
        print("\nREADME.md: Performance section updated")
    hard_failures = [t for t in summary["targets"] if t["hard"] and not t["met"]]
    return 1 if hard_failures else 0


if __name__ == "__main__":
    sys.exit(main())
