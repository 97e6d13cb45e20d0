"""Fixtures for the tests that drive libdcs through its C ABI: the built library, the C test
program compiled against include/dcs.h, and an emulator with a fleet big enough for batching."""

import os
import pathlib
import socket
import subprocess

import pytest

from emulator import Emulator, TEST_AK, TEST_AUTH_TOKEN, TEST_PROJECT_ID, TEST_SECURITY_TOKEN, TEST_SK

REPO = pathlib.Path(__file__).resolve().parents[2]


# DCS_MEMCHECK=1 runs every C program of these tests under valgrind memcheck: any memory error
# or any definitely or indirectly lost block fails the test. (Swift's runtime keeps metadata
# caches for the life of the process: "still reachable" and "possibly lost", not leaks.)
MEMCHECK = os.environ.get("DCS_MEMCHECK") == "1"
VALGRIND = ["valgrind", "--quiet", "--error-exitcode=99", "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect", "--show-leak-kinds=definite,indirect"]


def under_memcheck(command):
    """`command`, run under valgrind when DCS_MEMCHECK=1."""
    return [*VALGRIND, *map(str, command)] if MEMCHECK else [str(part) for part in command]


def library_path():
    path = pathlib.Path(os.environ.get("DCS_LIBRARY") or REPO / ".build" / "release" / "libdcs.so")
    if not path.exists():
        pytest.fail(f"no libdcs.so at {path}: run scripts/build.sh (or set DCS_LIBRARY)")
    return path


@pytest.fixture(scope="session")
def libdcs(tmp_path_factory):
    path = library_path()
    if MEMCHECK:
        # valgrind 3.19 cannot read the DWARF 5 that Swift's clang writes: the programs load a
        # copy without debug information instead (their RUNPATH gives way to LD_LIBRARY_PATH).
        copy_dir = tmp_path_factory.mktemp("memcheck-lib")
        subprocess.run(["strip", "--strip-debug", "-o", str(copy_dir / "libdcs.so"), str(path)], check=True)
        (copy_dir / "libdcs.so.0").symlink_to("libdcs.so")
        os.environ["LD_LIBRARY_PATH"] = str(copy_dir)
    return path


def compile_c(source, output, libdcs, extra=()):
    """Compiles a C program against include/dcs.h and links it with the built libdcs.so."""
    command = ["cc", "-std=gnu11", "-O1", "-g", "-Wall", "-Wextra", "-Werror", "-pthread",
               f"-I{REPO / 'include'}", str(source), "-o", str(output),
               f"-L{libdcs.parent}", "-ldcs", f"-Wl,-rpath,{libdcs.parent}", *extra]
    subprocess.run(command, check=True)
    return output


@pytest.fixture(scope="session")
def abi_test(libdcs, tmp_path_factory):
    return compile_c(REPO / "Tests" / "c" / "abi_test.c", tmp_path_factory.mktemp("c") / "abi_test", libdcs)


@pytest.fixture(scope="session")
def dcsctl(libdcs):
    path = REPO / "examples" / "c" / "dcsctl"
    if not path.exists():
        pytest.fail(f"no {path}: run scripts/build.sh")
    return path


@pytest.fixture(scope="session")
def abi_emulator():
    """Default fleet plus emu-0001..emu-0120; restarts complete at once so calls can repeat."""
    with Emulator(["--record-requests", "--restart-seconds", "0", "--generated-instances", "120"]) as emu:
        yield emu


@pytest.fixture
def emu(abi_emulator):
    abi_emulator.reset()
    return abi_emulator


def client_env(emulator, **extra):
    """The environment dcs_config_from_env reads, pointing at `emulator`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUAWEICLOUD_SDK_", "DCS_"))}
    env.update({
        "DCS_ENDPOINT": emulator.url,
        "HUAWEICLOUD_SDK_AK": TEST_AK,
        "HUAWEICLOUD_SDK_SK": TEST_SK,
        "HUAWEICLOUD_SDK_PROJECT_ID": TEST_PROJECT_ID,
        "DCS_TEST_IAM_TOKEN": TEST_AUTH_TOKEN,
        "DCS_TEST_SECURITY_TOKEN": TEST_SECURITY_TOKEN,
    })
    env.update(extra)
    return env


def closed_port_url():
    """A loopback URL on which nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
