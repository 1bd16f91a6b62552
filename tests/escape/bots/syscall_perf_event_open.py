"""Hostile Tanks bot: perf_event_open through ctypes.

The bot opens a software CPU-clock counter on itself with
perf_event_open(2) (user space only, which even perf_event_paranoid=2
allows). A file descriptor back is an escape of the system-call filter: perf
is kernel attack surface and a side channel no bot needs.
"""
import os
import sys
import time

CFG = {}  # @ESCAPE_CONFIG@

ESCAPED = []


def evidence(what):
    """An attack step worked: say so in the log and in the game (walk up)."""
    ESCAPED.append(what)
    try:
        sys.stderr.write('ESCAPE-EVIDENCE %s\n' % what)
        sys.stderr.flush()
    except Exception:
        pass


def note(what):
    try:
        sys.stderr.write('note: %s\n' % what)
        sys.stderr.flush()
    except Exception:
        pass


def libc():
    import ctypes
    lib = ctypes.CDLL(None, use_errno=True)
    lib.syscall.restype = ctypes.c_long
    return lib


def name_process():
    """Put the run's token in the process name so the host can find strays."""
    try:
        libc().prctl(15, CFG.get('token', 'cfesc').encode()[:15], 0, 0, 0)  # PR_SET_NAME
    except Exception:
        pass


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


class Main:
    def __init__(self):
        self.attacked = False

    def decide_tick(self, tick, my_state, enemy_state):
        if not self.attacked:
            self.attacked = True
            attack()
        return (['M', 'U'] if my_state['y'] < 9 else ['M', 'D']) if ESCAPED else 'N'
