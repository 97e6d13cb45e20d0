"""man/dcsctl.1 renders without a warning, and documents what the three dcsctl do: every option
of --help, every exit status, every key of the JSON documents."""

import json
import pathlib
import re
import shutil
import subprocess

import pytest

from clients import client_env
from emulator import Emulator

REPO = pathlib.Path(__file__).resolve().parents[2]
MAN_PAGE = REPO / "man" / "dcsctl.1"
DCSCTL = REPO / "examples" / "c" / "dcsctl"


def rendered():
    """The page as `man` shows it, without the typographic hyphens and quotes of UTF-8."""
    done = subprocess.run(["groff", "-mandoc", "-Tascii", "-P", "-cbou", str(MAN_PAGE)], capture_output=True,
                          text=True, check=True, env={"MANWIDTH": "200", "PATH": "/usr/bin:/bin"})
    return re.sub(r"-\n\s*", "-", done.stdout)


@pytest.mark.parametrize("command", [["groff", "-ww", "-mandoc", "-Tutf8", "-z"], ["mandoc", "-T", "lint"]])
def test_renders_without_a_warning(command):
    if shutil.which(command[0]) is None:
        pytest.fail(f"{command[0]} is not installed: sudo apt-get install -y {command[0]}", pytrace=False)
    done = subprocess.run([*command, str(MAN_PAGE)], capture_output=True, text=True)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_documents_every_option_of_the_help():
    if not DCSCTL.exists():
        pytest.fail(f"no {DCSCTL}: run scripts/build.sh")
    help_text = subprocess.run([str(DCSCTL), "--help"], capture_output=True, text=True, check=True).stdout
    options = set(re.findall(r"^  (-[-\w]+)", help_text, re.MULTILINE)) | set(re.findall(r", (--\w+)", help_text))
    assert {"--wait", "--wave", "--pause", "--keep-going", "--name", "--exact", "--status", "--tag", "--output",
            "--ids-from", "--dry-run", "--yes", "-h", "--help", "--version", "--"} <= options
    page = rendered()
    for option in options:
        # An entry: the option first on its line, or after others ("-h, --help").
        entry = rf"^ {{7}}(-[-\w\[\]=]+, )*{re.escape(option)}(\W|$)"
        assert re.search(entry, page, re.MULTILINE), f"{option} has no entry"


def test_documents_every_exit_status():
    page = rendered()
    section = page.split("EXIT STATUS", 1)[1].split("EXAMPLES", 1)[0]
    listed = re.findall(r"^ {7}(\d+) ", section, re.MULTILINE)
    assert listed == ["0", "1", "2", "3", "4", "5", "6", "130"]


def test_documents_every_key_of_the_json_documents(tmp_path):
    """The keys the C program prints for an action, a dry run (with --wave and without) and a
    listing (the three print the same: test_three_dcsctl.py) are the keys the page names, and the
    page names no other."""
    page = rendered()
    with Emulator(["--restart-seconds", "0", "--quiet"]) as emulator:
        env = client_env(emulator)
        call = subprocess.run([str(DCSCTL), "restart", "--output=json", "2e803f66-fbb0-47ad-b6cb-fb87f5bed4ef"],
                              env=env, capture_output=True, text=True, check=True).stdout
        dry_run = subprocess.run([str(DCSCTL), "restart", "--dry-run", "--output=json", "a"], env=env,
                                 capture_output=True, text=True, check=True).stdout
        dry_run_in_waves = subprocess.run([str(DCSCTL), "restart", "--dry-run", "--output=json", "--wave=1", "a",
                                           "b"], env=env, capture_output=True, text=True, check=True).stdout
        listing = subprocess.run([str(DCSCTL), "list", "--output=json"], env=env, capture_output=True, text=True,
                                 check=True).stdout
    printed = set()
    for document in (json.loads(call), json.loads(dry_run), json.loads(dry_run_in_waves), json.loads(listing)):
        printed |= set(document) | set(document.get("status", {}))
        waves = document.get("waves", [])
        requests = document.get("requests", []) + [r for wave in waves for r in wave["requests"]]
        for entry in document.get("instances", []) + requests + waves:
            printed |= set(entry)
    examples = " ".join(re.findall(r'"(\w+)":', page))
    assert set(examples.split()) == printed
    for key in printed - {"name", "number", "id", "outcome", "instances"}:
        # Each key of the top level has its own words too, not only an example.
        assert re.search(rf"^ {{7}}{key}\b|\b{key} is\b", page, re.MULTILINE), key
