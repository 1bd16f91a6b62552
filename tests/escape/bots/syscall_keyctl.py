"""Hostile Tanks bot: keyctl and add_key through ctypes.

Kernel keyrings are not namespaced: a bot that may call add_key/keyctl can
read and fill the keyrings of its uid on the host. The bot adds a key to its
process keyring and asks for its user keyring's id. A key serial back is an
escape of the system-call filter.
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


import ctypes


def attack():
    lib = libc()
    serial = lib.syscall(248, b'user', CFG.get('token', 'cfesc').encode(), b'payload', 7, -2)  # process keyring
    if serial >= 0:
        evidence('add_key returned serial %d' % serial)
    else:
        note('add_key: errno %d' % ctypes.get_errno())
    ring = lib.syscall(250, 0, -4, 0)  # KEYCTL_GET_KEYRING_ID of the user keyring
    if ring >= 0:
        evidence('keyctl(GET_KEYRING_ID, user) returned %d' % ring)
    else:
        note('keyctl: errno %d' % ctypes.get_errno())


class Main:
    def __init__(self):
        self.attacked = False

    def decide_tick(self, tick, my_state, enemy_state):
        if not self.attacked:
            self.attacked = True
            attack()
        return (['M', 'U'] if my_state['y'] < 9 else ['M', 'D']) if ESCAPED else 'N'
