"""The exceptions: one class per dcs_status, each keeping every field of the dcs_error."""

from __future__ import annotations

# Annotations only (they are not evaluated, see __future__): typing is not imported at run time,
# which would cost more than the rest of the package.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, ClassVar, Dict, Iterable, List, Optional, Tuple, Type, Union

from ._values import Result, Status


class DcsError(Exception):
    """A call did not fully succeed. Carries every field of the C dcs_error and the results.

    Attributes:
        status: the Status (a plain int for a status this binding does not know).
        http_status: the HTTP status of the service's answer; 0 when there was none.
        code: the service's error code ("DCS.4065", "APIGW.0301"); "" when none.
        message: what went wrong, in English; never holds a secret.
        request_id: the X-Request-Id of the answer, for Huawei's support; "" when none.
        results: one Result per instance id of the call, in order, whenever the call got as
            far as sending (also for errors: outcomes say what may have been applied); [] when
            nothing was sent.
    """

    default_status: ClassVar[Optional[Status]] = None

    def __init__(self, message: str, *, status: Union[Status, int, None] = None, http_status: int = 0,
                 code: str = "", request_id: str = "", results: Iterable[Result] = ()) -> None:
        super().__init__(message)
        if status is None:
            status = self.default_status
        if status is None:
            raise TypeError(f"{type(self).__name__} needs a status")
        self.status: Union[Status, int] = status
        self.http_status = http_status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.results: List[Result] = list(results)

    @property
    def status_name(self) -> str:
        """The name dcs_status_name gives: "DCS_EAPI"; "DCS_UNKNOWN_STATUS" for an unknown one."""
        return self.status.c_name if isinstance(self.status, Status) else "DCS_UNKNOWN_STATUS"

    def __str__(self) -> str:
        details = [self.status_name]
        if self.http_status:
            details.append(f"http_status={self.http_status}")
        if self.code:
            details.append(f"code={self.code}")
        if self.request_id:
            details.append(f"request_id={self.request_id}")
        return f"{self.message} ({', '.join(details)})"

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.message!r}, status={self.status_name}, "
                f"http_status={self.http_status}, code={self.code!r}, request_id={self.request_id!r}, "
                f"results=<{len(self.results)} results>)")

    def __reduce__(self) -> Tuple[Any, ...]:  # keyword-only fields: pickle (multiprocessing) needs to be told
        return (_rebuild, (type(self), self.message, int(self.status), self.http_status, self.code,
                           self.request_id, self.results))


def _rebuild(cls: Type[DcsError], message: str, status: int, http_status: int, code: str, request_id: str,
             results: List[Result]) -> DcsError:
    return cls(message, status=status_of(status), http_status=http_status, code=code,
               request_id=request_id, results=results)


class PartialFailure(DcsError):
    """DCS_EPARTIAL: every request was answered, but not every instance succeeded.

    Raised rather than returned so that a partial result can never pass for success; read
    `results` for each instance's outcome (or call Client.call with raise_on_partial=False).
    """

    default_status = Status.EPARTIAL


class InvalidArgument(DcsError, ValueError):
    """DCS_EINVAL: a bad argument, rejected before anything was sent (also a ValueError)."""

    default_status = Status.EINVAL


class ConfigError(DcsError):
    """DCS_ECONFIG: the configuration is missing a setting or its settings do not fit together."""

    default_status = Status.ECONFIG


class TransportError(DcsError):
    """DCS_ETRANSPORT: network, DNS or TLS failure."""

    default_status = Status.ETRANSPORT


class Timeout(DcsError, TimeoutError):
    """DCS_ETIMEOUT: no complete answer in time (also the builtin TimeoutError)."""

    default_status = Status.ETIMEOUT


class ApiError(DcsError):
    """DCS_EAPI: the service answered with an error status (see http_status and code)."""

    default_status = Status.EAPI


class ProtocolError(DcsError):
    """DCS_EPROTOCOL: the answer could not be understood."""

    default_status = Status.EPROTOCOL


class OutOfMemory(DcsError, MemoryError):
    """DCS_ENOMEM: out of memory (also a MemoryError)."""

    default_status = Status.ENOMEM


class Cancelled(DcsError):
    """DCS_ECANCELED: a CancelToken, or Client.cancel_all(), ended the call.

    `results` say what may have been applied: the request in flight when it was cancelled is
    UNKNOWN (it was sent), the rest NOT_SENT. Deliberately not a subclass of
    asyncio.CancelledError (a BaseException, which `except Exception` would not catch and
    asyncio would take for the cancellation of a task) nor of concurrent.futures.CancelledError
    (which says a Future was cancelled before it ran): a plain Exception, like every DcsError.
    """

    default_status = Status.ECANCELED


class Stopped(DcsError):
    """DCS_ESTOPPED: a rolling call (wave=) stopped at its health gate: a wave had an instance
    that did not end RUNNING (failed, unknown, or not RUNNING in time), so the later waves were
    not sent. The message names the wave and the instances at fault; `results` hold every
    instance's outcome, the later waves' NOT_SENT. keep_going=True goes on past such waves
    instead (and ends with PartialFailure)."""

    default_status = Status.ESTOPPED


ERROR_CLASSES: Dict[Status, Type[DcsError]] = {
    cls.default_status: cls
    for cls in (PartialFailure, InvalidArgument, ConfigError, TransportError, Timeout, ApiError,
                ProtocolError, OutOfMemory, Cancelled, Stopped)
}


def status_of(value: int) -> Union[Status, int]:
    """The Status for a C value; the int itself for a value this binding does not know."""
    try:
        return Status(value)
    except ValueError:
        return value


def error_for(status: int, message: str, **fields: Any) -> DcsError:
    """The exception for a C status: its own class, or DcsError for a status this binding does not know."""
    known = status_of(status)
    cls = ERROR_CLASSES.get(known, DcsError) if isinstance(known, Status) else DcsError
    return cls(message, status=known, **fields)
