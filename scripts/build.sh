#!/usr/bin/env bash
# Builds everything the demo and the tests use:
#   .build/release/libdcs.so (and its soname link libdcs.so.0), Swift runtime linked in
#   .build/release/dcs-emulator
#   examples/c/dcsctl
# Stops with the exact command to run when a prerequisite is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PREREQUISITES_OF=build
source scripts/prerequisites.sh
need_build_tools

# -static-stdlib links the Swift runtime into libdcs.so: it runs where no Swift is installed.
# The version script keeps its dynamic symbol table to the dcs_ entry points, so that the
# Swift runtime linked into it cannot collide with a host program's own copies.
# -z nodelete: dlclose leaves it loaded. The Swift runtime cannot be unloaded (its metadata
# caches and the pthread_atfork handlers of the handle pools would dangle), and a plugin host
# that loads and unloads it in a loop then reuses the one image instead of growing each time.
swift build -c release -Xswiftc -static-stdlib --product dcs \
    -Xlinker --version-script="$PWD/Sources/DCS/exports.map" -Xlinker -soname=libdcs.so.0 -Xlinker -z -Xlinker nodelete
swift build -c release -Xswiftc -static-stdlib --product dcs-emulator
ln -sf libdcs.so .build/release/libdcs.so.0
make -s -C examples/c ROOT=../.. DCS_LIBDIR="$PWD/.build/release"
