"""Hostile Tanks bot: C stack overflow (SIGSEGV in a PID namespace's init).

The bot lifts Python's recursion limit and has repr() walk a list nested
300,000 deep, which recurses in C until the stack overflows: a SIGSEGV in the process that is its PID namespace's init, which
the kernel would not deliver if it came from another process. The fault
must end the bot (`crashed` or `killed`, or `memory` if the stack's pages
hit the limit first) within its limits, and never hang the fight.
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


def nested(depth):
    v = []
    for _ in range(depth):
        v = [v]
    return v


class Main:
    def decide_tick(self, tick, my_state, enemy_state):
        sys.setrecursionlimit(10 ** 8)
        # Python-to-Python calls no longer use the C stack (3.11); repr of a
        # nested list recurses in C.
        repr(nested(300000))
        return 'N'
