"""Hostile Tanks bot: memory bomb at import.

The bot allocates and touches memory in 8 MB steps while it is being
imported, before any Main exists: the cgroup's limit must stop it and the
verdict must be `memory` (not `crashed`, which an import failure would
otherwise be), and the other bot wins.
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


def attack():
    cap_mb = int(CFG.get('mem_cap_mb', 2048))
    step = 8 * 1024 * 1024
    chunks = []
    while len(chunks) * 8 < cap_mb:
        b = bytearray(step)
        for off in range(0, step, 4096):
            b[off] = 1
        chunks.append(b)
        if len(chunks) * 8 == int(CFG.get('mem_evidence_mb', 152)):
            evidence('touched %d MB at import' % (len(chunks) * 8))
    note('stopped at the cap of %d MB' % cap_mb)


attack()


class Main:
    def decide_tick(self, tick, my_state, enemy_state):
        return (['M', 'U'] if my_state['y'] < 9 else ['M', 'D']) if ESCAPED else 'N'
