"""What the C tests share: where the library is, how a C program is compiled against it, and
the memcheck switch."""

import os
import pathlib
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]

# DCS_MEMCHECK=1 runs every C program of these tests under valgrind memcheck: any memory error
# or any definitely or indirectly lost block fails the test. (Swift's runtime keeps metadata
# caches for the life of the process: "still reachable" and "possibly lost", not leaks.)
MEMCHECK = os.environ.get("DCS_MEMCHECK") == "1"
VALGRIND = ["valgrind", "--quiet", "--error-exitcode=99", "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect", "--show-leak-kinds=definite,indirect"]


# How much slower programs run under valgrind: time bounds and short deadlines are scaled by it.
TIME_SCALE = 8 if MEMCHECK else 1


def under_memcheck(command):
    """`command`, run under valgrind when DCS_MEMCHECK=1."""
    return [*VALGRIND, *map(str, command)] if MEMCHECK else [str(part) for part in command]


def library_path():
    path = pathlib.Path(os.environ["DCS_LIBRARY"])  # Tests/conftest.py: the build output unless set
    if not path.exists():
        pytest.fail(f"no libdcs.so at {path}: run scripts/build.sh (or set DCS_LIBRARY)")
    return path


def compile_c(source, output, libdcs, extra=()):
    """Compiles a C program against include/dcs.h and links it with the built libdcs.so."""
    command = ["cc", "-std=gnu11", "-O1", "-g", "-Wall", "-Wextra", "-Werror", "-pthread",
               f"-I{REPO / 'include'}", str(source), "-o", str(output),
               f"-L{libdcs.parent}", "-ldcs", f"-Wl,-rpath,{libdcs.parent}", *extra]
    subprocess.run(command, check=True)
    return output
