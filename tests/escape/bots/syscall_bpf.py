"""Hostile Tanks bot: bpf through ctypes.

The bot calls bpf(BPF_MAP_CREATE) and bpf(BPF_PROG_LOAD) (a socket filter
returning 0) through ctypes. A file descriptor back is an escape of the
system-call filter: eBPF is kernel attack surface no bot needs.
"""
# @ESCAPE_PRELUDE@


import ctypes
import struct


def attack():
    lib = libc()
    attr = ctypes.create_string_buffer(struct.pack('=IIII', 2, 4, 4, 1), 128)  # ARRAY map
    fd = lib.syscall(321, 0, attr, 128)
    if fd >= 0:
        evidence('bpf(BPF_MAP_CREATE) returned fd %d' % fd)
        os.close(fd)
    else:
        note('bpf(BPF_MAP_CREATE): errno %d' % ctypes.get_errno())
    insns = ctypes.create_string_buffer(struct.pack('=BBhi', 0xb7, 0, 0, 0) +   # r0 = 0
                                        struct.pack('=BBhi', 0x95, 0, 0, 0))    # exit
    lic = ctypes.create_string_buffer(b'GPL')
    attr = ctypes.create_string_buffer(
        struct.pack('=IIQQ', 1, 2, ctypes.addressof(insns), ctypes.addressof(lic)), 128)
    fd = lib.syscall(321, 5, attr, 128)
    if fd >= 0:
        evidence('bpf(BPF_PROG_LOAD) returned fd %d' % fd)
        os.close(fd)
    else:
        note('bpf(BPF_PROG_LOAD): errno %d' % ctypes.get_errno())


# @ESCAPE_ATTACK_MAIN@
