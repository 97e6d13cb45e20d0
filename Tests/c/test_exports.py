"""The shared library's dynamic symbols and the header's declarations are the same set."""

import re
import subprocess

from c_support import REPO

DECLARATION = re.compile(r"^[A-Za-z_][\w\s\*]*?\b(dcs_\w+)\s*\(", re.MULTILINE)


def declared_functions():
    header = (REPO / "include" / "dcs.h").read_text()
    header = re.sub(r"/\*.*?\*/", "", header, flags=re.DOTALL)  # comments mention names too
    return set(DECLARATION.findall(header))


def global_symbols(libdcs):
    """Defined symbols with global or weak binding: the ones a host program could bind to."""
    listing = subprocess.run(["nm", "-D", "--defined-only", str(libdcs)], capture_output=True, text=True,
                             check=True).stdout
    symbols = {}
    for line in listing.splitlines():
        parts = line.split()
        if len(parts) == 3:
            symbols[parts[2]] = parts[1]
    return {name: kind for name, kind in symbols.items() if kind.isupper() or kind in "uvw"}


def test_every_declared_function_is_exported_and_nothing_else(libdcs):
    declared = declared_functions()
    assert len(declared) >= 30
    exported = global_symbols(libdcs)
    assert declared - set(exported) == set(), "declared in dcs.h but not exported"
    assert set(exported) - declared == set(), "exported but not declared in dcs.h"
    assert all(kind == "T" for kind in exported.values())
