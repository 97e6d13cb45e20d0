#!/usr/bin/env bash
# Runs every test: Swift unit tests of the core, then pytest, which drives the C ABI tests,
# the emulator's own tests and the cross-check against Huawei's official signer, all against
# dcs-emulator on loopback. Extra arguments go to pytest (e.g. -k partial).
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

echo "== Swift unit tests"
if ! swift test > .build/swift-unit-tests.log 2>&1; then
    cat .build/swift-unit-tests.log
    exit 1
fi
grep -E "^.*Test run with" .build/swift-unit-tests.log || tail -n 1 .build/swift-unit-tests.log

echo "== C ABI, emulator and signer tests"
export DCS_EMULATOR="$PWD/.build/release/dcs-emulator"
export DCS_LIBRARY="$PWD/.build/release/libdcs.so"
python3 -m pytest -q "$@"

echo "== Go binding and its dcsctl (go test -race)"
(cd examples/go && go test -race -count=1 ./...)

echo "== C ABI tests and the C example again, under valgrind memcheck"
DCS_MEMCHECK=1 python3 -m pytest -q Tests/c "$@"
