"""`python -m dcs ...` runs dcsctl."""

from ._dcsctl import run

run()
