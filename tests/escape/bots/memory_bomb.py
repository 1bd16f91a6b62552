"""Hostile Tanks bot: memory bomb.

On its first tick the bot allocates and touches memory in 8 MB steps until
it dies. The limit is the cgroup's on resident memory (70 MB for Tanks): the
verdict must be `memory`, never `crashed`, and the report's peak memory must
stay near the limit. Touching more than 150 MB (twice the limit) is an
escape of the memory limit.
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
    reported = False
    while len(chunks) * 8 < cap_mb:
        b = bytearray(step)
        # Touch every page so that the memory is resident, not just reserved.
        for off in range(0, step, 4096):
            b[off] = 1
        chunks.append(b)
        if not reported and len(chunks) * 8 >= int(CFG.get('mem_evidence_mb', 150)):
            reported = True
            evidence('touched %d MB' % (len(chunks) * 8))
    note('stopped at the cap of %d MB' % cap_mb)


class Main:
    def __init__(self):
        self.attacked = False

    def decide_tick(self, tick, my_state, enemy_state):
        if not self.attacked:
            self.attacked = True
            attack()
        return (['M', 'U'] if my_state['y'] < 9 else ['M', 'D']) if ESCAPED else 'N'
