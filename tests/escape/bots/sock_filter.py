"""Hostile Tanks bot: classic BPF through setsockopt(SO_ATTACH_FILTER).

bpf(2) is forbidden, but a socket takes a classic BPF program through
setsockopt(SO_ATTACH_FILTER), which the kernel checks, converts to eBPF and
JIT-compiles: the same kernel attack surface (JIT spraying, verifier
bugs). The bot attaches a one-instruction filter ("accept") to a
socketpair end, then an SO_ATTACH_REUSEPORT_CBPF one. An accepted filter is
kernel BPF reached from a bot.
"""
# @ESCAPE_PRELUDE@


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


# @ESCAPE_ATTACK_MAIN@
