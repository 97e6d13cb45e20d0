#!/usr/bin/env bash
# The benchmark: libdcs from C and from Python against a minimal libcurl + OpenSSL client (the
# floor) and Huawei's official Python SDK, all against dcs-emulator on loopback. Prints a
# table, the ratios and the targets; exits 1 when libdcs from C costs more than 1.5x the
# floor's CPU per call or opens more than one connection for sequential calls.
#
#   scripts/bench.sh                    after scripts/build.sh
#   scripts/bench.sh --update-readme    also rewrites the README's Performance section
#   scripts/bench.sh --runs 3 --calls 4000 --pin-client 0 --pin-emulator 1 --json out.json
#
# libdcs.so and dcs-emulator come from .build/release/ (what scripts/build.sh makes), or from
# $DCS_LIBRARY and $DCS_EMULATOR. Stops with the exact command to run when a prerequisite is
# missing. Takes about two minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."

missing() {
    echo "bench: $1 is missing; run:" >&2
    echo "    $2" >&2
    exit 2
}

library=${DCS_LIBRARY:-$PWD/.build/release/libdcs.so}
emulator=${DCS_EMULATOR:-$PWD/.build/release/dcs-emulator}
[ -f "$library" ] || missing "libdcs.so ($library)" "scripts/build.sh    # or set DCS_LIBRARY"
[ -x "$emulator" ] || missing "dcs-emulator ($emulator)" "scripts/build.sh    # or set DCS_EMULATOR"

command -v cc >/dev/null || missing "a C compiler" "sudo apt-get install -y gcc"
command -v python3 >/dev/null || missing "Python 3" "sudo apt-get install -y python3"
command -v strip >/dev/null || missing "strip" "sudo apt-get install -y binutils"
has_header() { echo "#include <$1>" | cc -E -x c - >/dev/null 2>&1; }
has_header curl/curl.h || missing "libcurl's development files" "sudo apt-get install -y libcurl4-openssl-dev"
has_header openssl/evp.h || missing "OpenSSL's development files" "sudo apt-get install -y libssl-dev"
python3 -c "import huaweicloudsdkdcs" 2>/dev/null ||
    missing "Huawei's Python SDK for DCS" "python3 -m pip install huaweicloudsdkdcs"
if ! command -v valgrind >/dev/null; then
    echo "bench: valgrind is not installed: no instruction counts (sudo apt-get install -y valgrind)" >&2
fi

# The C clients. libdcs_bench is linked against the library asked for, through a directory of
# its own holding libdcs.so.0 (the soname) that points at it.
out=.build/bench
mkdir -p "$out/lib"
real_library=$(realpath "$library")
ln -sfn "$real_library" "$out/lib/libdcs.so"
ln -sfn "$real_library" "$out/lib/libdcs.so.0"
cc -O2 -Wall -Wextra -o "$out/floor" bench/floor.c -lcurl -lcrypto -lpthread
cc -O2 -Wall -Wextra -Iinclude -o "$out/libdcs_bench" bench/libdcs_bench.c \
    -L"$out/lib" -ldcs -Wl,-rpath,"$PWD/$out/lib" -lpthread
cc -O2 -Wall -Wextra -o "$out/load_time" bench/load_time.c -ldl

# The binding's bytecode, as pip install writes it (Huawei's SDK has had its own since it was
# installed): with PYTHONDONTWRITEBYTECODE set, every start would compile the package anew.
python3 -m compileall -q examples/python/dcs

exec python3 bench/run.py --bin "$out" --library "$real_library" --emulator "$emulator" "$@"
