"""The code blocks of the READMEs, and which of them claim to be whole programs.

A whole program is fenced with its language and the word `program` (```` ```c program ````):
GitHub shows it as plain C and ignores the word; the tests build and run every such block. A
block that looks like a whole program (a C `main`, a Go `package main`, Python that imports dcs)
must say so, so that none escapes the tests.

    python3 Tests/docs/readme_programs.py README.md c      prints README.md's one C program
"""

import pathlib
import re
import sys

REPO = pathlib.Path(__file__).resolve().parents[2]
READMES = [REPO / "README.md", REPO / "examples" / "python" / "README.md", REPO / "examples" / "go" / "README.md"]

# A fenced block, possibly indented (inside a list): its indentation, info string and code.
FENCE = re.compile(r"^( *)```([^\n`]*)\n(.*?)^\1```[ \t]*$", re.M | re.S)
LOOKS_WHOLE = {"c": re.compile(r"\bint\s+main\s*\("), "go": re.compile(r"^package main\b", re.M),
               "python": re.compile(r"^import dcs\b", re.M)}


class Block:
    def __init__(self, path, line, info, code):
        words = info.split()
        self.path, self.line, self.code = path, line, code
        self.language = words[0] if words else ""
        self.is_program = "program" in words[1:]

    def __repr__(self):
        return f"{self.path.relative_to(REPO)}:{self.line} ({self.language})"

    def looks_whole(self):
        pattern = LOOKS_WHOLE.get(self.language)
        return bool(pattern and pattern.search(self.code))


def blocks(path):
    text = path.read_text()
    found = []
    for match in FENCE.finditer(text):
        indent = len(match.group(1))
        code = "".join(line[indent:] + "\n" for line in match.group(3).splitlines())
        found.append(Block(path, text.count("\n", 0, match.start()) + 1, match.group(2), code))
    return found


def programs(path, language):
    return [block for block in blocks(path) if block.is_program and block.language == language]


def the_program(path, language):
    """The one whole program in `language` that `path` holds."""
    found = programs(path, language)
    if len(found) != 1:
        raise LookupError(f"{path} holds {len(found)} whole {language} programs, not one")
    return found[0]


if __name__ == "__main__":
    sys.stdout.write(the_program(pathlib.Path(sys.argv[1]).resolve(), sys.argv[2]).code)
