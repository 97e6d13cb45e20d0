#!/usr/bin/env bash
# Installs the built library the way C libraries are installed:
#   $PREFIX/lib/libdcs.so.MAJOR.MINOR.PATCH, its soname link libdcs.so.MAJOR and libdcs.so
#   $PREFIX/include/dcs.h
#   $PREFIX/lib/pkgconfig/dcs.pc        (cc app.c $(pkg-config --cflags --libs dcs))
#
#   PREFIX=/usr/local scripts/install.sh      PREFIX defaults to /usr/local; DESTDIR is honoured
#
# The library needs no Swift toolchain where it is installed: the Swift runtime is linked in.
# Run scripts/build.sh first.
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=${PREFIX:-/usr/local}
root="${DESTDIR:-}$prefix"
library=.build/release/libdcs.so
[ -f "$library" ] || { echo "install: no $library; run:" >&2; echo "    scripts/build.sh" >&2; exit 2; }

macro() { sed -n "s/^#define DCS_VERSION_$1 \([0-9]*\)$/\1/p" include/dcs.h; }
major=$(macro MAJOR)
version="$major.$(macro MINOR).$(macro PATCH)"

install -d "$root/lib/pkgconfig" "$root/include"
# Stripped: the debug information is most of the file (32 MB -> 16 MB).
strip --strip-debug -o "$root/lib/libdcs.so.$version" "$library"
chmod 0755 "$root/lib/libdcs.so.$version"
ln -sf "libdcs.so.$version" "$root/lib/libdcs.so.$major"
ln -sf "libdcs.so.$major" "$root/lib/libdcs.so"
install -m 0644 include/dcs.h "$root/include/dcs.h"
cat > "$root/lib/pkgconfig/dcs.pc" <<PC
prefix=$prefix
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: dcs
Description: Restart, soft-restart and flush Huawei Cloud DCS (managed Redis) instances
Version: $version
Requires.private: libcurl >= 7.80.0
Libs: -L\${libdir} -ldcs
Cflags: -I\${includedir}
PC
echo "installed libdcs $version in $root"
