#!/usr/bin/env bash
# Runs every test, against dcs-emulator on loopback:
#   Swift unit tests of the core;
#   pytest: the C ABI tests, the emulator's own tests, the cross-check against Huawei's official
#     signer, the Python binding, the three dcsctl compared;
#   go test -race: the Go binding;
#   (in pytest) many threads on one client through faults, under ThreadSanitizer, and a soak;
#   the C ABI tests again under valgrind memcheck;
#   the fuzz corpus replayed, then libFuzzer on each target (DCS_FUZZ_SECONDS, default 60).
# Extra arguments go to pytest (e.g. -k partial).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/build.sh

missing() {
    echo "test: $1 is missing; run:" >&2
    echo "    $2" >&2
    exit 2
}
command -v python3 >/dev/null || missing "Python 3" "sudo apt-get install -y python3 python3-pip"
python3 -c "import pytest" 2>/dev/null || missing "pytest" "python3 -m pip install pytest"
python3 -c "import huaweicloudsdkcore" 2>/dev/null || missing "Huawei's official SDK core (the signer cross-check)" "python3 -m pip install huaweicloudsdkcore"
command -v go >/dev/null || missing "Go (the Go binding's tests)" "sudo apt-get install -y golang-go"
command -v valgrind >/dev/null || missing "valgrind (the memory check of the C tests)" "sudo apt-get install -y valgrind"
command -v openssl >/dev/null || missing "openssl (the TLS tests make a CA)" "sudo apt-get install -y openssl"
python3 -c "import pexpect" 2>/dev/null || missing "pexpect (dcsctl's confirmation on a pseudo-terminal)" "python3 -m pip install pexpect"
command -v groff >/dev/null || missing "groff (the man page is checked)" "sudo apt-get install -y groff-base"
command -v mandoc >/dev/null || missing "mandoc (the man page is checked)" "sudo apt-get install -y mandoc"

# Every debug build here uses ThreadSanitizer, so that they share one build: the unit tests,
# the libdcs that Tests/c/test_stress.py checks for races, and the fuzz corpus replays.
echo "== Swift unit tests (under ThreadSanitizer)"
if ! swift test --sanitize=thread > .build/swift-unit-tests.log 2>&1; then
    cat .build/swift-unit-tests.log
    exit 1
fi
grep -E "^.*Test run with" .build/swift-unit-tests.log || tail -n 1 .build/swift-unit-tests.log

echo "== C ABI, emulator and signer tests"
export DCS_EMULATOR="$PWD/.build/release/dcs-emulator"
export DCS_LIBRARY="$PWD/.build/release/libdcs.so"
python3 -m pytest -q "$@"

echo "== Go binding and its dcsctl (go test -race)"
(cd examples/go && go test -race -count=1 -tags dcs_intree ./...)

echo "== C ABI tests and the C example again, under valgrind memcheck"
DCS_MEMCHECK=1 python3 -m pytest -q Tests/c "$@"

echo "== Fuzz corpus replayed, then libFuzzer for ${DCS_FUZZ_SECONDS:=60}s per target"
for target in answers arguments; do
    swift build --sanitize=thread --product "dcs-fuzz-$target" > .build/fuzz-replay-build.log 2>&1 \
        || { cat .build/fuzz-replay-build.log; exit 1; }
    ".build/debug/dcs-fuzz-$target" "Tests/fuzz/corpus/$target"
done
scripts/fuzz.sh "$DCS_FUZZ_SECONDS"
