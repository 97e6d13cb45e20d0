#!/usr/bin/env bash
# The release artifacts, from a fresh clone, in dist/ (DIST_DIR overrides):
#   libdcs-VERSION-linux-x86_64.tar.gz
#       a prefix to unpack anywhere: what scripts/install.sh lays out (the library stripped with
#       its debug information beside it, the header, a relocatable dcs.pc, bin/dcsctl, its man
#       page), with LICENSE and a README
#   libdcs-VERSION-py3-none-manylinux_2_NN_x86_64.whl
#       the Python binding (import dcs) with libdcs.so inside the package; libcurl.so.4 and
#       libcrypto.so.3 come from the system. Tagged with the oldest glibc its symbols allow (auditwheel).
# Builds first (scripts/build.sh); building the wheel fetches setuptools from PyPI, as pip does.
set -euo pipefail
cd "$(dirname "$0")/.."

PREREQUISITES_OF=package
source scripts/prerequisites.sh
need_build_tools
need_package_tools

scripts/build.sh

dist=${DIST_DIR:-$PWD/dist}
stage=.build/package
macro() { sed -n "s/^#define DCS_VERSION_$1 \([0-9]*\)$/\1/p" include/dcs.h; }
version="$(macro MAJOR).$(macro MINOR).$(macro PATCH)"
name="libdcs-$version-linux-x86_64"
rm -rf "$stage"
mkdir -p "$stage" "$dist"
rm -f "$dist"/libdcs-*.tar.gz "$dist"/libdcs-*.whl

# The tarball: one directory, named after the release, holding the prefix.
PREFIX="$PWD/$stage/$name" scripts/install.sh >/dev/null
cp LICENSE "$stage/$name/LICENSE"
# The newest glibc symbol version the library uses is the oldest glibc it runs on.
glibc=$(objdump -T "$stage/$name/lib/libdcs.so.$version" | grep -o 'GLIBC_2\.[0-9]*' | sort -uV | tail -n 1)
cat > "$stage/$name/README" <<README
libdcs $version for Linux x86_64: restart, soft-restart and flush Huawei Cloud DCS (managed
Redis) instances from C (and from Go, through pkg-config). Apache-2.0 (LICENSE).

  include/dcs.h                   the API, every function documented
  lib/libdcs.so.$version          the library (stripped); libdcs.so.0, libdcs.so: its links
  lib/.debug/                     its debug information, which gdb finds by itself
  lib/pkgconfig/dcs.pc            cc app.c \$(pkg-config --cflags --libs dcs)
  bin/dcsctl                      dcsctl ACTION [OPTION]... ID...  (man share/man/man1/dcsctl.1)

Unpack it anywhere, for example in /opt/libdcs:

  sudo mkdir -p /opt/libdcs && sudo tar -xzf $name.tar.gz -C /opt/libdcs --strip-components=1
  PKG_CONFIG_PATH=/opt/libdcs/lib/pkgconfig cc app.c \$(pkg-config --cflags --libs dcs)

bin/dcsctl finds the library beside it. A program of yours needs one of: a run path
(-Wl,-rpath,/opt/libdcs/lib), LD_LIBRARY_PATH=/opt/libdcs/lib, or the directory in
/etc/ld.so.conf.d/ and then sudo ldconfig. Otherwise it stops with "libdcs.so.0: cannot open
shared object file".

At run time the library needs libcurl.so.4 (7.80.0 or later: Debian 12's and Ubuntu 22.04's
libcurl4), libcrypto.so.3 (OpenSSL 3, which libcurl4 needs too), libstdc++.so.6, libgcc_s.so.1,
libm.so.6 and libc.so.6 (glibc ${glibc#GLIBC_} or later); no Swift: its runtime is linked in.
README
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" -C "$stage" -cf - "$name" |
    gzip -n -9 > "$dist/$name.tar.gz"

# The wheel: the package as it is in the checkout, with the stripped library beside its modules.
python_stage="$stage/python"
mkdir -p "$python_stage"
cp -RL examples/python/README.md examples/python/LICENSE examples/python/pyproject.toml examples/python/dcs \
    "$python_stage/"
rm -rf "$python_stage/dcs/__pycache__"
cp "$stage/$name/lib/libdcs.so.$version" "$python_stage/dcs/libdcs.so"
python3 -m pip wheel --quiet --no-deps --disable-pip-version-check --wheel-dir "$stage/wheel" "$python_stage"
# setuptools made a py3-none-any wheel; auditwheel gives it the platform tag its symbol versions
# allow. libcurl.so.4 and libcrypto.so.3 stay out of the wheel: they come from the system
# (libcurl4, libssl3: its CA certificates, its security updates, one OpenSSL in the process), as
# do libc, libm, libstdc++ and libgcc_s, which the manylinux policies expect there.
plain_wheel=$(echo "$stage"/wheel/libdcs-*.whl)
platform=$(python3 -m auditwheel show --json "$plain_wheel" 2>/dev/null |
    python3 -c "import json, sys; print(json.load(sys.stdin)['sym_tag'])")
python3 -m auditwheel repair --plat "$platform" --exclude libcurl.so.4 --exclude libcrypto.so.3 --wheel-dir "$dist" "$plain_wheel" 2>"$stage/auditwheel.log" ||
    { cat "$stage/auditwheel.log" >&2; exit 1; }

echo "package: in $dist:"
(cd "$dist" && ls -l libdcs-*)
