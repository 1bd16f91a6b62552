"""Hostile Tanks bot: kill of the parent.

The bot stops and kills its parent (the coderunner's supervisor or
whatever getppid() shows), PID 1 of its namespace, and every process whose
name looks like the simulator (cf-*), then keeps playing. cf-fight must
survive and report, and the other bot must finish its fight.
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
    me = os.getpid()
    victims = set()
    ppid = os.getppid()
    if ppid > 0:
        victims.add(ppid)
    if CFG.get('kill_pid1', True) and me != 1:
        victims.add(1)
    try:
        for p in os.listdir('/proc'):
            if not p.isdigit() or int(p) == me:
                continue
            try:
                with open('/proc/%s/comm' % p) as f:
                    comm = f.read().strip()
            except OSError:
                continue
            if comm.startswith('cf-') or comm.startswith('cf_') or 'fight' in comm:
                victims.add(int(p))
    except OSError:
        pass
    note('victims: %s' % sorted(victims))
    for sig in (signal.SIGSTOP, signal.SIGTERM, signal.SIGKILL):
        for pid in sorted(victims):
            try:
                os.kill(pid, sig)
                note('kill(%d, %d) accepted' % (pid, sig))
            except OSError as e:
                note('kill(%d, %d): %s' % (pid, sig, e))


class Main:
    def __init__(self):
        self.attacked = False

    def decide_tick(self, tick, my_state, enemy_state):
        if not self.attacked:
            self.attacked = True
            attack()
        return (['M', 'U'] if my_state['y'] < 9 else ['M', 'D']) if ESCAPED else 'N'
