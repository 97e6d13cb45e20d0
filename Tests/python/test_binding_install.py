"""`pip install ./examples/python` gives a working package in a fresh virtual environment."""

import os
import subprocess
import sys

from binding_support import PACKAGE_ROOT
from dcs import _native


def test_pip_install_into_a_fresh_venv(tmp_path):
    libdcs_path = os.path.realpath(_native.library()._name)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check",
                          str(PACKAGE_ROOT)], capture_output=True, text=True)
    assert pip.returncode == 0, pip.stderr
    probe = subprocess.run([str(venv / "bin" / "python"), "-c", "import dcs; print(dcs.version())"],
                           cwd=tmp_path, env={"DCS_LIBRARY": str(libdcs_path), "PATH": "/usr/bin:/bin"},
                           capture_output=True, text=True)
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == "0.1.0"
