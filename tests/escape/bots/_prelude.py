# The part every hostile bot shares, once. A bot file under bots/ is a
# template: escape.py replaces its line `# @ESCAPE_PRELUDE@` with this file
# (between two marker comments) when it writes the bot for a run, then fills
# the CFG line with the run's traps. The bot that reaches cf-fight is one
# self-contained module: the sandbox gives it no other file to import.
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
