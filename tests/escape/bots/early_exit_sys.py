"""Hostile Tanks bot: early exit with sys.exit at import.

The bot raises SystemExit (sys.exit(3)) while it is being imported, which
a careless harness would let end the interpreter quietly with status 3. The
verdict must be `crashed`, the other bot wins, and cf-fight reports as
usual.
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


sys.exit(3)


class Main:
    def decide_tick(self, tick, my_state, enemy_state):
        return 'N'
