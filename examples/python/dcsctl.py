#!/usr/bin/env python3
"""dcsctl from the checkout (PYTHONPATH=examples/python): the program is dcs._dcsctl, which an
installed package also runs as the `dcsctl` console script and as `python -m dcs`."""

from dcs._dcsctl import run

run()
