"""Every exported function, given bad input (Tests/c/bad_input_test.c): the documented status,
no crash, nothing sent."""

import subprocess

import pytest

from c_support import REPO, compile_c, under_memcheck
from clients import client_env
from test_exports import declared_functions


@pytest.fixture(scope="module")
def bad_input_test(libdcs, tmp_path_factory):
    return compile_c(REPO / "Tests" / "c" / "bad_input_test.c", tmp_path_factory.mktemp("bad") / "bad_input_test",
                     libdcs)


def test_every_function_of_the_header_has_a_row(bad_input_test):
    listed = subprocess.run([str(bad_input_test), "functions"], capture_output=True, text=True, check=True).stdout
    assert declared_functions() - set(listed.split()) == set()


def test_bad_input_to_every_function_returns_its_status_and_sends_nothing(bad_input_test, emu):
    done = subprocess.run(under_memcheck([bad_input_test, "table"]), env=client_env(emu), capture_output=True,
                          text=True, timeout=1200)
    assert done.returncode == 0, done.stdout + done.stderr
    stats = emu.stats()
    assert (stats["api_requests"], stats["api_connections"]) == (0, 0)


def test_a_client_freed_then_a_new_one(bad_input_test, emu):
    done = subprocess.run(under_memcheck([bad_input_test, "freed_then_new"]), env=client_env(emu),
                          capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stdout + done.stderr
    assert emu.stats()["api_requests"] == 1
