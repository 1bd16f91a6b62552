"""Hostile Tanks bot: MSG_OOB on a unix socketpair.

Out-of-band data on AF_UNIX stream sockets (MSG_OOB, Linux 5.15+) is
rarely used code with a history of use-after-free bugs, one of them
exploited from a browser's renderer sandbox, which now filters the flag.
The bot sends and receives one out-of-band byte on a socketpair it may
create; accepted, the kernel code is reachable from a bot. The flags are a
register argument of send/recv, so a filter can refuse them.
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


import socket


def attack():
    try:
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    except OSError as e:
        note('socketpair: %s' % e)
        return
    try:
        a.send(b'!', socket.MSG_OOB)
        evidence('send(MSG_OOB) accepted on a unix socketpair')
        b.settimeout(0.2)
        if b.recv(1, socket.MSG_OOB) == b'!':
            evidence('recv(MSG_OOB) returned the out-of-band byte')
    except OSError as e:
        note('MSG_OOB: %s' % e)


class Main:
    def __init__(self):
        self.attacked = False

    def decide_tick(self, tick, my_state, enemy_state):
        if not self.attacked:
            self.attacked = True
            attack()
        return ['M', 'U'] if ESCAPED else 'N'
