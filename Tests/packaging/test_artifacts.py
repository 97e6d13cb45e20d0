"""The release artifacts of scripts/package.sh: the tarball is install.sh's prefix with LICENSE and
a README; the wheel carries the library, its console script and license, and bears the platform
tag its symbol versions allow, libcurl.so.4 and libcrypto.so.3 being the libraries it expects from
the system beyond the manylinux set, grafting none; the library needs at run time what the README says. (scripts/cleanroom.sh
runs them on a bare Debian root.)"""

import json
import os
import pathlib
import re
import subprocess
import tarfile
import zipfile

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
VERSION = "0.1.0"
TOP = f"libdcs-{VERSION}-linux-x86_64"


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    """$DCS_DIST (scripts/test.sh makes the artifacts before pytest), else made here."""
    if os.environ.get("DCS_DIST"):
        return pathlib.Path(os.environ["DCS_DIST"])
    dist = tmp_path_factory.mktemp("dist")
    done = subprocess.run([str(REPO / "scripts" / "package.sh")], env={**os.environ, "DIST_DIR": str(dist)},
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return dist


@pytest.fixture(scope="module")
def unpacked(dist, tmp_path_factory):
    root = tmp_path_factory.mktemp("unpacked")
    with tarfile.open(dist / f"{TOP}.tar.gz") as tar:
        tar.extractall(root)
    return root / TOP


@pytest.fixture(scope="module")
def wheel(dist):
    [path] = dist.glob("libdcs-*.whl")
    return path


def test_tarball_is_the_installed_prefix_with_license_and_readme(dist, unpacked):
    with tarfile.open(dist / f"{TOP}.tar.gz") as tar:
        names = sorted(member.name for member in tar.getmembers() if not member.isdir())
        assert all(member.uid == 0 and member.gid == 0 for member in tar.getmembers())
    assert names == sorted(f"{TOP}/{name}" for name in [
        "LICENSE", "README", "bin/dcsctl", "include/dcs.h", f"lib/.debug/libdcs.so.{VERSION}.debug",
        "lib/libdcs.so", "lib/libdcs.so.0", f"lib/libdcs.so.{VERSION}", "lib/pkgconfig/dcs.pc",
        "share/man/man1/dcsctl.1"])
    assert os.readlink(unpacked / "lib" / "libdcs.so.0") == f"libdcs.so.{VERSION}"
    assert (unpacked / "LICENSE").read_bytes() == (REPO / "LICENSE").read_bytes()
    readme = (unpacked / "README").read_text()
    assert "Apache-2.0" in readme and "ldconfig" in readme and "glibc 2." in readme


def needed(library):
    dynamic = subprocess.run(["readelf", "-d", str(library)], capture_output=True, text=True, check=True).stdout
    return {line.split("[")[1].rstrip("]") for line in dynamic.splitlines() if "(NEEDED)" in line}


def test_library_needs_at_run_time_what_the_readme_says(unpacked):
    runtime = needed(unpacked / "lib" / f"libdcs.so.{VERSION}")
    assert runtime == {"libcurl.so.4", "libcrypto.so.3", "libstdc++.so.6", "libgcc_s.so.1", "libm.so.6", "libc.so.6",
                       "ld-linux-x86-64.so.2"}
    readme = (REPO / "README.md").read_text()
    said = readme[readme.index("**What the library needs at run time**"):]
    said = said[:said.index("\n\n")]
    for name in runtime - {"ld-linux-x86-64.so.2"}:  # the loader itself, part of libc
        assert f"`{name}`" in said, name


def test_wheel_carries_the_library_its_console_script_and_its_license(wheel, unpacked):
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert archive.read("dcs/libdcs.so") == (unpacked / "lib" / f"libdcs.so.{VERSION}").read_bytes()
        info = f"libdcs-{VERSION}.dist-info"
        assert "dcsctl = dcs._dcsctl:run" in archive.read(f"{info}/entry_points.txt").decode()
        metadata = archive.read(f"{info}/METADATA").decode()
        assert re.search(r"^Name: libdcs$", metadata, re.M)
        assert re.search(r"^License-Expression: Apache-2.0$", metadata, re.M)
        assert archive.read(f"{info}/licenses/LICENSE") == (REPO / "LICENSE").read_bytes()
        assert "root-is-purelib: false" in archive.read(f"{info}/WHEEL").decode().lower()  # a platform wheel
    assert "dcs/__main__.py" in names and "dcs/_dcsctl.py" in names
    assert [name for name in names if ".libs/" in name] == []  # nothing grafted by auditwheel


def libcurl_and_its_dependencies():
    """The sonames of the system's libcurl.so.4 and of every library it loads."""
    listed = subprocess.run(["ldd", "/lib/x86_64-linux-gnu/libcurl.so.4"], capture_output=True, text=True,
                            check=True).stdout
    return {"libcurl.so.4"} | {line.split()[0] for line in listed.splitlines() if "=>" in line}


def test_wheel_tag_is_what_its_symbol_versions_allow_with_libcurl_from_the_system(wheel):
    shown = subprocess.run(["python3", "-m", "auditwheel", "show", "--json", str(wheel)], capture_output=True,
                           text=True, check=True)
    audit = json.loads(shown.stdout)
    platform = wheel.name[:-len(".whl")].split("-")[-1]
    assert wheel.name == f"libdcs-{VERSION}-py3-none-{platform}.whl"
    assert audit["pure"] is False
    # The tag claims no older glibc (nor libstdc++) than the symbols need: auditwheel's own reading.
    assert audit["sym_tag"] == platform and platform.startswith("manylinux_2_")
    # Outside the manylinux policy's libraries, only libcurl and what it loads, libcrypto among
    # them (not grafted: the system's, see the README); everything else is in the policy.
    assert set(audit["external_libs"]) - libcurl_and_its_dependencies() == set()
    assert "libcurl.so.4" in audit["external_libs"]


def test_license_is_named_everywhere():
    license_text = (REPO / "LICENSE").read_bytes()
    assert b"Apache License" in license_text and b"Version 2.0, January 2004" in license_text
    assert (REPO / "examples" / "go" / "LICENSE").read_bytes() == license_text  # a copy: Go's zips keep no links
    assert (REPO / "examples" / "python" / "LICENSE").resolve() == REPO / "LICENSE"
    assert (REPO / "include" / "dcs.h").read_text().startswith("/* SPDX-License-Identifier: Apache-2.0 */\n")
    assert 'license = "Apache-2.0"' in (REPO / "examples" / "python" / "pyproject.toml").read_text()
    for readme in ("README.md", "examples/python/README.md", "examples/go/README.md"):
        assert "Apache-2.0" in (REPO / readme).read_text(), readme
