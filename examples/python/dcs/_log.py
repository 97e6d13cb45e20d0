"""The client's log lines (dcs_config_set_log) sent to a logging.Logger."""

from __future__ import annotations

import logging
# Annotations only (they are not evaluated, see __future__): typing is not imported at run time,
# which would cost more than the rest of the package.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional, Tuple, Union

from . import _native
from ._cancel import interrupted
from ._errors import InvalidArgument

DEFAULT_LOGGER_NAME = "dcs"

# dcs_log_level (the index) as logging's levels, and the names dcs_log_level_name gives.
PYTHON_LEVELS = (logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR)
C_NAMES = ("debug", "info", "warn", "error")

_LEVEL_NAMES = {"DEBUG": logging.DEBUG, "INFO": logging.INFO, "WARN": logging.WARNING,
                "WARNING": logging.WARNING, "ERROR": logging.ERROR}

if TYPE_CHECKING:
    LoggerLike = Union[logging.Logger, logging.LoggerAdapter]


def c_min_level(log_level: Union[int, str, None]) -> int:
    """The dcs_log_level from which C sends lines for a logging level (an int, or a name such
    as "INFO" or "warn"): the lowest whose lines are at least as important. None: everything."""
    if log_level is None:
        return 0
    if isinstance(log_level, bool) or not isinstance(log_level, (int, str)):
        raise TypeError(f"log_level must be a logging level (int or name), not {type(log_level).__name__}")
    if isinstance(log_level, str):
        if log_level.upper() not in _LEVEL_NAMES:
            raise InvalidArgument(f"log_level must be one of DEBUG, INFO, WARNING, ERROR, not {log_level!r}")
        log_level = _LEVEL_NAMES[log_level.upper()]
    for c_level, python_level in enumerate(PYTHON_LEVELS):
        if log_level <= python_level:
            return c_level
    raise InvalidArgument(f"log_level must be at most logging.ERROR ({logging.ERROR}): the library logs "
                          f"nothing above it; not {log_level}")


def python_level(c_level: int) -> int:
    """A dcs_log_level as a logging level; a value appended by a newer library as its neighbour."""
    return PYTHON_LEVELS[min(max(c_level, 0), len(PYTHON_LEVELS) - 1)]


def log_function(logger: LoggerLike) -> _native.LogFunction:
    """The dcs_log_fn that hands each line to `logger`, as it is (C has redacted it), with the
    C level's name in the record's `dcs_level`. Nothing it meets goes up into C: an exception
    from the logger (its handlers report their own through Handler.handleError) is dropped, and
    a KeyboardInterrupt or SystemExit cancels the call and is raised when it returns."""

    def forward(level: int, message: Optional[bytes], user: object) -> None:
        try:
            mapped = python_level(level)
            if logger.isEnabledFor(mapped):
                text = (message or b"").decode("utf-8", "replace")
                # No arguments: the text is never %-formatted, whatever it holds.
                logger.log(mapped, text, extra={"dcs_level": C_NAMES[PYTHON_LEVELS.index(mapped)]})
        except Exception:  # noqa: BLE001 - nothing may go up into C, and logging must not break a call
            pass
        except BaseException as error:  # KeyboardInterrupt, SystemExit: raised after the call
            interrupted(error)

    return _native.LogFunction(forward)


def resolve(logger: Optional[LoggerLike], log_level: Union[int, str, None]) -> Optional[Tuple[LoggerLike, int]]:
    """(logger, C min level), or None when logging is off: neither logger nor log_level given.
    log_level alone logs to logging.getLogger("dcs")."""
    if logger is None and log_level is None:
        return None
    if logger is not None and not isinstance(logger, (logging.Logger, logging.LoggerAdapter)):
        raise TypeError(f"logger must be a logging.Logger or LoggerAdapter, not {type(logger).__name__}")
    minimum = c_min_level(log_level)
    return (logger if logger is not None else logging.getLogger(DEFAULT_LOGGER_NAME)), minimum
