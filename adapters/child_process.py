"""Child processes that must not outlive the process that started them (the embedded Redis, workers)."""

import ctypes
import signal
from contextlib import suppress

PR_SET_PDEATHSIG = 1  # prctl option: the signal this process gets when its parent dies


def terminate_with_parent() -> None:
    """Call in the child: SIGTERM when the parent dies, even by kill -9. Linux only; elsewhere nothing."""
    with suppress(OSError):  # not Linux: the parent's own shutdown path still stops its children
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
