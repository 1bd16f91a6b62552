"""Hostile Tanks bot: classic BPF through setsockopt(SO_ATTACH_FILTER).

bpf(2) is forbidden, but a socket takes a classic BPF program through
setsockopt(SO_ATTACH_FILTER), which the kernel checks, converts to eBPF and
JIT-compiles: the same kernel attack surface (JIT spraying, verifier
bugs). The bot attaches a one-instruction filter ("accept") to a
socketpair end, then an SO_ATTACH_REUSEPORT_CBPF one. An accepted filter is
kernel BPF reached from a bot.
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
import socket
import struct

SO_ATTACH_FILTER = 26
SO_ATTACH_REUSEPORT_CBPF = 51


def attack():
    try:
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    except OSError as e:
        note('socketpair: %s' % e)
        return
    insns = ctypes.create_string_buffer(struct.pack('=HBBI', 0x06, 0, 0, 0xffff))  # ret #0xffff
    prog = struct.pack('=H6xQ', 1, ctypes.addressof(insns))                       # sock_fprog
    for opt, name in ((SO_ATTACH_FILTER, 'SO_ATTACH_FILTER'),
                      (SO_ATTACH_REUSEPORT_CBPF, 'SO_ATTACH_REUSEPORT_CBPF')):
        try:
            a.setsockopt(socket.SOL_SOCKET, opt, prog)
            evidence('setsockopt(%s) accepted a classic BPF program' % name)
        except OSError as e:
            note('setsockopt(%s): %s' % (name, e))


class Main:
    def __init__(self):
        self.attacked = False

    def decide_tick(self, tick, my_state, enemy_state):
        if not self.attacked:
            self.attacked = True
            attack()
        return ['M', 'U'] if ESCAPED else 'N'
