"""Hostile Tanks bot: kill(-1) and kill everything visible.

The bot sends SIGKILL to every process it may signal: kill(-1), every PID
under /proc, and the sentinel processes of the escape driver by their host
PIDs. Then it keeps playing. The sentinels, cf-fight and the other bot of the
fight must all survive.
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


import signal


def attack():
    targets = [int(p) for p in CFG.get('sentinels', [])]
    try:
        targets.extend(int(p) for p in os.listdir('/proc') if p.isdigit())
    except OSError:
        pass
    me = os.getpid()
    for sig in (signal.SIGSTOP, signal.SIGKILL):
        try:
            os.kill(-1, sig)
            note('kill(-1, %d) accepted' % sig)
        except OSError as e:
            note('kill(-1, %d): %s' % (sig, e))
        for pid in targets:
            if pid in (me, 0):
                continue
            try:
                os.kill(pid, sig)
                note('kill(%d, %d) accepted' % (pid, sig))
            except OSError:
                pass


class Main:
    def __init__(self):
        self.attacked = False

    def decide_tick(self, tick, my_state, enemy_state):
        if not self.attacked:
            self.attacked = True
            attack()
        return (['M', 'U'] if my_state['y'] < 9 else ['M', 'D']) if ESCAPED else 'N'
