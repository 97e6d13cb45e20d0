"""Ctrl-C during a call made on the main thread: the call is cancelled at once, and
KeyboardInterrupt is raised when it returns, with the call's error (Cancelled) as its context.

Python runs a SIGINT handler only in the main thread, between two bytecodes: while the main
thread is inside C, not at all; when C calls back into Python (the log callback), there, where
a KeyboardInterrupt cannot go up through C and would be lost. So, for the length of such a call,
and only when SIGINT has Python's default handler:
- a handler of this module stands in, which records the interrupt and cancels the call instead
  of raising (the call raises it when it returns);
- the signal's wakeup fd (signal.set_wakeup_fd, where Python's C-level handler writes the
  signal's number at once) is a pipe that a thread of this module reads, so that the call is
  cancelled while the main thread is still in C. If the program already uses the wakeup fd
  (asyncio does), it is left alone, and the call is cancelled when C next calls back or returns.
Any other SIGINT handler the program set is the program's: it runs as it always did.
"""

from __future__ import annotations

import os
import signal
import threading
from typing import Any, Optional, Tuple

from ._cancel import _CallState

# The call the main thread is making in C, for the watcher.
_active: Optional[_CallState] = None
_watcher: Optional["_Watcher"] = None
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


def watch(state: _CallState) -> Optional[Tuple[Any, bool]]:
    """Before one C call: see the module's documentation. What `unwatch` needs to put things
    back, or None when nothing was changed (not the main thread, or a handler of the program's)."""
    global _active
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        return None
    previous_handler = signal.signal(signal.SIGINT, lambda signum, frame: state.interrupt_with(KeyboardInterrupt()))
    watcher = _current_watcher()
    previous_fd = signal.set_wakeup_fd(watcher.write_fd, warn_on_full_buffer=False)
    ours = previous_fd == -1
    if not ours:
        signal.set_wakeup_fd(previous_fd)  # the program's own: left as it was
    _active = state
    return previous_handler, ours


def unwatch(saved: Optional[Tuple[Any, bool]]) -> None:
    """After the C call: SIGINT's handler and the wakeup fd as they were."""
    global _active
    if saved is None:
        return
    previous_handler, ours = saved
    _active = None
    if ours:
        signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGINT, previous_handler)
