"""Hostile Tanks bot: io_uring_setup through ctypes.

io_uring runs file and network operations in kernel workers that seccomp
never sees: a sandbox must not let a bot set one up. The bot calls
io_uring_setup(2) through ctypes; a file descriptor back is an escape of
the system-call filter.
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
    params = ctypes.create_string_buffer(120)  # struct io_uring_params, zeroed
    fd = lib.syscall(425, 8, params)
    if fd >= 0:
        evidence('io_uring_setup returned fd %d' % fd)
        os.close(fd)
    else:
        note('io_uring_setup: errno %d' % ctypes.get_errno())


class Main:
    def __init__(self):
        self.attacked = False

    def decide_tick(self, tick, my_state, enemy_state):
        if not self.attacked:
            self.attacked = True
            attack()
        return (['M', 'U'] if my_state['y'] < 9 else ['M', 'D']) if ESCAPED else 'N'
