"""Client: the configuration, the handle's life, and the calls."""

from __future__ import annotations

import ctypes
import math
import numbers
import os
import threading
import weakref
from typing import Any, Dict, Iterable, List, Optional, Union

from . import _native
from ._errors import DcsError, InvalidArgument, OutOfMemory, error_for
from ._values import Action, Outcome, Result, Status

# uint32_t milliseconds: the largest timeout or deadline C can take, in seconds.
_MAX_MILLISECONDS = 2**32 - 1
_DEFAULT_CONNECT_SECONDS = 10.0
_DEFAULT_TOTAL_SECONDS = 30.0

PathLike = Union[str, "os.PathLike[str]"]


def _encode(value: object, name: str) -> bytes:
    """A str as the UTF-8 bytes C takes. Surrogate escapes (how Python decodes bytes that are not
    UTF-8, as in sys.argv) go back to those bytes, so that C's own check reports them."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    if "\0" in value:
        raise InvalidArgument(f"{name} holds a NUL character")
    try:
        return value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError as error:
        raise InvalidArgument(f"{name} is not valid Unicode: a lone surrogate at index {error.start}") from None


def _encode_path(value: object, name: str) -> bytes:
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{name} must be a str or os.PathLike, not {type(value).__name__}")
    path = os.fsencode(value)
    if b"\0" in path:
        raise InvalidArgument(f"{name} holds a NUL character")
    return path


def _milliseconds(seconds: object, name: str) -> int:
    """Seconds (int or float) as the uint32_t milliseconds C takes: 1 ms to about 49.7 days."""
    if isinstance(seconds, bool) or not isinstance(seconds, numbers.Real):
        raise TypeError(f"{name} must be a number of seconds, not {type(seconds).__name__}")
    milliseconds = float(seconds) * 1000
    if not (math.isfinite(milliseconds) and 1 <= round(milliseconds) <= _MAX_MILLISECONDS):
        raise InvalidArgument(f"{name} must be from 0.001 to {_MAX_MILLISECONDS / 1000} seconds, not {seconds!r}")
    return round(milliseconds)


def _ids(ids: Iterable[str]) -> List[bytes]:
    """Any iterable of str as UTF-8 bytes, checked for type before anything reaches C."""
    if isinstance(ids, (str, bytes, bytearray, memoryview)):
        raise TypeError(f"ids must be an iterable of str, not a single {type(ids).__name__}")
    try:
        iterator = iter(ids)
    except TypeError:
        raise TypeError(f"ids must be an iterable of str, not {type(ids).__name__}") from None
    return [_encode(item, f"instance_ids[{index}]") for index, item in enumerate(iterator)]


def _action(action: Union[Action, str]) -> Action:
    if isinstance(action, Action):
        return action
    if isinstance(action, str):
        for member in Action:
            if str(member) == action:
                return member
        raise InvalidArgument(f"action must be one of {', '.join(map(str, Action))}, not {action!r}")
    raise TypeError(f"action must be an Action or a str, not {type(action).__name__}")


def _check_setter(lib: ctypes.CDLL, cfg: _native.ConfigHandle, status: int) -> None:
    """Raises for a setter or dcs_config_from_env that did not return DCS_OK; the message is
    dcs_config_error's (they have no dcs_error)."""
    if status != Status.OK:
        raise error_for(status, lib.dcs_config_error(cfg).decode("utf-8", "replace"))


def _configure(lib: ctypes.CDLL, cfg: _native.ConfigHandle, *, endpoint: Optional[str] = None,
               region: Optional[str] = None, project_id: Optional[str] = None, ak: Optional[str] = None,
               sk: Optional[str] = None, security_token: Optional[str] = None, auth_token: Optional[str] = None,
               connect_timeout: Optional[float] = None, timeout: Optional[float] = None,
               max_retries: Optional[int] = None, ca_file: Optional[PathLike] = None,
               insecure: Optional[bool] = None) -> None:
    """Applies the settings that are not None, each with its setter. See Client."""
    if endpoint is not None:
        _check_setter(lib, cfg, lib.dcs_config_set_endpoint(cfg, _encode(endpoint, "endpoint")))
    if region is not None:
        _check_setter(lib, cfg, lib.dcs_config_set_region(cfg, _encode(region, "region")))
    if project_id is not None:
        _check_setter(lib, cfg, lib.dcs_config_set_project_id(cfg, _encode(project_id, "project_id")))
    if (ak is None) != (sk is None):
        raise InvalidArgument("ak and sk must be given together")
    if security_token is not None and ak is None:
        raise InvalidArgument("security_token needs ak and sk")
    if ak is not None and auth_token is not None:
        raise InvalidArgument("give ak and sk, or auth_token, not both")
    if ak is not None:
        token = None if security_token is None else _encode(security_token, "security_token")
        _check_setter(lib, cfg, lib.dcs_config_set_credentials(cfg, _encode(ak, "ak"), _encode(sk, "sk"), token))
    if auth_token is not None:
        _check_setter(lib, cfg, lib.dcs_config_set_auth_token(cfg, _encode(auth_token, "auth_token")))
    if connect_timeout is not None or timeout is not None:
        total_ms = _milliseconds(_DEFAULT_TOTAL_SECONDS if timeout is None else timeout, "timeout")
        connect_ms = (min(_milliseconds(_DEFAULT_CONNECT_SECONDS, "connect_timeout"), total_ms)
                      if connect_timeout is None else _milliseconds(connect_timeout, "connect_timeout"))
        if connect_ms > total_ms:
            raise InvalidArgument(f"connect_timeout ({connect_ms / 1000} s) must not exceed timeout "
                                  f"({total_ms / 1000} s{', the default' if timeout is None else ''})")
        _check_setter(lib, cfg, lib.dcs_config_set_timeouts(cfg, connect_ms, total_ms))
    if max_retries is not None:
        if isinstance(max_retries, bool) or not isinstance(max_retries, int):
            raise TypeError(f"max_retries must be an int, not {type(max_retries).__name__}")
        if not 0 <= max_retries <= 10:
            raise InvalidArgument(f"max_retries must be from 0 to 10, not {max_retries}")
        _check_setter(lib, cfg, lib.dcs_config_set_max_retries(cfg, max_retries))
    if ca_file is not None:
        _check_setter(lib, cfg, lib.dcs_config_set_ca_file(cfg, _encode_path(ca_file, "ca_file")))
    if insecure is not None:
        if not isinstance(insecure, bool):
            raise TypeError(f"insecure must be a bool, not {type(insecure).__name__}")
        _check_setter(lib, cfg, lib.dcs_config_set_insecure(cfg, int(insecure)))


def _read_results(lib: ctypes.CDLL, results: _native.ResultsHandle) -> List[Result]:
    collected = []
    instance_id = ctypes.c_char_p()
    outcome = ctypes.c_int()
    while lib.dcs_results_next(results, ctypes.byref(instance_id), ctypes.byref(outcome)):
        try:
            known = Outcome(outcome.value)
        except ValueError:  # appended by a newer library: it may have been applied
            known = Outcome.UNKNOWN
        collected.append(Result((instance_id.value or b"").decode("utf-8", "surrogateescape"), known))
    return collected


def _read_error(lib: ctypes.CDLL, status: int, err: _native.ErrorHandle, results: List[Result]) -> DcsError:
    def text(value: bytes) -> str:
        return value.decode("utf-8", "replace")

    return error_for(status, text(lib.dcs_error_message(err)), http_status=lib.dcs_error_http_status(err),
                     code=text(lib.dcs_error_code(err)), request_id=text(lib.dcs_error_request_id(err)),
                     results=results)


class Client:
    """A client of the DCS instance-status API, made from a complete configuration.

    Thread-safe: share one client between threads; calls run in parallel (ctypes releases the
    GIL during the C call). Close it with close() or a `with` block; a client that is never
    closed is freed when it is garbage-collected.

    Settings left as None keep their default (or, with from_env, what the environment set):

        endpoint: the service's base URL, "https://dcs.cn-north-4.myhuaweicloud.com"; http://
            only for a loopback host (the emulator) or with insecure=True.
        region: "cn-north-4"; the endpoint is derived from it unless endpoint is given.
        project_id: the project id of the region.
        ak, sk: AK/SK credentials (both or neither); security_token with temporary ones.
        auth_token: an IAM token, instead of AK/SK.
        connect_timeout, timeout: seconds to open a connection, and for a whole request
            (defaults 10 and 30; with only timeout given, connect_timeout is min(10, timeout)).
        max_retries: 0 to 10 (default 2); only requests certainly not applied are retried.
        ca_file: a PEM file of CA certificates instead of the system's store.
        insecure: True turns TLS verification off and allows http:// to any host. Tests only.

    Raises InvalidArgument (a ValueError) for a malformed setting, ConfigError when the settings
    do not make a whole, TypeError for a value of the wrong type; never shows a secret.
    """

    def __init__(self, *, endpoint: Optional[str] = None, region: Optional[str] = None,
                 project_id: Optional[str] = None, ak: Optional[str] = None, sk: Optional[str] = None,
                 security_token: Optional[str] = None, auth_token: Optional[str] = None,
                 connect_timeout: Optional[float] = None, timeout: Optional[float] = None,
                 max_retries: Optional[int] = None, ca_file: Optional[PathLike] = None,
                 insecure: Optional[bool] = None) -> None:
        self._open(False, dict(endpoint=endpoint, region=region, project_id=project_id, ak=ak, sk=sk,
                               security_token=security_token, auth_token=auth_token,
                               connect_timeout=connect_timeout, timeout=timeout, max_retries=max_retries,
                               ca_file=ca_file, insecure=insecure))

    @classmethod
    def from_env(cls, **overrides: object) -> "Client":
        """A client configured from the environment (dcs_config_from_env: HUAWEICLOUD_SDK_AK,
        HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_SECURITY_TOKEN, HUAWEICLOUD_SDK_PROJECT_ID,
        DCS_ENDPOINT, DCS_REGION), then the keyword arguments of Client applied over it.

        Raises ConfigError naming the variable when one is malformed."""
        client = cls.__new__(cls)
        client._open(True, overrides)
        return client

    def _open(self, from_env: bool, settings: Dict[str, Any]) -> None:
        self._lock = threading.Lock()
        self._calls_in_flight = 0
        self._closed = True  # until the handle exists
        lib = _native.library()
        cfg = lib.dcs_config_new()
        if not cfg:
            raise OutOfMemory("out of memory")  # the words of the C and Go dcsctl
        handle = _native.ClientHandle()
        err = _native.ErrorHandle()
        try:
            if from_env:
                _check_setter(lib, cfg, lib.dcs_config_from_env(cfg))
            _configure(lib, cfg, **settings)
            status = lib.dcs_client_new(cfg, ctypes.byref(handle), ctypes.byref(err))
            if status != Status.OK:
                raise _read_error(lib, status, err, [])
        finally:
            lib.dcs_error_free(err)
            lib.dcs_config_free(cfg)
        self._handle = handle
        # The safety net: frees the handle once when the client is collected without close().
        # Not at interpreter exit, where a daemon thread may still be inside a call.
        self._finalizer = weakref.finalize(self, _native.free_client, handle)
        self._finalizer.atexit = False
        self._closed = False

    # The handle's life ----------------------------------------------------------------------

    def _enter(self) -> _native.ClientHandle:
        with self._lock:
            if self._closed:
                raise InvalidArgument("the client is closed")
            self._calls_in_flight += 1
            return self._handle

    def _leave(self) -> None:
        with self._lock:
            self._calls_in_flight -= 1
            last = self._closed and self._calls_in_flight == 0
        if last:
            self._finalizer()

    def close(self) -> None:
        """Closes the client and its connections. Idempotent. Calls already running in other
        threads finish normally, and the handle is freed when the last of them ends; calls made
        after close() raise InvalidArgument."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            idle = self._calls_in_flight == 0
        if idle:
            self._finalizer()

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<dcs.Client {'closed' if self._closed else 'open'}>"

    # Calls ---------------------------------------------------------------------------------

    def call(self, action: Union[Action, str], ids: Iterable[str], *, timeout: Optional[float] = None,
             raise_on_partial: bool = True) -> List[Result]:
        """Acts on instances: the general form of restart, soft_restart and flush.

        action: an Action, or its name ("restart", "soft_restart", "flush").
        ids: any iterable of str (not a single str), 1 to MAX_IDS_PER_CALL of them, each
            non-empty, at most MAX_ID_BYTES bytes of UTF-8 without control characters, once.
        timeout: seconds for the whole call, retries included (dcs_call_options.deadline_ms);
            None: only the client's own timeouts bound it.
        raise_on_partial: False returns the results of a partial success (DCS_EPARTIAL) instead
            of raising PartialFailure; every other error still raises.

        Returns one Result per id, in order, all SUCCESS (or, with raise_on_partial=False, as
        the service answered). Raises a DcsError subclass for any other status, with the
        results when the call got as far as sending; TypeError for a wrong type, before
        anything is sent.
        """
        action = _action(action)
        encoded = _ids(ids)
        options = _native.CallOptions(_native.CALL_OPTIONS_VERSION,
                                      0 if timeout is None else _milliseconds(timeout, "timeout"))
        array = (ctypes.c_char_p * len(encoded))(*encoded)
        lib = _native.library()
        results = _native.ResultsHandle()
        err = _native.ErrorHandle()
        handle = self._enter()
        try:
            try:
                status = lib.dcs_call(handle, action.value, array, len(encoded), ctypes.byref(options),
                                      ctypes.byref(results), ctypes.byref(err))
            finally:
                self._leave()
            collected = _read_results(lib, results)
            if status == Status.OK or (status == Status.EPARTIAL and not raise_on_partial):
                return collected
            raise _read_error(lib, status, err, collected)
        finally:
            lib.dcs_results_free(results)
            lib.dcs_error_free(err)

    def restart(self, ids: Iterable[str], *, timeout: Optional[float] = None) -> List[Result]:
        """Force restart of the instances. See call(): a partial success raises PartialFailure."""
        return self.call(Action.RESTART, ids, timeout=timeout)

    def soft_restart(self, ids: Iterable[str], *, timeout: Optional[float] = None) -> List[Result]:
        """Restart of the Redis process only. See call(): a partial success raises PartialFailure."""
        return self.call(Action.SOFT_RESTART, ids, timeout=timeout)

    def flush(self, ids: Iterable[str], *, timeout: Optional[float] = None) -> List[Result]:
        """Deletes all data of the instances: cannot be undone; Redis 4.0 and later. See call():
        a partial success raises PartialFailure."""
        return self.call(Action.FLUSH, ids, timeout=timeout)
