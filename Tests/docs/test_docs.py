"""What the READMEs promise: every code block that claims to be a whole program compiles and runs
against the emulator, as the README says to build it. (Tests/examples/test_man_page.py checks the
man page.)"""

import os
import re
import shutil
import subprocess
import sys

import pytest

from clients import client_env
from emulator import Emulator
from readme_programs import READMES, REPO, blocks, programs

RESTARTED = ["2e803f66-fbb0-47ad-b6cb-fb87f5bed4ef", "5b7c1a2e-3f4d-4e5a-9b6c-7d8e9f0a1b2c"]


@pytest.fixture(scope="module")
def emulator():
    with Emulator(["--quiet", "--restart-seconds", "0"]) as running:
        yield running


@pytest.fixture(scope="module")
def prefix(tmp_path_factory):
    """libdcs installed as the README says (scripts/install.sh: the tarball's layout)."""
    prefix = tmp_path_factory.mktemp("install") / "prefix"
    done = subprocess.run([str(REPO / "scripts" / "install.sh")], env={**os.environ, "PREFIX": str(prefix)},
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return prefix


def pkg_config(prefix):
    env = {**os.environ, "PKG_CONFIG_PATH": str(prefix / "lib" / "pkgconfig")}
    return subprocess.run(["pkg-config", "--cflags", "--libs", "dcs"], env=env, capture_output=True, text=True,
                          check=True).stdout.split()


def run_against(emulator, command, **env):
    done = subprocess.run([str(part) for part in command], env=client_env(emulator, **env), capture_output=True,
                          text=True, timeout=120)
    return done.returncode, done.stdout, done.stderr


def successes(ids):
    return "".join(f"{instance} success\n" for instance in ids)


def test_every_block_that_looks_like_a_whole_program_says_so():
    unmarked = [block for readme in READMES for block in blocks(readme) if block.looks_whole() and not block.is_program]
    assert unmarked == []
    marked = sorted((str(readme.relative_to(REPO)), block.language) for readme in READMES
                    for block in blocks(readme) if block.is_program)
    # The parser still finds them (a test of none would pass for nothing).
    assert marked == [("README.md", "c"), ("README.md", "python"), ("examples/go/README.md", "go"),
                      ("examples/python/README.md", "python")]


@pytest.mark.parametrize("readme", READMES, ids=lambda path: str(path.relative_to(REPO)))
def test_c_programs_compile_without_warnings_and_restart(readme, prefix, emulator, tmp_path):
    for number, block in enumerate(programs(readme, "c")):
        source = tmp_path / f"program{number}.c"
        source.write_text(block.code)
        program = tmp_path / f"program{number}"
        subprocess.run(["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", str(source), "-o", str(program),
                        *pkg_config(prefix)], check=True)
        status, out, err = run_against(emulator, [program], LD_LIBRARY_PATH=str(prefix / "lib"))
        assert (status, out) == (0, successes(RESTARTED)), (block, err)


@pytest.mark.parametrize("readme", READMES, ids=lambda path: str(path.relative_to(REPO)))
def test_python_programs_run_and_restart(readme, emulator, tmp_path):
    for number, block in enumerate(programs(readme, "python")):
        script = tmp_path / f"program{number}.py"
        script.write_text(block.code)
        status, out, err = run_against(emulator, [sys.executable, script],
                                       PYTHONPATH=str(REPO / "examples" / "python"))
        ids = [line.split()[0] for line in out.splitlines()]
        assert status == 0 and ids and out == successes(ids), (block, out, err)


def test_go_program_builds_outside_the_repository_through_pkg_config_and_restarts(prefix, emulator, tmp_path):
    """examples/go/README.md's go.mod and main.go, in a directory outside the repository, its
    replace directive pointed at a copy of the module; flags from pkg-config alone (no dcs_intree).
    A copy in a new directory each time: Go 1.19's build cache does not see pkg-config's output
    change, and would link a package built in the same directory against an earlier prefix."""
    readme = REPO / "examples" / "go" / "README.md"
    [main] = programs(readme, "go")
    [go_mod] = [block for block in blocks(readme) if block.code.startswith("module ")]
    assert re.search(r"^replace libdcs\.dev/go/dcs => \S+$", go_mod.code, re.M), go_mod
    module = tmp_path / "dcs-go"
    shutil.copytree(REPO / "examples" / "go", module)
    app = tmp_path / "restarter"
    app.mkdir()
    (app / "go.mod").write_text(re.sub(r"^(replace libdcs\.dev/go/dcs =>) \S+$", rf"\1 {module}", go_mod.code,
                                       flags=re.M))
    (app / "main.go").write_text(main.code)
    env = {**os.environ, "PKG_CONFIG_PATH": str(prefix / "lib" / "pkgconfig"), "GOPROXY": "off",
           "GOFLAGS": ""}
    env.pop("CGO_LDFLAGS", None)
    env.pop("CGO_CFLAGS", None)
    done = subprocess.run(["go", "build", "-o", "restarter", "."], cwd=app, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    status, out, err = run_against(emulator, [app / "restarter"], LD_LIBRARY_PATH=str(prefix / "lib"))
    assert (status, out) == (0, successes(RESTARTED)), err

