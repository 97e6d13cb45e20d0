"""libdcs under load: many threads on one client with faults, checked by ThreadSanitizer; and a
soak of tens of thousands of calls, whose resident memory must stay flat."""

import pathlib
import subprocess

import pytest

from c_support import REPO, compile_c
from clients import client_env
from emulator import Emulator

SWIFT_LIBRARIES = "/opt/swift/usr/lib/swift/linux"

# Faults spread over the run: retried ones, ones after sending, unreadable and huge answers.
FAULTS = [("status503", {"count": 10, "skip": 20, "retry_after": 0}), ("reset", {"count": 5, "skip": 30}),
          ("delay", {"count": 3, "skip": 10, "ms": 2000}), ("status500", {"count": 5, "skip": 40}),
          ("html502", {"count": 5, "skip": 5}), ("huge_chunked", {"count": 2, "skip": 50, "mb": 2}),
          ("truncated", {"count": 3, "skip": 20}), ("status429", {"count": 5, "skip": 30, "retry_after": 0})]


@pytest.fixture(scope="module")
def stress_emulator():
    with Emulator(["--restart-seconds", "0", "--quiet"]) as emu:
        yield emu


@pytest.fixture(scope="module")
def tsan_library():
    """libdcs built with -sanitize=thread (a debug build; up to date, this takes seconds)."""
    done = subprocess.run(["swift", "build", "--sanitize=thread", "--product", "dcs"], cwd=REPO,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    library = REPO / ".build" / "debug" / "libdcs.so"
    soname_link = library.parent / "libdcs.so.0"
    if not soname_link.exists():
        soname_link.symlink_to("libdcs.so")
    return library


def test_threads_sharing_a_client_through_faults_have_no_race(tsan_library, stress_emulator, tmp_path):
    # The C program and the Swift code must share one ThreadSanitizer runtime: the toolchain's clang.
    clang = pathlib.Path(SWIFT_LIBRARIES).parents[2] / "bin" / "clang"
    program = tmp_path / "stress_tsan"
    subprocess.run([str(clang), "-std=gnu11", "-O1", "-g", "-fsanitize=thread", "-pthread", f"-I{REPO / 'include'}",
                    str(REPO / "Tests" / "c" / "stress_test.c"), "-o", str(program),
                    f"-L{tsan_library.parent}", "-ldcs", f"-Wl,-rpath,{tsan_library.parent}",
                    f"-L{SWIFT_LIBRARIES}", "-ldispatch", "-lBlocksRuntime", f"-Wl,-rpath,{SWIFT_LIBRARIES}"],
                   check=True)
    stress_emulator.reset()
    for kind, params in FAULTS:
        stress_emulator.fault(kind, **params)
    env = client_env(stress_emulator, TSAN_OPTIONS="halt_on_error=0 exitcode=66 second_deadlock_stack=1")
    done = subprocess.run([str(program), "threads"], env=env, capture_output=True, text=True, timeout=600)
    assert "ThreadSanitizer" not in done.stderr, done.stderr[-6000:]
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert "inconsistent=0" in done.stdout
    assert stress_emulator.faults() == []  # every fault was met


def test_soak_of_30000_calls_keeps_memory_flat(libdcs, stress_emulator, tmp_path):
    program = compile_c(REPO / "Tests" / "c" / "stress_test.c", tmp_path / "stress_test", libdcs)
    stress_emulator.reset()
    env = client_env(stress_emulator, DCS_SOAK_CALLS="30000", DCS_SOAK_BOUND_KIB="2048")
    env.pop("LD_LIBRARY_PATH", None)  # the library itself, not a memcheck copy: this measures RSS
    done = subprocess.run([str(program), "soak"], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert stress_emulator.stats()["api_connections"] == 1
