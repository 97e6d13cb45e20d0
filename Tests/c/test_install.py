"""The installed library: a versioned .so with its soname, the header and a pkg-config file
from which alone the C example builds; and it runs with no Swift runtime on the loader path."""

import os
import subprocess

from c_support import REPO
from clients import client_env
from emulator import Emulator


def installed(tmp_path):
    prefix = tmp_path / "prefix"
    done = subprocess.run([str(REPO / "scripts" / "install.sh")], env={**os.environ, "PREFIX": str(prefix)},
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return prefix


def test_install_gives_versioned_library_header_and_pkg_config(tmp_path, libdcs):
    prefix = installed(tmp_path)
    lib = prefix / "lib"
    assert os.readlink(lib / "libdcs.so") == "libdcs.so.0"
    assert os.readlink(lib / "libdcs.so.0") == "libdcs.so.0.1.0"
    assert (prefix / "include" / "dcs.h").read_bytes() == (REPO / "include" / "dcs.h").read_bytes()
    dynamic = subprocess.run(["readelf", "-d", str(lib / "libdcs.so.0.1.0")], capture_output=True, text=True,
                             check=True).stdout
    assert "Library soname: [libdcs.so.0]" in dynamic
    needed = [line.split("[")[1].rstrip("]") for line in dynamic.splitlines() if "(NEEDED)" in line]
    swift_runtime = [name for name in needed if name.startswith(("libswift", "libFoundation", "libdispatch",
                                                                 "libBlocksRuntime", "lib_Foundation"))]
    assert swift_runtime == [], f"the library needs the Swift runtime: {swift_runtime}"


def test_example_builds_from_pkg_config_alone_and_runs_without_swift(tmp_path, libdcs):
    prefix = installed(tmp_path)
    pkg_env = {"PKG_CONFIG_PATH": str(prefix / "lib" / "pkgconfig"), "PATH": os.environ["PATH"]}
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "dcs"], env=pkg_env, capture_output=True,
                           text=True, check=True).stdout.split()
    # (libcurl's own -I may come along: it is a private requirement of dcs.pc.)
    assert {f"-I{prefix}/include", f"-L{prefix}/lib", "-ldcs"} <= set(flags)
    program = tmp_path / "dcsctl"
    subprocess.run(["cc", "-o", str(program), str(REPO / "examples" / "c" / "dcsctl.c"), *flags], check=True)

    # Only the installed lib directory on the loader path: no Swift toolchain directory at all.
    loader_env = {"LD_LIBRARY_PATH": str(prefix / "lib")}
    ldd = subprocess.run(["ldd", str(program)], env=loader_env, capture_output=True, text=True, check=True).stdout
    assert f"libdcs.so.0 => {prefix}/lib/libdcs.so.0" in ldd
    assert "swift" not in ldd.lower(), ldd
    with Emulator(["--quiet", "--restart-seconds", "0"]) as emulator:
        env = {**client_env(emulator), **loader_env, "PATH": "/usr/bin:/bin"}
        env.pop("LD_PRELOAD", None)
        done = subprocess.run([str(program), "flush", "--yes", "2e803f66-fbb0-47ad-b6cb-fb87f5bed4ef"], env=env,
                              capture_output=True, text=True)
    assert (done.returncode, done.stdout) == (0, "2e803f66-fbb0-47ad-b6cb-fb87f5bed4ef success\n"), done.stderr
