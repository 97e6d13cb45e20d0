"""The Go module's compile-time promise: a dcs.h of another major version stops the build."""

import os
import pathlib
import subprocess

REPO = pathlib.Path(__file__).resolve().parents[2]


def build_with_header(header_dir):
    # CGO_CFLAGS come before the package's own -I, so this dcs.h is the one found.
    env = {**os.environ, "CGO_CFLAGS": f"-I{header_dir}", "GOFLAGS": "", "GOPROXY": "off"}
    return subprocess.run(["go", "build", "-tags", "dcs_intree", "."], cwd=REPO / "examples" / "go", env=env,
                          capture_output=True, text=True, timeout=600)


def test_a_header_of_another_major_version_stops_the_build(tmp_path):
    header = (REPO / "include" / "dcs.h").read_text()
    assert "#define DCS_VERSION_MAJOR 0\n" in header
    (tmp_path / "dcs.h").write_text(header.replace("#define DCS_VERSION_MAJOR 0\n", "#define DCS_VERSION_MAJOR 1\n"))
    done = build_with_header(tmp_path)
    assert done.returncode != 0 and "written for libdcs 0.x" in done.stderr, done.stderr


def test_the_header_of_this_major_version_builds(tmp_path):
    (tmp_path / "dcs.h").write_bytes((REPO / "include" / "dcs.h").read_bytes())
    done = build_with_header(tmp_path)
    assert done.returncode == 0, done.stderr
