"""Hostile Tanks bot: perf_event_open through ctypes.

The bot opens a software CPU-clock counter on itself with
perf_event_open(2) (user space only, which even perf_event_paranoid=2
allows). A file descriptor back is an escape of the system-call filter: perf
is kernel attack surface and a side channel no bot needs.
"""
# @ESCAPE_PRELUDE@


import ctypes
import struct


def attack():
    lib = libc()
    flags = 1 | (1 << 5) | (1 << 6)  # disabled, exclude_kernel, exclude_hv
    attr = ctypes.create_string_buffer(struct.pack('=IIQQQQQ', 1, 128, 0, 0, 0, 0, flags), 128)
    fd = lib.syscall(298, attr, 0, -1, -1, 0)
    if fd >= 0:
        evidence('perf_event_open returned fd %d' % fd)
        os.close(fd)
    else:
        note('perf_event_open: errno %d' % ctypes.get_errno())


# @ESCAPE_ATTACK_MAIN@
