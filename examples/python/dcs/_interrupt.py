"""Ctrl-C during a call made on the main thread: the call is cancelled at once, and
KeyboardInterrupt is raised when it returns, with the call's error (Cancelled) as its context.

Python runs a SIGINT handler only in the main thread, between two bytecodes: while the main
thread is inside C, not at all; when C calls back into Python (the log callback), there, where
a KeyboardInterrupt cannot go up through C and would be lost. So, at the first call made on the
main thread while SIGINT has Python's default handler, this module installs, once:
- a handler that does what Python's default one does (raise KeyboardInterrupt) whenever no call
  runs on the main thread, and during one records the interrupt and cancels the call instead
  (the call raises it when it returns);
- the signal's wakeup fd (signal.set_wakeup_fd, where Python's C-level handler writes the
  signal's number at once), a pipe that a thread of this module reads, so that the call is
  cancelled while the main thread is still in C. If the program already uses the wakeup fd
  (asyncio does), it is left alone, and the call is cancelled when C next calls back or returns.
Installed once, not around each call: the system calls it takes cost a sixth of a call. A
SIGINT handler the program sets is the program's: it runs as it always did, and then this
module stands aside.
"""

from __future__ import annotations

import os
import signal
import threading
# Annotations only (they are not evaluated, see __future__): typing is not imported at run time,
# which would cost more than the rest of the package.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Optional

from ._cancel import _CallState

# The call the main thread is making in C, for the watcher.
_active: Optional[_CallState] = None
_watcher: Optional["_Watcher"] = None
# Whether this process's wakeup fd was chosen (or left to the program); a fork's child chooses
# again: it must not write into its parent's pipe.
_wakeup_chosen = False


def _forked() -> None:
    global _wakeup_chosen
    _wakeup_chosen = False


os.register_at_fork(after_in_child=_forked)
_main_thread_id = threading.main_thread().ident
_watcher_lock = threading.Lock()


class _Watcher:
    """The read end of the wakeup pipe, read by a daemon thread; one per process (a child of a
    fork makes its own: the thread did not come with it)."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.read_fd, self.write_fd = os.pipe2(os.O_CLOEXEC)
        os.set_blocking(self.write_fd, False)
        threading.Thread(target=self._watch, name="dcs-ctrl-c", daemon=True).start()

    def _watch(self) -> None:
        while True:
            try:
                data = os.read(self.read_fd, 512)
            except OSError:
                return
            if signal.SIGINT in data:
                state = _active
                if state is not None:
                    state.interrupt_with(KeyboardInterrupt())


def _current_watcher() -> _Watcher:
    global _watcher
    with _watcher_lock:
        if _watcher is None or _watcher.pid != os.getpid():
            _watcher = _Watcher()
        return _watcher


def _on_sigint(signum: int, frame: Any) -> None:
    state = _active
    if state is None:
        signal.default_int_handler(signum, frame)  # raises KeyboardInterrupt, as Python's own
    state.interrupt_with(KeyboardInterrupt())


def watch(state: _CallState) -> bool:
    """Before one C call: True when Ctrl-C is this module's for the call (see the module's
    documentation); False on another thread, or with a SIGINT handler of the program's."""
    global _active, _wakeup_chosen
    if threading.get_ident() != _main_thread_id:
        return False
    handler = signal.getsignal(signal.SIGINT)
    if handler is not _on_sigint:
        if handler is not signal.default_int_handler:
            return False
        signal.signal(signal.SIGINT, _on_sigint)
    if not _wakeup_chosen:
        inherited = _watcher.write_fd if _watcher is not None else None
        previous = signal.set_wakeup_fd(_current_watcher().write_fd, warn_on_full_buffer=False)
        if previous not in (-1, inherited):
            signal.set_wakeup_fd(previous)  # the program's own: left as it was
        _wakeup_chosen = True
    _active = state
    return True


def unwatch(watched: bool) -> None:
    """After the C call."""
    global _active
    if watched:
        _active = None
