"""The installed library (scripts/install.sh, which also lays out the release tarball): a stripped,
versioned .so with its soname and its debug information beside it, the header, a relocatable
pkg-config file from which alone the C example builds, bin/dcsctl that finds the library through
its run path wherever the prefix is, and the man page; no Swift runtime needed."""

import os
import shutil
import subprocess

import pytest

from c_support import REPO
from clients import client_env
from emulator import Emulator

RUNNING = "2e803f66-fbb0-47ad-b6cb-fb87f5bed4ef"


@pytest.fixture(scope="module")
def prefix(tmp_path_factory, libdcs):
    prefix = tmp_path_factory.mktemp("install") / "prefix"
    done = subprocess.run([str(REPO / "scripts" / "install.sh")], env={**os.environ, "PREFIX": str(prefix)},
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return prefix


@pytest.fixture(scope="module")
def emulator():
    with Emulator(["--quiet", "--restart-seconds", "0"]) as running:
        yield running


def readelf(*args):
    return subprocess.run(["readelf", *map(str, args)], capture_output=True, text=True, errors="replace",
                          check=True).stdout


def run_flush(program, emulator, **env):
    """`program flush --yes RUNNING` against `emulator`, with nothing but `env` telling the loader where to look."""
    environment = {**client_env(emulator), "PATH": "/usr/bin:/bin", **env}
    for name in ("LD_PRELOAD", "LD_LIBRARY_PATH"):
        if name not in env:
            environment.pop(name, None)
    return subprocess.run([str(program), "flush", "--yes", RUNNING], env=environment, capture_output=True,
                          text=True)


def test_install_gives_versioned_library_header_man_page_and_pkg_config(prefix):
    lib = prefix / "lib"
    assert os.readlink(lib / "libdcs.so") == "libdcs.so.0"
    assert os.readlink(lib / "libdcs.so.0") == "libdcs.so.0.1.0"
    assert (prefix / "include" / "dcs.h").read_bytes() == (REPO / "include" / "dcs.h").read_bytes()
    assert (prefix / "share" / "man" / "man1" / "dcsctl.1").read_bytes() == (REPO / "man" / "dcsctl.1").read_bytes()
    dynamic = readelf("-d", lib / "libdcs.so.0.1.0")
    assert "Library soname: [libdcs.so.0]" in dynamic
    needed = [line.split("[")[1].rstrip("]") for line in dynamic.splitlines() if "(NEEDED)" in line]
    swift_runtime = [name for name in needed if name.startswith(("libswift", "libFoundation", "libdispatch",
                                                                 "libBlocksRuntime", "lib_Foundation"))]
    assert swift_runtime == [], f"the library needs the Swift runtime: {swift_runtime}"


def test_library_is_stripped_and_its_debug_information_is_found_beside_it(prefix):
    library = prefix / "lib" / "libdcs.so.0.1.0"
    sections = readelf("-S", "-W", library)
    assert ".debug_info" not in sections and ".symtab" not in sections
    assert os.path.getsize(library) < os.path.getsize(REPO / ".build" / "release" / "libdcs.so")
    assert "libdcs.so.0.1.0.debug" in readelf("--string-dump=.gnu_debuglink", library)
    # gdb follows the debuglink (and checks its CRC) to the source lines of the library's code.
    done = subprocess.run(["gdb", "-nx", "-batch", "-ex", "info line CurlTransport.swift:1", str(library)],
                          capture_output=True, text=True, timeout=300)
    assert 'of "' in done.stdout and "CurlTransport.swift" in done.stdout, done.stdout + done.stderr


def test_pkg_config_file_is_relocatable_and_requires_nothing(prefix):
    pc = (prefix / "lib" / "pkgconfig" / "dcs.pc").read_text()
    assert "prefix=${pcfiledir}/../.." in pc
    assert str(prefix) not in pc and "Requires" not in pc


def test_example_builds_from_pkg_config_alone_and_runs_without_swift(prefix, tmp_path, emulator):
    pkg_env = {"PKG_CONFIG_PATH": str(prefix / "lib" / "pkgconfig"), "PATH": os.environ["PATH"]}
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "dcs"], env=pkg_env, capture_output=True,
                           text=True, check=True).stdout.split()
    assert [os.path.normpath(flag) for flag in flags] == [f"-I{prefix}/include", f"-L{prefix}/lib", "-ldcs"]
    program = tmp_path / "dcsctl"
    subprocess.run(["cc", "-o", str(program), str(REPO / "examples" / "c" / "dcsctl.c"), *flags], check=True)

    # pkg-config gives no run path: without one, the loader does not find the library (what the
    # README says), and with only the installed lib directory on its path, no Swift at all, it does.
    done = run_flush(program, emulator)
    assert done.returncode == 127 and "libdcs.so.0: cannot open shared object file" in done.stderr
    loader_env = {"LD_LIBRARY_PATH": str(prefix / "lib")}
    ldd = subprocess.run(["ldd", str(program)], env=loader_env, capture_output=True, text=True, check=True).stdout
    assert f"libdcs.so.0 => {prefix}/lib/libdcs.so.0" in ldd
    assert "swift" not in ldd.lower(), ldd
    done = run_flush(program, emulator, **loader_env)
    assert (done.returncode, done.stdout) == (0, f"{RUNNING} success\n"), done.stderr


def test_installed_dcsctl_finds_the_library_beside_it_wherever_the_prefix_is(prefix, tmp_path, emulator):
    moved = tmp_path / "elsewhere"
    shutil.copytree(prefix, moved, symlinks=True)
    assert "Library runpath: [$ORIGIN/../lib]" in readelf("-d", moved / "bin" / "dcsctl")
    no_loader_path = {k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"}  # (memcheck sets one)
    ldd = subprocess.run(["ldd", str(moved / "bin" / "dcsctl")], env=no_loader_path, capture_output=True, text=True,
                         check=True).stdout
    assert f"libdcs.so.0 => {moved}/bin/../lib/libdcs.so.0" in ldd
    done = run_flush(moved / "bin" / "dcsctl", emulator)
    assert (done.returncode, done.stdout) == (0, f"{RUNNING} success\n"), done.stderr
