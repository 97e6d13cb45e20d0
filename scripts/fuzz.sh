#!/usr/bin/env bash
# Fuzzes, with libFuzzer, the two places where bytes from outside meet libdcs:
#   dcs-fuzz-answers    any HTTP status, content type and body, into outcomes and a status
#   dcs-fuzz-arguments  any bytes as arguments of the C entry points
# Each runs SECONDS (default 60) from the committed seed corpus (Tests/fuzz/corpus/TARGET);
# new inputs it finds go to .build-fuzz/corpus-TARGET, crashes to .build-fuzz/artifacts/.
# A crash fails the script; copy its input into Tests/fuzz/corpus/TARGET as a regression
# test (plain builds of the targets replay that corpus in scripts/test.sh).
#
#   scripts/fuzz.sh            60 s each, as CI runs it
#   scripts/fuzz.sh 3600       an hour each, for a longer local run
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}

for target in answers arguments; do
    swift build --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -DDCS_FUZZ -Xswiftc -use-ld=lld \
        --product "dcs-fuzz-$target" 2>&1 | grep -v "warning: Cannot export local symbol" || true
    test -x ".build-fuzz/debug/dcs-fuzz-$target" || { echo "fuzz: build of dcs-fuzz-$target failed" >&2; exit 2; }
done

status=0
for target in answers arguments; do
    echo "== fuzzing dcs-fuzz-$target for ${seconds}s"
    mkdir -p ".build-fuzz/corpus-$target" .build-fuzz/artifacts
    # Swift's own backtracer waits for a terminal: libFuzzer's report is enough.
    SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0 \
        ".build-fuzz/debug/dcs-fuzz-$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
        -artifact_prefix=".build-fuzz/artifacts/$target-" -print_final_stats=1 \
        ".build-fuzz/corpus-$target" "Tests/fuzz/corpus/$target" 2>&1 | grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==|SUMMARY|artifact_prefix|Test unit written)|Fatal error|invariant" || true
    if ls .build-fuzz/artifacts/"$target"-* >/dev/null 2>&1; then
        echo "fuzz: dcs-fuzz-$target crashed; inputs in .build-fuzz/artifacts/" >&2
        status=1
    fi
done
exit $status
