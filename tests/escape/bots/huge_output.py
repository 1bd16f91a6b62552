"""Hostile Tanks bot: huge stdout and stderr.

The bot writes 200 MB to stdout and to stderr as fast as it can, in one
call. The controller must cap what it keeps (the report's log stays small),
never block on the bot, and the fight must end within the limits; the other
bot is unaffected.
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
    line = ('x' * 1023 + '\n').encode()
    block = line * 1024  # 1 MB
    total = int(CFG.get('output_mb', 200))
    for fd in (1, 2):
        written = 0
        try:
            while written < total * len(block):
                written += os.write(fd, block)
        except OSError as e:
            note('fd %d: %s after %d bytes' % (fd, e, written))


class Main:
    def __init__(self):
        self.attacked = False

    def decide_tick(self, tick, my_state, enemy_state):
        if not self.attacked:
            self.attacked = True
            attack()
        return (['M', 'U'] if my_state['y'] < 9 else ['M', 'D']) if ESCAPED else 'N'
