"""Hostile Tanks bot: userfaultfd through ctypes.

userfaultfd lets a process stall the kernel in the middle of a copy, the
classic way to win a kernel race. The bot asks for one (user-mode-only, then
plain). A file descriptor back is an escape of the system-call filter.
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


def attack():
    lib = libc()
    for flags in (0o2000000 | 0o4000 | 1, 0o2000000 | 0o4000):  # CLOEXEC|NONBLOCK[|USER_MODE_ONLY]
        fd = lib.syscall(323, flags)
        if fd >= 0:
            evidence('userfaultfd(%#x) returned fd %d' % (flags, fd))
            os.close(fd)
            return
        note('userfaultfd(%#x): errno %d' % (flags, ctypes.get_errno()))


class Main:
    def __init__(self):
        self.attacked = False

    def decide_tick(self, tick, my_state, enemy_state):
        if not self.attacked:
            self.attacked = True
            attack()
        return (['M', 'U'] if my_state['y'] < 9 else ['M', 'D']) if ESCAPED else 'N'
