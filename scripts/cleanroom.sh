#!/usr/bin/env bash
# The clean-room test: the release artifacts on a machine that has only what a user's machine has.
# A minimal Debian 12 root (debootstrap --variant=minbase) holding only libcurl4, ca-certificates,
# python3 and python3-venv: no Swift, no compiler, no -dev package. dcs-emulator runs outside, on
# loopback, which the root shares. Checked, each against the emulator:
#   - the tarball unpacked in the root: its bin/dcsctl restarts and flushes;
#   - README.md's C program, compiled outside with `pkg-config --cflags --libs dcs` alone against
#     the unpacked tarball, runs inside (and, as the README says, needs ldconfig to find the library);
#   - the wheel, pip-installed offline into a fresh venv inside: `import dcs` loads the library the
#     wheel carries with no DCS_LIBRARY, README.md's Python program restarts, the dcsctl console
#     script and python -m dcs work;
#   - examples/go/README.md's Go program, built outside the repository against the unpacked
#     tarball through pkg-config alone, runs inside.
# That the library runs in the root proves what it needs at run time is there: libcurl4, and
# libc, libm, libstdc++ and libgcc_s, which minbase has.
#
#   scripts/cleanroom.sh               makes the artifacts (scripts/package.sh), then checks them
#   scripts/cleanroom.sh --dist DIR    checks the artifacts in DIR as they are
#
# Needs root (debootstrap, chroot). The root is made once, in $DCS_CLEANROOM_DIR (default
# /var/tmp/libdcs-cleanroom), outside the repository, and reused. About a minute to make it,
# then under two minutes a run, on 2 cores. The emulator: $DCS_EMULATOR, else .build/release's.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
started=$SECONDS

PREREQUISITES_OF=cleanroom
source scripts/prerequisites.sh
source scripts/emulator.sh
need_cleanroom_tools
need_command cc "a C compiler" "sudo apt-get install -y gcc"
need_command pkg-config "pkg-config" "sudo apt-get install -y pkg-config"
need_command python3 "Python 3" "sudo apt-get install -y python3"

dist=
if [ "${1:-}" = --dist ]; then
    dist=$(realpath "${2:?usage: scripts/cleanroom.sh [--dist DIR]}")
else
    scripts/package.sh >/dev/null
    dist=$repo/dist
fi
tarball=$(echo "$dist"/libdcs-*-linux-x86_64.tar.gz)
wheel=$(echo "$dist"/libdcs-*.whl)
[ -f "$tarball" ] && [ -f "$wheel" ] || missing "the release artifacts in $dist" "scripts/package.sh"
emulator=${DCS_EMULATOR:-$repo/.build/release/dcs-emulator}
[ -x "$emulator" ] || missing "dcs-emulator ($emulator)" "scripts/build.sh"

# The root: made once, whole or not at all (a half-made one is never reused), one run at a time.
base=${DCS_CLEANROOM_DIR:-/var/tmp/libdcs-cleanroom}
root=$base/bookworm
user_packages=libcurl4,ca-certificates,python3,python3-venv
mkdir -p "$base"
exec 9>"$base/lock"
flock 9
# A run killed before its end may have left /proc mounted: never remove files through it.
for dir in "$root" "$root.new"; do
    if mountpoint -q "$dir/proc"; then umount "$dir/proc"; fi
done
if [ "$(cat "$root/.libdcs-cleanroom" 2>/dev/null)" != "$user_packages" ]; then
    echo "cleanroom: making a Debian 12 root in $root (about a minute)"
    rm -rf --one-file-system "$root" "$root.new"
    debootstrap --variant=minbase --include="$user_packages" bookworm "$root.new" \
        "${DCS_DEBIAN_MIRROR:-http://deb.debian.org/debian}" >"$base/debootstrap.log" 2>&1 ||
        { tail -n 20 "$base/debootstrap.log" >&2; echo "cleanroom: debootstrap failed (log: $base/debootstrap.log)" >&2; exit 2; }
    echo "$user_packages" > "$root.new/.libdcs-cleanroom"
    mv "$root.new" "$root"
fi

# What a run puts into the root goes again at its end (and at its start, after a killed run):
# the unpacked tarball, a work directory, the loader's configuration for the tarball's lib, and
# /proc, which a user's machine has: the loader reads /proc/self/exe to expand a program's
# $ORIGIN (bin/dcsctl's run path).
prefix=/opt/libdcs
work=/tmp/libdcs-cleanroom
outside=$(mktemp -d /tmp/libdcs-cleanroom-outside.XXXXXX)   # outside the repository too
emulator_pid=
tidy_root() {
    rm -rf "${root:?}$prefix" "${root:?}$work" "$root/etc/ld.so.conf.d/libdcs.conf"
    chroot "$root" /sbin/ldconfig
}
finish() {
    [ -z "$emulator_pid" ] || { kill "$emulator_pid" 2>/dev/null; wait "$emulator_pid" 2>/dev/null || true; }
    tidy_root
    if mountpoint -q "$root/proc"; then umount "$root/proc"; fi
    rm -rf "$outside"
}
trap finish EXIT
tidy_root
mount -t proc proc "$root/proc"
mkdir -p "$root$prefix" "$root$work"
tar -xzf "$tarball" -C "$root$prefix" --strip-components=1
cp "$wheel" "$root$work/"

# The emulator, outside; its default fleet and its own test credentials (not real ones).
start_emulator "$emulator" "$outside" --restart-seconds 0 --quiet || { echo "cleanroom: the emulator did not start" >&2; exit 2; }
url=$emulator_url

# A command inside the root, with nothing of this machine's environment but the client's settings.
inside() {
    chroot "$root" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root LANG=C.UTF-8 \
        DCS_ENDPOINT="$url" HUAWEICLOUD_SDK_AK=EMULATORAK000000000 HUAWEICLOUD_SDK_SK=emulator-secret-key-do-not-use \
        HUAWEICLOUD_SDK_PROJECT_ID=0a1b2c3d4e5f60718293a4b5c6d7e8f9 "$@"
}

passed=0
failed=0
# expect NAME STATUS STDOUT_PATTERN COMMAND...: the command's exit status is STATUS and its whole
# stdout matches the (glob) pattern; otherwise the check fails and shows what came instead.
expect() {
    local name=$1 status=$2 pattern=$3 actual=0
    shift 3
    "$@" >"$outside/stdout" 2>"$outside/stderr" || actual=$?
    local out
    out=$(cat "$outside/stdout")
    # shellcheck disable=SC2053 # the expected stdout is a pattern
    if [ "$actual" = "$status" ] && [[ $out == $pattern ]]; then
        echo "ok - $name"
        passed=$((passed + 1))
    else
        echo "not ok - $name: exit $actual (expected $status); stdout:"
        sed 's/^/    /' "$outside/stdout"
        echo "  stderr:"
        sed 's/^/    /' "$outside/stderr"
        failed=$((failed + 1))
    fi
}

a=2e803f66-fbb0-47ad-b6cb-fb87f5bed4ef
b=5b7c1a2e-3f4d-4e5a-9b6c-7d8e9f0a1b2c
nl=$'\n'

bare_root() { # prints what the root holds that a user's machine would not
    chroot "$root" dpkg-query -W -f '${Package}\n' | grep -E -- '-dev$' || true
    for tool in cc gcc clang swift go pkg-config ld; do
        chroot "$root" /usr/bin/env PATH=/usr/local/bin:/usr/bin:/bin sh -c "command -v $tool" || true
    done
}
expect "the root holds no compiler, no Swift, no Go, no -dev package" 0 "" bare_root

# The tarball.
expect "the tarball's dcsctl restarts" 0 "$a success$nl$b success" inside $prefix/bin/dcsctl restart "$a" "$b"
expect "the tarball's dcsctl flushes" 0 "$a success" inside $prefix/bin/dcsctl flush --yes "$a"

# The wheel. Before the loader knows the tarball's lib, so that only the wheel's library can load.
expect "the wheel installs offline into a fresh venv" 0 "" \
    inside sh -c "python3 -m venv $work/venv && $work/venv/bin/pip install --quiet --no-index $work/$(basename "$wheel")"
expect "import dcs loads the library the wheel carries, with no DCS_LIBRARY" 0 "*/site-packages/dcs/libdcs.so 0.*" \
    inside $work/venv/bin/python -c "import dcs; print(dcs._native.library()._name, dcs.version())"
python3 Tests/docs/readme_programs.py README.md python > "$root$work/readme_program.py"
expect "README.md's Python program restarts" 0 "$a success" inside $work/venv/bin/python $work/readme_program.py
expect "the dcsctl console script restarts" 0 "$a success$nl$b success" inside $work/venv/bin/dcsctl restart "$a" "$b"
expect "python -m dcs flushes" 0 "$a success" inside $work/venv/bin/python -m dcs flush --yes "$a"

# C and Go programs built outside against the unpacked tarball, with pkg-config's flags alone.
# PKG_CONFIG_LIBDIR (not _PATH) hides this machine's own .pc files, as on a user's machine
# without -dev packages: a dcs.pc requiring libcurl's would fail here as it would there.
tarball_pkg_config=(env PKG_CONFIG_LIBDIR="$root$prefix/lib/pkgconfig" PKG_CONFIG_PATH=)
build_c() {
    local flags
    flags=$("${tarball_pkg_config[@]}" pkg-config --cflags --libs dcs) || return
    python3 Tests/docs/readme_programs.py README.md c > "$outside/restart.c"
    # shellcheck disable=SC2086 # the flags are words
    cc -o "$root$work/restart-c" "$outside/restart.c" $flags
}
build_go() {
    mkdir -p "$outside/restarter"
    cp -R examples/go "$outside/dcs-go"
    printf 'module example.com/restarter\n\ngo 1.19\n\nrequire libdcs.dev/go/dcs v0.1.0\n\nreplace libdcs.dev/go/dcs => ../dcs-go\n' \
        > "$outside/restarter/go.mod"
    python3 Tests/docs/readme_programs.py examples/go/README.md go > "$outside/restarter/main.go"
    (cd "$outside/restarter" &&
        "${tarball_pkg_config[@]}" env -u CGO_CFLAGS -u CGO_LDFLAGS GOFLAGS= GOPROXY=off go build -o "$root$work/restart-go" .)
}
expect "README.md's C program compiles outside with pkg-config's flags alone" 0 "" build_c
expect "examples/go/README.md's Go program builds outside the repository through pkg-config alone" 0 "" build_go

expect "a program built with pkg-config's flags alone does not find the library by itself (as the README says)" \
    127 "*libdcs.so.0: cannot open shared object file*" inside sh -c "$work/restart-c 2>&1"
echo "$prefix/lib" > "$root/etc/ld.so.conf.d/libdcs.conf"
chroot "$root" /sbin/ldconfig
expect "README.md's C program, built outside, restarts inside (after ldconfig)" 0 "$a success$nl$b success" \
    inside $work/restart-c
expect "examples/go/README.md's Go program, built outside the repository, restarts inside" 0 "$a success$nl$b success" \
    inside $work/restart-go

echo "cleanroom: $((SECONDS - started)) s in all"
echo "cleanroom: $passed passed, $failed failed"
[ "$failed" = 0 ]
