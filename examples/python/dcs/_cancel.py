"""Cancellation: CancelToken, and the dcs_cancel each call runs with.

dcs_call_options has room for one dcs_cancel, but a call of this binding answers to two: the
CancelToken it was given, if any, and Client.cancel_all(). So every call runs with a dcs_cancel
of its own (a _CallState), created just before the C call and freed just after it, exactly
once; the client and the CancelToken keep a set of the calls they may end and trigger those.
A CancelToken's own dcs_cancel is never handed to a call, so closing a token can never free
something a running call uses.
"""

from __future__ import annotations

import ctypes
import threading
import weakref
# Annotations only (they are not evaluated, see __future__): typing is not imported at run time,
# which would cost more than the rest of the package.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Optional, Set

    from ._values import Progress

from . import _native
from ._errors import InvalidArgument, OutOfMemory


class _CallState:
    """One call in C: its own dcs_cancel; the progress callable of the call, if any; and an
    exception a callback caught during it (a KeyboardInterrupt or SystemExit in the log
    callback, anything the progress callable raised), which cannot go up through C and is
    raised when the call returns."""

    __slots__ = ("cancel", "interrupt", "progress")

    def __init__(self, cancel: _native.CancelHandle) -> None:
        self.cancel = cancel
        self.interrupt: Optional[BaseException] = None
        self.progress: Optional[Callable[[Progress], object]] = None

    @classmethod
    def with_token(cls, lib: ctypes.CDLL) -> "_CallState":
        handle = lib.dcs_cancel_new()
        if not handle:
            raise OutOfMemory("out of memory")
        return cls(handle)

    def trigger(self) -> None:
        _native.library().dcs_cancel_trigger(self.cancel)

    def interrupt_with(self, error: BaseException) -> None:
        """`error` (KeyboardInterrupt, SystemExit, what the progress callable raised) is raised
        when the call returns; the call is cancelled now. The first one counts."""
        if self.interrupt is None:
            self.interrupt = error
        self.trigger()


# The call the current thread is making in C, for the log callback (which C calls on the
# thread making the call).
current = threading.local()


def interrupted(error: BaseException) -> None:
    """From the log callback: `error` (KeyboardInterrupt, SystemExit) cannot go up through C.
    The call is cancelled, and the error raised when it returns."""
    state: Optional[_CallState] = getattr(current, "state", None)
    if state is not None:
        state.interrupt_with(error)


class CancelToken:
    """Ends calls from another thread, a timer or a signal handler. Wraps a dcs_cancel.

        token = dcs.CancelToken()
        threading.Timer(5, token.cancel).start()
        client.restart(ids, wait=True, cancel=token)   # dcs.Cancelled after 5 s at most

    Give it to any number of calls (cancel=token), on any clients, in any threads. cancel()
    ends every call using it within about 50 ms with Cancelled (the request in flight UNKNOWN:
    it was sent; the rest NOT_SENT), and calls started with it afterwards end at once, sending
    nothing. A token stays cancelled: take a new one for the next calls.

    close() (or the end of a `with` block) frees the C token, exactly once; a token never
    closed is freed when it is garbage-collected. Calls already using a closed token can still
    be cancelled through it; new calls with it raise InvalidArgument. Closing is safe while
    calls use it: they run with tokens of their own (see Client.cancel_all).
    """

    def __init__(self) -> None:
        lib = _native.library()
        handle = lib.dcs_cancel_new()
        if not handle:
            raise OutOfMemory("out of memory")
        # Reentrant: cancel() may run in a signal handler that interrupted this thread inside
        # _link or _unlink.
        self._lock = threading.RLock()
        self._handle: Optional[_native.CancelHandle] = handle
        self._cancelled_when_closed = False
        self._calls: Set[_CallState] = set()
        self._finalizer = weakref.finalize(self, _native.free_cancel, handle)
        self._finalizer.atexit = False

    def cancel(self) -> None:
        """Cancels every call using the token, now and later. Idempotent; any thread; safe in a
        signal handler."""
        lib = _native.library()
        with self._lock:
            if self._handle is not None:
                lib.dcs_cancel_trigger(self._handle)
            else:
                self._cancelled_when_closed = True
            for call in list(self._calls):
                call.trigger()

    @property
    def cancelled(self) -> bool:
        """True once cancel() was called (dcs_cancel_is_triggered)."""
        with self._lock:
            if self._handle is None:
                return self._cancelled_when_closed
            return bool(_native.library().dcs_cancel_is_triggered(self._handle))

    def close(self) -> None:
        """Frees the C token. Idempotent."""
        with self._lock:
            if self._handle is None:
                return
            self._cancelled_when_closed = bool(_native.library().dcs_cancel_is_triggered(self._handle))
            self._handle = None
        self._finalizer()

    @property
    def closed(self) -> bool:
        return self._handle is None

    def __enter__(self) -> "CancelToken":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "cancelled" if self.cancelled else "not cancelled"
        return f"<dcs.CancelToken {state}{', closed' if self.closed else ''}>"

    # For the calls -------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._handle is None:
            raise InvalidArgument("the cancel token is closed")

    def _link(self, call: _CallState) -> None:
        """`call` is cancelled with the token from now on (at once if it already is)."""
        with self._lock:
            self._check_open()
            self._calls.add(call)
            if _native.library().dcs_cancel_is_triggered(self._handle):
                call.trigger()

    def _unlink(self, call: _CallState) -> None:
        with self._lock:
            self._calls.discard(call)
