"""Hostile Tanks bot: many open files.

The bot raises its open-file limit as far as it may and opens pipes until
the kernel refuses, keeping them all. Pipes cost kernel memory: the
open-files rlimit and the memory cgroup must stop it early. More than 4096
descriptors is an escape of the open-files limit.
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


import resource


def attack():
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        note('RLIMIT_NOFILE %d/%d' % (soft, hard))
    except (OSError, ValueError) as e:
        note('setrlimit: %s' % e)
    kept = []
    cap = int(CFG.get('files_cap', 200000))
    try:
        while len(kept) < cap:
            kept.extend(os.pipe())
    except OSError as e:
        note('stopped at %d descriptors: %s' % (len(kept), e))
    if len(kept) > 4096:
        evidence('held %d open descriptors' % len(kept))
    for fd in kept:
        os.close(fd)


class Main:
    def __init__(self):
        self.attacked = False

    def decide_tick(self, tick, my_state, enemy_state):
        if not self.attacked:
            self.attacked = True
            attack()
        return (['M', 'U'] if my_state['y'] < 9 else ['M', 'D']) if ESCAPED else 'N'
