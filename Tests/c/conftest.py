"""Fixtures for the tests that drive libdcs through its C ABI: the built library and the C test
program compiled against include/dcs.h (the emulator, `emu`, is Tests/conftest.py's)."""

import os
import subprocess

import pytest

from c_support import MEMCHECK, REPO, TIME_SCALE, compile_c, library_path


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
        os.environ["DCS_TEST_TIME_SCALE"] = str(TIME_SCALE)
    return path


@pytest.fixture(scope="session")
def abi_test(libdcs, tmp_path_factory):
    return compile_c(REPO / "Tests" / "c" / "abi_test.c", tmp_path_factory.mktemp("c") / "abi_test", libdcs)


@pytest.fixture(scope="session")
def dcsctl(libdcs):
    path = REPO / "examples" / "c" / "dcsctl"
    if not path.exists():
        pytest.fail(f"no {path}: run scripts/build.sh")
    return path

