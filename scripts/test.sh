#!/usr/bin/env bash
# Runs every test, against dcs-emulator on loopback:
#   Swift unit tests of the core;
#   pytest: the C ABI tests, the emulator's own tests, the cross-check against Huawei's official
#     signer, the Python binding, the three dcsctl compared, the installed prefix and the release
#     artifacts, the READMEs' programs and the man page;
#   go test -race: the Go binding;
#   (in pytest) many threads on one client through faults, under ThreadSanitizer, and a soak;
#   the C ABI tests again under valgrind memcheck;
#   the fuzz corpus replayed, then libFuzzer on each target (DCS_FUZZ_SECONDS, default 60);
#   the release artifacts (scripts/package.sh) in a clean Debian 12 root (scripts/cleanroom.sh).
# Extra arguments go to pytest (e.g. -k partial). Every prerequisite is checked before anything
# starts (scripts/prerequisites.sh); the clean-room test needs root.
set -euo pipefail
cd "$(dirname "$0")/.."

PREREQUISITES_OF=test
source scripts/prerequisites.sh
need_build_tools
need_package_tools
need_test_tools
need_cleanroom_tools

# Builds (scripts/build.sh), then makes the tarball and the wheel in dist/.
scripts/package.sh

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
export DCS_DIST="$PWD/dist"
python3 -m pytest -q "$@"

echo "== Go binding and its dcsctl (go test -race)"
(cd examples/go && go test -race -count=1 -tags dcs_intree ./...)

echo "== The release artifacts in a Debian 12 root with only a user's packages"
scripts/cleanroom.sh --dist dist

echo "== C ABI tests and the C example again, under valgrind memcheck"
DCS_MEMCHECK=1 python3 -m pytest -q Tests/c "$@"

echo "== Fuzz corpus replayed, then libFuzzer for ${DCS_FUZZ_SECONDS:=60}s per target"
for target in answers arguments; do
    swift build --sanitize=thread --product "dcs-fuzz-$target" > .build/fuzz-replay-build.log 2>&1 \
        || { cat .build/fuzz-replay-build.log; exit 1; }
    ".build/debug/dcs-fuzz-$target" "Tests/fuzz/corpus/$target"
done
scripts/fuzz.sh "$DCS_FUZZ_SECONDS"
