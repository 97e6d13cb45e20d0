"""Client: the configuration, the handle's life, and the calls."""

from __future__ import annotations

import ctypes
import math
import numbers
import os
import threading
import weakref
# Annotations only (they are not evaluated, see __future__): typing is not imported at run time,
# which would cost more than the rest of the package.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Set, Union

from . import _native
from ._cancel import CancelToken, _CallState, current
from ._errors import DcsError, InvalidArgument, OutOfMemory, error_for
from ._interrupt import unwatch, watch
from ._values import Action, Instance, InstanceStatus, Outcome, Progress, ProgressEvent, Result, Status

if TYPE_CHECKING:
    from . import _log  # imported when a client logs: `logging` is slow to import

# What a uint32_t holds: the largest count, and milliseconds of timeout or deadline, C takes.
_UINT32_MAX = 2**32 - 1
# wait=True: as long as dcsctl --wait waits (examples/c/dcsctl.c).
DEFAULT_WAIT_SECONDS = 600

if TYPE_CHECKING:
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


def _milliseconds(seconds: object, name: str, *, zero: bool = False) -> int:
    """Seconds (int or float) as the uint32_t milliseconds C takes: 1 ms (0 when `zero` is
    allowed) to about 49.7 days."""
    if isinstance(seconds, bool) or not isinstance(seconds, numbers.Real):
        raise TypeError(f"{name} must be a number of seconds, not {type(seconds).__name__}")
    milliseconds = float(seconds) * 1000
    lowest = 0 if zero else 1
    if not (math.isfinite(milliseconds) and lowest <= round(milliseconds) <= _UINT32_MAX):
        raise InvalidArgument(f"{name} must be from {'0' if zero else '0.001'} to {_UINT32_MAX / 1000} "
                              f"seconds, not {seconds!r}")
    return round(milliseconds)


def _wait_milliseconds(wait: object) -> int:
    """dcs_call_options.wait_running_ms for wait=: False or None (or 0) no wait, True
    DEFAULT_WAIT_SECONDS, a number that many seconds."""
    if wait is None or wait is False:
        return 0
    if wait is True:
        return DEFAULT_WAIT_SECONDS * 1000
    if isinstance(wait, numbers.Real):
        return _milliseconds(wait, "wait", zero=True)
    raise TypeError(f"wait must be True, False or a number of seconds, not {type(wait).__name__}")


def _set_rolling(options: _native.CallOptions, wave: Optional[int], pause: float, keep_going: bool,
                 progress: Optional[Callable[[Progress], object]], wait: Union[bool, float, None]) -> None:
    """The version 3 fields of `options`, for a call given any of wave, pause, keep_going or
    progress (the others keep the fast path: their fields stay zero, as C's defaults)."""
    if wave is not None:
        if isinstance(wave, bool) or not isinstance(wave, int):
            raise TypeError(f"wave must be an int (ids per wave), not {type(wave).__name__}")
        if not 1 <= wave <= _native.MAX_IDS_PER_CALL:
            raise InvalidArgument(f"wave must be from 1 to {_native.MAX_IDS_PER_CALL} ids, not {wave}")
        options.wave_size = wave
        if wait is None:  # a wave is judged by its instances running again, unless wait=False says not
            options.wait_running_ms = DEFAULT_WAIT_SECONDS * 1000
    pause_ms = _milliseconds(pause, "pause", zero=True)
    if not isinstance(keep_going, bool):
        raise TypeError(f"keep_going must be a bool, not {type(keep_going).__name__}")
    if wave is None and pause_ms:
        raise InvalidArgument("pause needs wave: it is the pause between two waves")
    if wave is None and keep_going:
        raise InvalidArgument("keep_going needs wave: it goes on past a wave with failures")
    options.wave_pause_ms = pause_ms
    options.keep_going = keep_going
    if progress is not None:
        if not callable(progress):
            raise TypeError(f"progress must be callable, not {type(progress).__name__}")
        options.progress = _PROGRESS_FUNCTION


_PROGRESS_EVENTS = {event.value: event for event in ProgressEvent}


def _forward_progress(report: Any, _user: object) -> None:
    """The dcs_progress_fn of every call given progress=. C calls it on the thread making the
    call, so the call's _CallState (current.state) holds the callable. Nothing goes up into C:
    whatever the callable raises cancels the call, is raised when it returns, and the callable
    is not called again."""
    state = getattr(current, "state", None)
    callback = state.progress if state is not None else None
    if callback is None:
        return
    try:
        c = report.contents
        event = _PROGRESS_EVENTS.get(c.event)
        if event is None:
            return  # an event a newer library appended: ignored, as the header asks
        if event is ProgressEvent.INSTANCE_DONE:
            instance_id: Optional[str] = (c.instance_id or b"").decode("utf-8", "surrogateescape")
            index: Optional[int] = c.index
            outcome: Optional[Outcome] = _OUTCOMES.get(c.outcome, Outcome.UNKNOWN)
        else:
            instance_id = index = outcome = None
        callback(Progress(event, c.wave, c.waves, c.total, c.done, c.succeeded, c.failed, c.unknown, c.not_sent,
                          c.in_progress, c.not_started, instance_id, index, outcome))
    except BaseException as error:  # nothing may go up into C: raised when the call returns
        state.progress = None
        state.interrupt_with(error)


# One C function pointer for every call, alive as long as the module: nothing to keep per call.
_PROGRESS_FUNCTION = _native.ProgressFunction(_forward_progress)


def _check_cancel(cancel: object) -> None:
    if cancel is not None:
        if not isinstance(cancel, CancelToken):
            raise TypeError(f"cancel must be a dcs.CancelToken, not {type(cancel).__name__}")
        cancel._check_open()


def _ids(ids: Iterable[str]) -> List[bytes]:
    """Any iterable of str as UTF-8 bytes, checked for type before anything reaches C."""
    if isinstance(ids, (str, bytes, bytearray, memoryview)):
        raise TypeError(f"ids must be an iterable of str, not a single {type(ids).__name__}")
    try:
        iterator = iter(ids)
    except TypeError:
        raise TypeError(f"ids must be an iterable of str, not {type(ids).__name__}") from None
    return [_encode(item, f"instance_ids[{index}]") for index, item in enumerate(iterator)]


_ACTIONS = {str(member): member for member in Action}


def _action(action: Union[Action, str]) -> Action:
    if isinstance(action, Action):
        return action
    if isinstance(action, str):
        member = _ACTIONS.get(action)
        if member is not None:
            return member
        raise InvalidArgument(f"action must be one of {', '.join(map(str, Action))}, not {action!r}")
    raise TypeError(f"action must be an Action or a str, not {type(action).__name__}")


def _check_setter(lib: ctypes.CDLL, cfg: _native.ConfigHandle, status: int, setting: Optional[str] = None) -> None:
    """Raises for a setter or dcs_config_from_env that did not return DCS_OK; the message is
    dcs_config_error's (they have no dcs_error), after the keyword argument(s) it is about: C
    checks the values and names its own arguments."""
    if status != Status.OK:
        message = lib.dcs_config_error(cfg).decode("utf-8", "replace")
        raise error_for(status, message if setting is None else f"{setting}: {message}")


def _configure(lib: ctypes.CDLL, cfg: _native.ConfigHandle, *, endpoint: Optional[str] = None,
               region: Optional[str] = None, project_id: Optional[str] = None, ak: Optional[str] = None,
               sk: Optional[str] = None, security_token: Optional[str] = None, auth_token: Optional[str] = None,
               connect_timeout: Optional[float] = None, timeout: Optional[float] = None,
               max_retries: Optional[int] = None, ca_file: Optional[PathLike] = None,
               insecure: Optional[bool] = None, busy_retry: Optional[float] = None,
               proxy: Optional[str] = None) -> None:
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
        # One of the two given: the other keeps the library's default (a timeout shorter than
        # the default connect timeout bounds that too).
        total_ms = (_native.DEFAULT_TOTAL_TIMEOUT_MS if timeout is None else _milliseconds(timeout, "timeout"))
        connect_ms = (min(_native.DEFAULT_CONNECT_TIMEOUT_MS, total_ms) if connect_timeout is None
                      else _milliseconds(connect_timeout, "connect_timeout"))
        _check_setter(lib, cfg, lib.dcs_config_set_timeouts(cfg, connect_ms, total_ms), "connect_timeout/timeout")
    if max_retries is not None:
        if isinstance(max_retries, bool) or not isinstance(max_retries, int):
            raise TypeError(f"max_retries must be an int, not {type(max_retries).__name__}")
        if not 0 <= max_retries <= _UINT32_MAX:  # C checks the rest
            raise InvalidArgument(f"max_retries must not be negative or beyond 2**32 - 1, not {max_retries}")
        _check_setter(lib, cfg, lib.dcs_config_set_max_retries(cfg, max_retries), "max_retries")
    if ca_file is not None:
        _check_setter(lib, cfg, lib.dcs_config_set_ca_file(cfg, _encode_path(ca_file, "ca_file")))
    if insecure is not None:
        if not isinstance(insecure, bool):
            raise TypeError(f"insecure must be a bool, not {type(insecure).__name__}")
        _check_setter(lib, cfg, lib.dcs_config_set_insecure(cfg, int(insecure)))
    if busy_retry is not None:
        _check_setter(lib, cfg, lib.dcs_config_set_busy_retry(cfg, _milliseconds(busy_retry, "busy_retry", zero=True)))
    if proxy is not None:
        _check_setter(lib, cfg, lib.dcs_config_set_proxy(cfg, _encode(proxy, "proxy")), "proxy")


# Outcome by C value; a value appended by a newer library reads as UNKNOWN (it may have been applied).
_OUTCOMES = {outcome.value: outcome for outcome in Outcome}


def _read_results(lib: ctypes.CDLL, results: _native.ResultsHandle) -> List[Result]:
    """Every entry, copied out with one C call (dcs_results_copy)."""
    count = lib.dcs_results_count(results)
    if not count:
        return []
    ids, request_ids = (ctypes.c_char_p * count)(), (ctypes.c_char_p * count)()
    outcomes = (ctypes.c_int * count)()
    count = lib.dcs_results_copy(results, 0, count, ids, outcomes, request_ids)
    collected: List[Result] = []
    # One request id is shared by the entries of a request: decoded once per request.
    previous_raw, previous_text = b"", ""
    for instance_id, outcome, raw in zip(ids[:count], outcomes[:count], request_ids[:count]):
        if raw != previous_raw:
            previous_raw, previous_text = raw, (raw or b"").decode("utf-8", "replace")
        collected.append(Result((instance_id or b"").decode("utf-8", "surrogateescape"),
                                _OUTCOMES.get(outcome, Outcome.UNKNOWN), previous_text))
    return collected


def _read_error(lib: ctypes.CDLL, status: int, err: _native.ErrorHandle, results: List[Result]) -> DcsError:
    def text(value: bytes) -> str:
        return value.decode("utf-8", "replace")

    return error_for(status, text(lib.dcs_error_message(err)), http_status=lib.dcs_error_http_status(err),
                     code=text(lib.dcs_error_code(err)), request_id=text(lib.dcs_error_request_id(err)),
                     results=results)


def _list_filter(name: Optional[str], exact: bool, status: Union[InstanceStatus, str, None],
                 tags: Union[Mapping[str, str], Iterable[str], None]) -> _native.ListFilter:
    """The dcs_list_filter of list_instances' arguments, checked for type (C checks the values)."""
    selected = _native.ListFilter(_native.LIST_FILTER_VERSION)
    if name is not None:
        selected.name = _encode(name, "name")
    if not isinstance(exact, bool):
        raise TypeError(f"exact must be a bool, not {type(exact).__name__}")
    if exact and name is None:
        raise InvalidArgument("exact needs name")
    selected.name_exact = exact
    if isinstance(status, InstanceStatus):
        if status is InstanceStatus.OTHER:
            raise InvalidArgument("status OTHER names no status of the service: give the service's name as a str")
        selected.status = str(status).encode("ascii")
    elif status is not None:
        if not isinstance(status, str):
            raise TypeError(f"status must be an InstanceStatus or a str, not {type(status).__name__}")
        selected.status = _encode(status, "status")
    if tags is not None:
        pairs = _tags(tags)
        if pairs:
            selected.tags = (ctypes.c_char_p * len(pairs))(*pairs)
            selected.tag_count = len(pairs)
    return selected


def _tags(tags: Union[Mapping[str, str], Iterable[str]]) -> List[bytes]:
    """"key=value" strings as UTF-8, from a mapping or an iterable of them; tags[i] is the i-th
    in the order given, as C names them."""
    import collections.abc  # only for a listing with tags

    kinds = 'a mapping of str to str or an iterable of "key=value" str'
    if isinstance(tags, (str, bytes, bytearray, memoryview)):
        raise TypeError(f"tags must be {kinds}, not a single {type(tags).__name__}")
    if isinstance(tags, collections.abc.Mapping):
        texts = []
        for key, value in tags.items():
            if not isinstance(key, str):
                raise TypeError(f"the keys of tags must be str, not {type(key).__name__}")
            if not isinstance(value, str):
                raise TypeError(f"tags[{key!r}] must be a str, not {type(value).__name__}")
            texts.append(f"{key}={value}")
    else:
        try:
            texts = list(tags)
        except TypeError:
            raise TypeError(f"tags must be {kinds}, not {type(tags).__name__}") from None
    return [_encode(text, f"tags[{index}]") for index, text in enumerate(texts)]


_INSTANCE_STATUSES = {status.value: status for status in InstanceStatus}


def _read_instances(lib: ctypes.CDLL, listed: _native.InstanceListHandle) -> List[Instance]:
    """Every instance of a dcs_instance_list, in its order. Bytes that are not UTF-8 come back as
    surrogate escapes, so that an id goes back to C as it came."""
    def text(value: Optional[bytes]) -> str:
        return (value or b"").decode("utf-8", "surrogateescape")

    instances = []
    for index in range(lib.dcs_instance_list_count(listed)):
        instances.append(Instance(
            text(lib.dcs_instance_list_id(listed, index)), text(lib.dcs_instance_list_name(listed, index)),
            _INSTANCE_STATUSES.get(lib.dcs_instance_list_status(listed, index), InstanceStatus.OTHER),
            text(lib.dcs_instance_list_status_text(listed, index)), text(lib.dcs_instance_list_engine(listed, index)),
            text(lib.dcs_instance_list_engine_version(listed, index))))
    return instances


def check_instance_ids(ids: Iterable[str]) -> None:
    """Checks ids exactly as a call checks them (dcs_check_instance_ids), sending nothing and
    needing no client: returns when a call would accept them; raises InvalidArgument naming the
    first id at fault ("instance_ids[3] is empty"), TypeError for a wrong type."""
    encoded = _ids(ids)
    lib = _native.library()
    err = _native.ErrorHandle()
    try:
        status = lib.dcs_check_instance_ids((ctypes.c_char_p * len(encoded))(*encoded), len(encoded),
                                            ctypes.byref(err))
        if status != Status.OK:
            raise _read_error(lib, status, err, [])
    finally:
        lib.dcs_error_free(err)


def _in_call(state: _CallState, invoke: Callable[[], int]) -> int:
    """invoke(), the C call, with `state` as the thread's call in progress for the log callback,
    and, on the main thread, Ctrl-C cancelling it (see _interrupt)."""
    previous = getattr(current, "state", None)
    current.state = state
    saved = watch(state)
    try:
        return invoke()
    finally:
        unwatch(saved)
        current.state = previous


class Client:
    """A client of the DCS instance API, made from a complete configuration.

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
        busy_retry: seconds to keep trying a request the service refused because an instance
            is busy (400 DCS.4049 not running, DCS.4111 restarting, DCS.4017 a task is
            running), with pauses of 1, 2, 4 ... 10 s; 0 or None (the default): such a refusal
            raises ApiError at once.
        proxy: for an endpoint that is not on loopback, "scheme://[user[:password]@]host[:port]"
            (http, https, socks4, socks4a, socks5, socks5h), or "" for none at all; None (the
            default): the one the environment names (https_proxy, all_proxy, no_proxy...). A
            loopback endpoint is never proxied. The password never shows in a message.
        logger: a logging.Logger (or LoggerAdapter) that gets the library's log lines: DEBUG
            each request sent and each status poll, INFO each answer (HTTP status, time,
            request id), WARNING retries and clock corrections, ERROR a batch or wait that
            stopped. Messages come as C wrote them, already without any secret.
        log_level: the lowest level C sends (a logging level or its name, at most ERROR);
            default: everything, the logger's own level and handlers deciding. log_level
            without logger logs to logging.getLogger("dcs"); neither: no logging at all.

    Raises InvalidArgument (a ValueError) for a malformed setting, ConfigError when the settings
    do not make a whole, TypeError for a value of the wrong type; never shows a secret.
    """

    def __init__(self, *, endpoint: Optional[str] = None, region: Optional[str] = None,
                 project_id: Optional[str] = None, ak: Optional[str] = None, sk: Optional[str] = None,
                 security_token: Optional[str] = None, auth_token: Optional[str] = None,
                 connect_timeout: Optional[float] = None, timeout: Optional[float] = None,
                 max_retries: Optional[int] = None, ca_file: Optional[PathLike] = None,
                 insecure: Optional[bool] = None, busy_retry: Optional[float] = None,
                 proxy: Optional[str] = None,
                 logger: Optional[_log.LoggerLike] = None, log_level: Union[int, str, None] = None) -> None:
        self._open(False, dict(endpoint=endpoint, region=region, project_id=project_id, ak=ak, sk=sk,
                               security_token=security_token, auth_token=auth_token,
                               connect_timeout=connect_timeout, timeout=timeout, max_retries=max_retries,
                               ca_file=ca_file, insecure=insecure, busy_retry=busy_retry, proxy=proxy,
                               logger=logger, log_level=log_level))

    @classmethod
    def from_env(cls, **overrides: object) -> "Client":
        """A client configured from the environment, then the keyword arguments of Client
        applied over it. dcs_config_from_env reads HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK,
        HUAWEICLOUD_SDK_SECURITY_TOKEN, HUAWEICLOUD_SDK_PROJECT_ID, DCS_ENDPOINT, DCS_REGION;
        without an endpoint, HUAWEICLOUD_SDK_REGION_DCS_{REGION} (e.g. ..._CN_NORTH_4) as the
        region's endpoint; then Huawei's credentials file ($HUAWEICLOUD_SDK_CREDENTIALS_FILE,
        else ~/.huaweicloud/credentials), whose [basic] ak, sk, security_token and project_id
        fill what is still unset.

        Raises ConfigError naming the variable or file when one is malformed or unreadable."""
        client = cls.__new__(cls)
        client._open(True, overrides)
        return client

    def _open(self, from_env: bool, settings: Dict[str, Any]) -> None:
        # Reentrant: cancel_all() may run in a signal handler that interrupted this thread
        # inside _enter or _leave.
        self._lock = threading.RLock()
        self._calls_in_flight = 0
        self._cancellable: Set[_CallState] = set()
        self._closed = True  # until the handle exists
        settings = dict(settings)
        logger_given, level_given = settings.pop("logger", None), settings.pop("log_level", None)
        logging_to = None
        if logger_given is not None or level_given is not None:
            from . import _log
            logging_to = _log.resolve(logger_given, level_given)
        lib = _native.library()
        cfg = lib.dcs_config_new()
        if not cfg:
            raise OutOfMemory("out of memory")  # the words of the C and Go dcsctl
        handle = _native.ClientHandle()
        err = _native.ErrorHandle()
        log_function = None
        try:
            if from_env:
                _check_setter(lib, cfg, lib.dcs_config_from_env(cfg))
            _configure(lib, cfg, **settings)
            if logging_to is not None:
                logger, minimum = logging_to
                from . import _log
                log_function = _log.log_function(logger)
                _check_setter(lib, cfg, lib.dcs_config_set_log(cfg, minimum, log_function, None))
            status = lib.dcs_client_new(cfg, ctypes.byref(handle), ctypes.byref(err))
            if status != Status.OK:
                raise _read_error(lib, status, err, [])
        finally:
            lib.dcs_error_free(err)
            lib.dcs_config_free(cfg)
        self._handle = handle
        # The safety net: frees the handle once when the client is collected without close().
        # Not at interpreter exit, where a daemon thread may still be inside a call. The C
        # client calls the log function until it is freed: the finalizer holds it till then.
        self._finalizer = weakref.finalize(self, _native.free_client, handle, log_function)
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
        threads finish normally (cancel_all() first to end them promptly), and the handle is
        freed when the last of them ends; calls made after close() raise InvalidArgument."""
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

    def cancel_all(self) -> int:
        """Cancels every call running on this client now, in any thread: each raises Cancelled
        within about 50 ms. Calls started afterwards are not affected, nor are other calls
        sharing their CancelToken. Returns how many calls were cancelled. Any thread; safe in a
        signal handler."""
        with self._lock:
            calls = list(self._cancellable)
            for call in calls:
                call.trigger()
        return len(calls)

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<dcs.Client {'closed' if self._closed else 'open'}>"

    # Calls ---------------------------------------------------------------------------------

    def _run(self, invoke: Callable[[ctypes.CDLL, _native.ClientHandle, Any, Any, Any], int],
             options: _native.CallOptions, cancel: Optional[CancelToken],
             finish: Callable[[ctypes.CDLL, int, _native.ResultsHandle, _native.ErrorHandle], Any],
             progress: Optional[Callable[[Progress], object]] = None) -> Any:
        """Runs one call with its own dcs_cancel (see _cancel), linked to `cancel` and to
        cancel_all(); `invoke(lib, client, options, results, err)` makes the C call, and
        `finish(lib, status, results, err)` returns its value or raises, before results and
        err are freed. `progress`: the callable _forward_progress hands the call's reports to.
        What a callback caught during the call is raised last, with the call's error, if any,
        as its __context__."""
        lib = _native.library()
        results = _native.ResultsHandle()
        err = _native.ErrorHandle()
        handle = self._enter()
        state = None
        try:
            try:
                state = _CallState.with_token(lib)
                state.progress = progress
                with self._lock:
                    self._cancellable.add(state)
                try:
                    if cancel is not None:
                        cancel._link(state)
                    options.cancel = state.cancel
                    status = _in_call(state, lambda: invoke(lib, handle, ctypes.byref(options),
                                                            ctypes.byref(results), ctypes.byref(err)))
                finally:
                    if cancel is not None:
                        cancel._unlink(state)
                    with self._lock:
                        self._cancellable.discard(state)
            finally:
                self._leave()
            return finish(lib, status, results, err)
        finally:
            lib.dcs_results_free(results)
            lib.dcs_error_free(err)
            if state is not None:
                lib.dcs_cancel_free(state.cancel)
                if state.interrupt is not None:
                    raise state.interrupt  # with the call's error, if any, as its __context__

    @staticmethod
    def _results_of(raise_on_partial: bool) -> Callable[[ctypes.CDLL, int, _native.ResultsHandle,
                                                         _native.ErrorHandle], List[Result]]:
        """The `finish` of the calls that hand out results: them, or the error with them."""
        def finish(lib: ctypes.CDLL, status: int, results: _native.ResultsHandle,
                   err: _native.ErrorHandle) -> List[Result]:
            collected = _read_results(lib, results)
            if status == Status.OK or (status == Status.EPARTIAL and not raise_on_partial):
                return collected
            raise _read_error(lib, status, err, collected)
        return finish

    def call(self, action: Union[Action, str], ids: Iterable[str], *, timeout: Optional[float] = None,
             wait: Union[bool, float, None] = None, cancel: Optional[CancelToken] = None,
             raise_on_partial: bool = True, wave: Optional[int] = None, pause: float = 0,
             keep_going: bool = False, progress: Optional[Callable[[Progress], object]] = None) -> List[Result]:
        """Acts on instances: the general form of restart, soft_restart and flush.

        action: an Action, or its name ("restart", "soft_restart", "flush").
        ids: any iterable of str (not a single str), 1 to MAX_IDS_PER_CALL of them, each
            non-empty, at most MAX_ID_BYTES bytes of UTF-8 without control characters, once.
        timeout: seconds for the whole call, retries and the wait included
            (dcs_call_options.deadline_ms); None: only the client's own timeouts bound it.
        wait: after the action, wait until the instances it was applied to are RUNNING again
            (dcs_call_options.wait_running_ms), as wait_running() does: their outcome is then
            the wait's (SUCCESS running again, FAILED ERROR/FROZEN..., UNKNOWN not RUNNING in
            time, with Timeout). True: up to DEFAULT_WAIT_SECONDS (600); a number: that many
            seconds; False or 0: no wait; None (the default): no wait, except with wave, where
            each wave is waited on up to DEFAULT_WAIT_SECONDS (as dcsctl --wave does).
        cancel: a CancelToken that ends the call (Cancelled); cancel_all() does too.
        raise_on_partial: False returns the results of a partial success (DCS_EPARTIAL) instead
            of raising PartialFailure; every other error still raises.
        wave: roll the action over the ids, this many at a time (1 to MAX_IDS_PER_CALL), in
            input order: each wave is sent, waited on (wait applies per wave; timeout bounds
            the whole call), then `pause` passes, then the next wave. After a wave in which an
            instance did not end RUNNING, the later waves are not sent (NOT_SENT) and Stopped
            is raised, its message naming the wave and the instances at fault
            (dcs_call_options.wave_size). None: every id at once.
        pause: with wave, seconds between two waves (float allowed); default 0.
        keep_going: with wave, True goes on past a wave with failures (PartialFailure at the
            end when any instance did not end RUNNING). A failed request (ApiError,
            TransportError...), timeout or cancel ends the call whatever it says.
        progress: a callable taking one Progress, called on the thread making the call (so
            that tqdm or rich can drive a bar from it) as each wave starts (WAVE_START), as
            each id's outcome is final (INSTANCE_DONE), as each wave ends (WAVE_DONE) and once
            at the end (FINISHED, its counts those of the results); with or without wave. It
            must return quickly and must not call the client. Whatever it raises cancels the
            call (what was sent keeps its outcome, the rest is NOT_SENT) and is raised when the
            call returns, instead of its results, with the call's own error (Cancelled), if
            any, as __context__; the callable is not called again.

        Returns one Result per id, in order, all SUCCESS (or, with raise_on_partial=False, as
        the service answered). Raises a DcsError subclass for any other status, with the
        results when the call got as far as sending; TypeError for a wrong type, before
        anything is sent.
        """
        action = _action(action)
        encoded = _ids(ids)
        options = _native.CallOptions(_native.CALL_OPTIONS_VERSION,
                                      0 if timeout is None else _milliseconds(timeout, "timeout"),
                                      None, _wait_milliseconds(wait))
        if wave is not None or pause != 0 or keep_going is not False or progress is not None:
            _set_rolling(options, wave, pause, keep_going, progress, wait)
        _check_cancel(cancel)
        array = (ctypes.c_char_p * len(encoded))(*encoded)

        def invoke(lib: ctypes.CDLL, handle: _native.ClientHandle, *out: Any) -> int:
            status: int = lib.dcs_call(handle, action.value, array, len(encoded), *out)
            return status

        return self._run(invoke, options, cancel, self._results_of(raise_on_partial), progress)

    def restart(self, ids: Iterable[str], *, timeout: Optional[float] = None, wait: Union[bool, float, None] = None,
                cancel: Optional[CancelToken] = None, wave: Optional[int] = None, pause: float = 0,
                keep_going: bool = False, progress: Optional[Callable[[Progress], object]] = None) -> List[Result]:
        """Force restart of the instances; with wait, until they are RUNNING again; with wave,
        a wave at a time, each waited on. See call(): a partial success raises PartialFailure,
        a rolling restart stopped at a wave with failures Stopped."""
        return self.call(Action.RESTART, ids, timeout=timeout, wait=wait, cancel=cancel, wave=wave, pause=pause,
                         keep_going=keep_going, progress=progress)

    def soft_restart(self, ids: Iterable[str], *, timeout: Optional[float] = None,
                     wait: Union[bool, float, None] = None, cancel: Optional[CancelToken] = None,
                     wave: Optional[int] = None, pause: float = 0, keep_going: bool = False,
                     progress: Optional[Callable[[Progress], object]] = None) -> List[Result]:
        """Restart of the Redis process only; with wait, until they are RUNNING again; with
        wave, a wave at a time, each waited on. See call()."""
        return self.call(Action.SOFT_RESTART, ids, timeout=timeout, wait=wait, cancel=cancel, wave=wave,
                         pause=pause, keep_going=keep_going, progress=progress)

    def flush(self, ids: Iterable[str], *, timeout: Optional[float] = None, cancel: Optional[CancelToken] = None,
              wave: Optional[int] = None, pause: float = 0, keep_going: bool = False,
              progress: Optional[Callable[[Progress], object]] = None) -> List[Result]:
        """Deletes all data of the instances: cannot be undone; Redis 4.0 and later. With wave,
        a wave at a time, each waited on until RUNNING again (call("flush", ids, wave=...,
        wait=False) judges a wave by the answers alone). See call(): a partial success raises
        PartialFailure."""
        return self.call(Action.FLUSH, ids, timeout=timeout, cancel=cancel, wave=wave, pause=pause,
                         keep_going=keep_going, progress=progress)

    def wait_running(self, ids: Iterable[str], *, timeout: float,
                     cancel: Optional[CancelToken] = None) -> List[Result]:
        """Waits until each instance is RUNNING (reported twice in a row): SUCCESS; or ERROR,
        FROZEN, CREATEFAILED or unknown to the service: FAILED; or `timeout` seconds pass:
        UNKNOWN (not known to run yet). Polls one instance at a time, pausing 0.25 s growing to
        2 s between rounds; changes nothing (dcs_wait_running_with).

        Returns one Result per id, all SUCCESS. Raises PartialFailure when the others failed,
        Timeout when some were still not RUNNING, Cancelled, ApiError for a refusal no poll can
        change (400, 401, 403), each with every result; arguments as for call().
        """
        encoded = _ids(ids)
        timeout_ms = _milliseconds(timeout, "timeout")
        _check_cancel(cancel)
        array = (ctypes.c_char_p * len(encoded))(*encoded)

        def invoke(lib: ctypes.CDLL, handle: _native.ClientHandle, *out: Any) -> int:
            status: int = lib.dcs_wait_running_with(handle, array, len(encoded), timeout_ms, *out)
            return status

        return self._run(invoke, _native.CallOptions(_native.CALL_OPTIONS_VERSION, 0, None, 0), cancel,
                         self._results_of(True))

    def instance_status(self, instance_id: str, *, timeout: Optional[float] = None,
                        cancel: Optional[CancelToken] = None) -> InstanceStatus:
        """The instance's current status (GET /v2/{project_id}/instances/{id}); OTHER for one
        this library does not know. timeout: seconds for the query, retries included
        (dcs_call_options.deadline_ms); None: the client's own timeouts bound it. cancel (and
        cancel_all()) end it with Cancelled. Raises ApiError for an unknown instance (HTTP 404,
        DCS.3022), InvalidArgument for a malformed id (dcs_get_instance_status_with).
        """
        encoded = _encode(instance_id, "instance_id")
        options = _native.CallOptions(_native.CALL_OPTIONS_VERSION,
                                      0 if timeout is None else _milliseconds(timeout, "timeout"), None, 0)
        _check_cancel(cancel)
        out = ctypes.c_int(InstanceStatus.OTHER.value)

        def invoke(lib: ctypes.CDLL, handle: _native.ClientHandle, options: Any, _results: Any, err: Any) -> int:
            status: int = lib.dcs_get_instance_status_with(handle, encoded, options, ctypes.byref(out), err)
            return status

        def finish(lib: ctypes.CDLL, status: int, _results: _native.ResultsHandle,
                   err: _native.ErrorHandle) -> InstanceStatus:
            if status != Status.OK:
                raise _read_error(lib, status, err, [])
            return InstanceStatus(out.value)

        result: InstanceStatus = self._run(invoke, options, cancel, finish)
        return result

    def list_instances(self, *, name: Optional[str] = None, exact: bool = False,
                       status: Union[InstanceStatus, str, None] = None,
                       tags: Union[Mapping[str, str], Iterable[str], None] = None,
                       timeout: Optional[float] = None, cancel: Optional[CancelToken] = None) -> List[Instance]:
        """The project's instances (GET /v2/{project_id}/instances, read page after page to the
        end), in the service's order, each once: every one, or those the filters select (all
        of them together):

        name: instances whose name contains it (the service's match); with exact=True, whose
            name is exactly it.
        status: an InstanceStatus (not OTHER) or the service's name of one ("RUNNING").
        tags: {"key": "value", ...} or an iterable of "key=value" str: instances that carry
            all of them (at most 20).
        timeout: seconds for the whole listing, retries included; None: only the client's own
            timeouts bound each page. cancel (and cancel_all()) end it with Cancelled.

        Returns a list of Instance, [] when none matches; a listing is whole or raises
        (dcs_list_instances). Raises InvalidArgument naming the argument for a bad value
        (C's checks name its fields: "filter->tags[1] ..."; tags[i] is the i-th tag in the
        order given), TypeError for a wrong type, both before anything is sent.
        """
        selected = _list_filter(name, exact, status, tags)
        options = _native.CallOptions(_native.CALL_OPTIONS_VERSION,
                                      0 if timeout is None else _milliseconds(timeout, "timeout"), None, 0)
        _check_cancel(cancel)
        listed = _native.InstanceListHandle()

        def invoke(lib: ctypes.CDLL, handle: _native.ClientHandle, options: Any, _results: Any, err: Any) -> int:
            status: int = lib.dcs_list_instances(handle, ctypes.byref(selected), options, ctypes.byref(listed), err)
            return status

        def finish(lib: ctypes.CDLL, status: int, _results: _native.ResultsHandle,
                   err: _native.ErrorHandle) -> List[Instance]:
            try:
                if status != Status.OK:
                    raise _read_error(lib, status, err, [])
                return _read_instances(lib, listed)
            finally:
                lib.dcs_instance_list_free(listed)

        found: List[Instance] = self._run(invoke, options, cancel, finish)
        return found
