"""Hostile Tanks bot: thread bomb.

On its first tick the bot starts threads until thread creation fails, each
thread spinning. Threads are tasks: the sandbox's process cap (pids cgroup,
RLIMIT_NPROC) must stop them, their CPU must count against the bot's budget,
and the fight must end on time with the other bot untouched.
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


import threading


def spin():
    x = 0
    while True:
        if CFG.get('spin', True):
            for i in range(20000):
                x += i
        else:
            time.sleep(0.05)


def attack():
    cap = int(CFG.get('thread_cap', 100000))
    made = 0
    started = time.monotonic()
    while made < cap and time.monotonic() - started < 3.0:
        try:
            t = threading.Thread(target=spin, daemon=True)
            t.start()
        except Exception as e:
            note('thread start failed after %d threads: %s' % (made, e))
            break
        made += 1
    if made >= int(CFG.get('thread_evidence', 200)):
        evidence('started %d threads' % made)
    note('started %d threads' % made)


class Main:
    def __init__(self):
        self.attacked = False

    def decide_tick(self, tick, my_state, enemy_state):
        if not self.attacked:
            self.attacked = True
            attack()
        return (['M', 'U'] if my_state['y'] < 9 else ['M', 'D']) if ESCAPED else 'N'
