#!/usr/bin/env bash
# Installs the built library the way C libraries are installed, under $DESTDIR$PREFIX:
#   lib/libdcs.so.X.Y.Z                stripped, with its soname link libdcs.so.X and libdcs.so
#   lib/.debug/libdcs.so.X.Y.Z.debug   its debug information, named by the library's
#                                      .gnu_debuglink (gdb looks for it there)
#   lib/pkgconfig/dcs.pc               relocatable: every path is relative to the file itself
#   include/dcs.h
#   bin/dcsctl                         the C example, with the run path $ORIGIN/../lib
#   share/man/man1/dcsctl.1
# This is the one description of the layout: scripts/package.sh makes the release tarball with it.
# No path of the prefix is written into any file, so the tree works wherever it is moved.
#
#   PREFIX=/usr/local scripts/install.sh      PREFIX defaults to /usr/local; DESTDIR is honoured
#
# The library needs no Swift toolchain where it is installed (the Swift runtime is linked in);
# it needs libcurl.so.4 (7.80.0 or later), libcrypto.so.3, libstdc++.so.6, libgcc_s.so.1, libm.so.6
# and libc.so.6.
# Run scripts/build.sh first.
set -euo pipefail
cd "$(dirname "$0")/.."

PREREQUISITES_OF=install
source scripts/prerequisites.sh
need_install_tools
need_command make "make" "sudo apt-get install -y make"

prefix=${PREFIX:-/usr/local}
root="${DESTDIR:-}$prefix"
library=.build/release/libdcs.so
[ -f "$library" ] || missing "the built library ($library)" "scripts/build.sh"

macro() { sed -n "s/^#define DCS_VERSION_$1 \([0-9]*\)$/\1/p" include/dcs.h; }
major=$(macro MAJOR)
version="$major.$(macro MINOR).$(macro PATCH)"
installed="libdcs.so.$version"

install -d "$root/lib/.debug" "$root/lib/pkgconfig" "$root/include" "$root/bin" "$root/share/man/man1"

# Stripped, as distributions ship libraries: the debug information and the symbol table go to a
# file of their own, which the library names with its CRC.
objcopy --only-keep-debug "$library" "$root/lib/.debug/$installed.debug"
chmod 0644 "$root/lib/.debug/$installed.debug"
strip --strip-unneeded -o "$root/lib/$installed" "$library"
(cd "$root/lib" && objcopy --add-gnu-debuglink=".debug/$installed.debug" "$installed")
chmod 0755 "$root/lib/$installed"
ln -sfn "$installed" "$root/lib/libdcs.so.$major"
ln -sfn "libdcs.so.$major" "$root/lib/libdcs.so"
install -m 0644 include/dcs.h "$root/include/dcs.h"

# The header includes nothing of libcurl and no static library ships, so nothing is required of
# pkg-config: a Requires.private on libcurl would fail where only its runtime is installed.
cat > "$root/lib/pkgconfig/dcs.pc" <<PC
prefix=\${pcfiledir}/../..
libdir=\${prefix}/lib
includedir=\${prefix}/include

# At run time libdcs.so.$major needs libcurl.so.4 (7.80.0 or later), libcrypto.so.3,
# libstdc++.so.6, libgcc_s.so.1, libm.so.6 and libc.so.6.
Name: dcs
Description: Restart, soft-restart and flush Huawei Cloud DCS (managed Redis) instances
Version: $version
Libs: -L\${libdir} -ldcs
Cflags: -I\${includedir}
PC

# dcsctl, built by its own Makefile (in a directory of its own: examples/c/dcsctl is the checkout's)
# with the flags of the pkg-config file just written, and a run path that finds the library beside
# it wherever the prefix is (make reads $$ as $, the shell \$ as $).
build_dir=$(mktemp -d)
trap 'rm -rf "$build_dir"' EXIT
cp examples/c/Makefile examples/c/dcsctl.c "$build_dir/"
export PKG_CONFIG_PATH="$root/lib/pkgconfig"
make -s -C "$build_dir" ROOT="$PWD" DCS_CFLAGS="$(pkg-config --cflags dcs)" \
    DCS_LIBS="$(pkg-config --libs dcs) -Wl,-rpath,\\\$\$ORIGIN/../lib"
install -m 0755 "$build_dir/dcsctl" "$root/bin/dcsctl"
install -m 0644 man/dcsctl.1 "$root/share/man/man1/dcsctl.1"

echo "installed libdcs $version in $root"
echo "programs built against it find libdcs.so.$major through ldconfig (a directory the loader knows," \
    "/usr/local/lib on Debian, then sudo ldconfig), a run path (-Wl,-rpath,$prefix/lib) or LD_LIBRARY_PATH"
