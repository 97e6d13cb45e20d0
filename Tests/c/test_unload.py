"""Plugin hosts dlopen and dlclose libraries in a loop: libdcs stays loaded after the first
(-z nodelete), so that the loop costs no memory (it grew by about 1.1 kB a cycle before)."""

import subprocess

from c_support import REPO


def test_dlopen_dlclose_in_a_loop_does_not_grow(libdcs, tmp_path):
    program = tmp_path / "dlopen_cycles"
    subprocess.run(["cc", "-O2", "-Wall", "-Werror", str(REPO / "Tests" / "c" / "dlopen_cycles.c"), "-o", str(program),
                    "-ldl"], check=True)
    done = subprocess.run([str(program), str(libdcs), "2000"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    # Bytes of resident memory per cycle; a page or two of the heap may come once in a run.
    assert int(done.stdout) < 64
