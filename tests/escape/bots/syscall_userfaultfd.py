"""Hostile Tanks bot: userfaultfd through ctypes.

userfaultfd lets a process stall the kernel in the middle of a copy, the
classic way to win a kernel race. The bot asks for one (user-mode-only, then
plain). A file descriptor back is an escape of the system-call filter.
"""
# @ESCAPE_PRELUDE@


import ctypes


def attack():
    lib = libc()
    for flags in (0o2000000 | 0o4000 | 1, 0o2000000 | 0o4000):  # CLOEXEC|NONBLOCK[|USER_MODE_ONLY]
        fd = lib.syscall(323, flags)
        if fd >= 0:
            evidence('userfaultfd(%#x) returned fd %d' % (flags, fd))
            os.close(fd)
            return
        note('userfaultfd(%#x): errno %d' % (flags, ctypes.get_errno()))


# @ESCAPE_ATTACK_MAIN@
