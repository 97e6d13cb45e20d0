"""The ctypes layer: finding and loading libdcs.so, and the prototype of every C function.

Nothing here is public. Every function of include/dcs.h gets `argtypes` and `restype`; each
handle type is its own `c_void_p` subclass whose `from_param` accepts only that type, so a
config cannot be passed where a client is expected, and neither can an int or None (plain
`c_void_p` would turn an int into a pointer and let C crash on it).
"""

from __future__ import annotations

import ctypes
import os
import threading
from ctypes import CFUNCTYPE, POINTER, c_char_p, c_int, c_size_t, c_uint, c_uint32, c_void_p
# Annotations only (they are not evaluated, see __future__): typing is not imported at run time,
# which would cost more than the rest of the package.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import List, Optional

LIBRARY_ENV = "DCS_LIBRARY"
SONAME = "libdcs.so.0"
BUNDLED_NAME = "libdcs.so"
# The major version of the C ABI this binding is written for (DCS_VERSION_MAJOR in dcs.h).
ABI_MAJOR = 0

PACKAGE_DIR = os.path.dirname(os.path.realpath(__file__))


class LibraryLoadError(OSError):
    """libdcs.so was not found, or what was found is not a libdcs this binding can use."""


class _Handle(ctypes.c_void_p):
    """An opaque pointer that only its own type may be passed as."""

    @classmethod
    def from_param(cls, value: object) -> "_Handle":
        if isinstance(value, cls):
            return value
        raise TypeError(f"expected {cls.__name__}, got {type(value).__name__}")


class ConfigHandle(_Handle):
    """dcs_config *"""


class ClientHandle(_Handle):
    """dcs_client *"""


class ResultsHandle(_Handle):
    """dcs_results *"""


class ErrorHandle(_Handle):
    """dcs_error *"""


class CancelHandle(_Handle):
    """dcs_cancel *"""


class InstanceListHandle(_Handle):
    """dcs_instance_list *"""


class ProgressReport(ctypes.Structure):
    """struct dcs_progress: what C hands a progress callback, valid only during the callback."""

    _fields_ = [("event", c_int), ("wave", c_size_t), ("waves", c_size_t), ("total", c_size_t),
                ("done", c_size_t), ("succeeded", c_size_t), ("failed", c_size_t), ("unknown", c_size_t),
                ("not_sent", c_size_t), ("in_progress", c_size_t), ("not_started", c_size_t),
                ("instance_id", c_char_p), ("index", c_size_t), ("outcome", c_int)]


# typedef void (*dcs_progress_fn)(const dcs_progress *progress, void *user);
ProgressFunction = CFUNCTYPE(None, POINTER(ProgressReport), c_void_p)


class CallOptions(ctypes.Structure):
    """struct dcs_call_options, DCS_CALL_OPTIONS_VERSION 3.

    Filled in Python; dcs_call_options_init (given this struct's size) is only used to check
    the layout (Tests/python/test_binding_library.py also compares it with the C compiler's)."""

    _fields_ = [("version", c_uint), ("deadline_ms", c_uint32), ("cancel", CancelHandle),
                ("wait_running_ms", c_uint32),
                # Version 3: rolling operations and progress.
                ("wave_size", c_size_t), ("wave_pause_ms", c_uint32), ("keep_going", c_int),
                ("progress", ProgressFunction), ("progress_user", c_void_p)]


CALL_OPTIONS_VERSION = 3


class ListFilter(ctypes.Structure):
    """struct dcs_list_filter, DCS_LIST_FILTER_VERSION 1."""

    _fields_ = [("version", c_uint), ("name", c_char_p), ("name_exact", c_int), ("status", c_char_p),
                ("tags", POINTER(c_char_p)), ("tag_count", c_size_t)]


LIST_FILTER_VERSION = 1

# The largest number of ids one call takes (DCS_MAX_IDS_PER_CALL).
MAX_IDS_PER_CALL = 10000

# The defaults of a new dcs_config (DCS_DEFAULT_* in dcs.h; ctypes cannot read a #define, and
# Tests/python/test_binding_library.py checks these against the header).
DEFAULT_CONNECT_TIMEOUT_MS = 10000
DEFAULT_TOTAL_TIMEOUT_MS = 30000

# typedef void (*dcs_log_fn)(dcs_log_level level, const char *message, void *user);
LogFunction = CFUNCTYPE(None, c_int, c_char_p, c_void_p)

_status = c_int  # enum dcs_status
_outcome = c_int  # enum dcs_outcome
_action = c_int  # enum dcs_action
_log_level = c_int  # enum dcs_log_level
_instance_status = c_int  # enum dcs_instance_status
_ids = POINTER(c_char_p)  # const char *const *
_operation = (_status, [ClientHandle, _ids, c_size_t, POINTER(ResultsHandle), POINTER(ErrorHandle)])

# name: (restype, argtypes), in the order of include/dcs.h.
PROTOTYPES = {
    "dcs_version": (c_char_p, []),
    "dcs_libcurl_version": (c_char_p, []),
    "dcs_status_name": (c_char_p, [_status]),
    "dcs_outcome_name": (c_char_p, [_outcome]),
    "dcs_config_new": (ConfigHandle, []),
    "dcs_config_free": (None, [ConfigHandle]),
    "dcs_config_set_endpoint": (_status, [ConfigHandle, c_char_p]),
    "dcs_config_set_region": (_status, [ConfigHandle, c_char_p]),
    "dcs_config_set_project_id": (_status, [ConfigHandle, c_char_p]),
    "dcs_config_set_credentials": (_status, [ConfigHandle, c_char_p, c_char_p, c_char_p]),
    "dcs_config_set_auth_token": (_status, [ConfigHandle, c_char_p]),
    "dcs_config_set_timeouts": (_status, [ConfigHandle, c_uint32, c_uint32]),
    "dcs_config_set_max_retries": (_status, [ConfigHandle, c_uint32]),
    "dcs_config_set_ca_file": (_status, [ConfigHandle, c_char_p]),
    "dcs_config_set_proxy": (_status, [ConfigHandle, c_char_p]),
    "dcs_config_set_insecure": (_status, [ConfigHandle, c_int]),
    "dcs_config_error": (c_char_p, [ConfigHandle]),
    "dcs_config_set_busy_retry": (_status, [ConfigHandle, c_uint32]),
    "dcs_log_level_name": (c_char_p, [_log_level]),
    "dcs_config_set_log": (_status, [ConfigHandle, _log_level, LogFunction, c_void_p]),
    "dcs_config_from_env": (_status, [ConfigHandle]),
    "dcs_client_new": (_status, [ConfigHandle, POINTER(ClientHandle), POINTER(ErrorHandle)]),
    "dcs_client_free": (None, [ClientHandle]),
    "dcs_restart": _operation,
    "dcs_soft_restart": _operation,
    "dcs_flush": _operation,
    "dcs_check_instance_ids": (_status, [_ids, c_size_t, POINTER(ErrorHandle)]),
    "dcs_call_options_init": (None, [POINTER(CallOptions), c_size_t]),
    "dcs_call": (_status, [ClientHandle, _action, _ids, c_size_t, POINTER(CallOptions),
                          POINTER(ResultsHandle), POINTER(ErrorHandle)]),
    "dcs_cancel_new": (CancelHandle, []),
    "dcs_cancel_trigger": (None, [CancelHandle]),
    "dcs_cancel_is_triggered": (c_int, [CancelHandle]),
    "dcs_cancel_free": (None, [CancelHandle]),
    "dcs_instance_status_name": (c_char_p, [_instance_status]),
    "dcs_get_instance_status": (_status, [ClientHandle, c_char_p, POINTER(_instance_status), POINTER(ErrorHandle)]),
    "dcs_get_instance_status_with": (_status, [ClientHandle, c_char_p, POINTER(CallOptions),
                                               POINTER(_instance_status), POINTER(ErrorHandle)]),
    "dcs_wait_running": (_status, [ClientHandle, _ids, c_size_t, c_uint32, POINTER(ResultsHandle),
                                   POINTER(ErrorHandle)]),
    "dcs_wait_running_with": (_status, [ClientHandle, _ids, c_size_t, c_uint32, POINTER(CallOptions),
                                        POINTER(ResultsHandle), POINTER(ErrorHandle)]),
    "dcs_list_instances": (_status, [ClientHandle, POINTER(ListFilter), POINTER(CallOptions),
                                     POINTER(InstanceListHandle), POINTER(ErrorHandle)]),
    "dcs_instance_list_count": (c_size_t, [InstanceListHandle]),
    "dcs_instance_list_id": (c_char_p, [InstanceListHandle, c_size_t]),
    "dcs_instance_list_name": (c_char_p, [InstanceListHandle, c_size_t]),
    "dcs_instance_list_engine": (c_char_p, [InstanceListHandle, c_size_t]),
    "dcs_instance_list_engine_version": (c_char_p, [InstanceListHandle, c_size_t]),
    "dcs_instance_list_status": (_instance_status, [InstanceListHandle, c_size_t]),
    "dcs_instance_list_status_text": (c_char_p, [InstanceListHandle, c_size_t]),
    "dcs_instance_list_free": (None, [InstanceListHandle]),
    "dcs_results_count": (c_size_t, [ResultsHandle]),
    "dcs_results_next": (c_int, [ResultsHandle, POINTER(c_char_p), POINTER(_outcome)]),
    "dcs_results_at": (c_int, [ResultsHandle, c_size_t, POINTER(c_char_p), POINTER(_outcome)]),
    "dcs_results_request_id": (c_char_p, [ResultsHandle, c_size_t]),
    "dcs_results_copy": (c_size_t, [ResultsHandle, c_size_t, c_size_t, POINTER(c_char_p), POINTER(_outcome),
                                    POINTER(c_char_p)]),
    "dcs_results_rewind": (None, [ResultsHandle]),
    "dcs_results_free": (None, [ResultsHandle]),
    "dcs_error_status": (_status, [ErrorHandle]),
    "dcs_error_http_status": (c_int, [ErrorHandle]),
    "dcs_error_code": (c_char_p, [ErrorHandle]),
    "dcs_error_message": (c_char_p, [ErrorHandle]),
    "dcs_error_request_id": (c_char_p, [ErrorHandle]),
    "dcs_error_free": (None, [ErrorHandle]),
}


def bundled_library() -> str:
    """The libdcs.so a wheel carries inside the package (scripts/package.sh puts it there)."""
    return os.path.join(PACKAGE_DIR, BUNDLED_NAME)


def candidates() -> List[str]:
    """Where the library is looked for, in order: $DCS_LIBRARY, the library beside the package,
    the system's. DCS_LIBRARY, when set, is the only place: a library asked for by name is never
    silently replaced by another one."""
    explicit = os.environ.get(LIBRARY_ENV)
    if explicit:
        return [explicit]
    return [bundled_library(), SONAME]


def _describe(place: str) -> str:
    if place == os.environ.get(LIBRARY_ENV):
        return f"{place} (from ${LIBRARY_ENV})"
    if place == SONAME:
        return f"{place} (the system loader: LD_LIBRARY_PATH, ld.so.cache, the default directories)"
    return f"{place} (beside the package, as the wheel installs it)"


def _open(places: List[str]) -> ctypes.CDLL:
    failures = []
    for place in places:
        if os.sep in place and not os.path.exists(place):
            failures.append(f"  {_describe(place)}: no such file")
            continue
        try:
            return ctypes.CDLL(place)
        except OSError as error:
            failures.append(f"  {_describe(place)}: {error}")
    raise LibraryLoadError(
        "libdcs.so could not be loaded; tried:\n" + "\n".join(failures) +
        f"\nInstall the libdcs wheel, which carries the library; or set {LIBRARY_ENV} to the path of "
        "a libdcs.so (scripts/build.sh makes .build/release/libdcs.so in a checkout); or install "
        "libdcs where the system loader finds it.")


def _declare(lib: ctypes.CDLL) -> None:
    for name, (restype, argtypes) in PROTOTYPES.items():
        try:
            function = getattr(lib, name)
        except AttributeError:
            raise LibraryLoadError(f"{lib._name} does not export {name}: not a libdcs this binding can use") from None
        function.restype = restype
        function.argtypes = argtypes
    version = lib.dcs_version().decode("ascii", "replace")
    if version.split(".")[0] != str(ABI_MAJOR):
        raise LibraryLoadError(f"{lib._name} is libdcs {version}; this binding needs major version {ABI_MAJOR}")


_lock = threading.Lock()
_library: Optional[ctypes.CDLL] = None


def library() -> ctypes.CDLL:
    """The loaded libdcs, with every prototype declared; loaded on first use."""
    global _library
    if _library is not None:
        return _library
    with _lock:
        if _library is None:
            lib = _open(candidates())
            _declare(lib)
            _library = lib
        return _library


def free_client(handle: ClientHandle, *keep_alive: object) -> None:
    """dcs_client_free, looked up at call time (the weakref.finalize callback of a Client).
    `keep_alive`: what C may still use until the client is freed (the log callback)."""
    library().dcs_client_free(handle)


def free_cancel(handle: CancelHandle) -> None:
    """dcs_cancel_free (the weakref.finalize callback of a CancelToken)."""
    library().dcs_cancel_free(handle)
