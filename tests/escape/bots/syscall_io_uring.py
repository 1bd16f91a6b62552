"""Hostile Tanks bot: io_uring_setup through ctypes.

io_uring runs file and network operations in kernel workers that seccomp
never sees: a sandbox must not let a bot set one up. The bot calls
io_uring_setup(2) through ctypes; a file descriptor back is an escape of
the system-call filter.
"""
# @ESCAPE_PRELUDE@


import ctypes


def attack():
    lib = libc()
    params = ctypes.create_string_buffer(120)  # struct io_uring_params, zeroed
    fd = lib.syscall(425, 8, params)
    if fd >= 0:
        evidence('io_uring_setup returned fd %d' % fd)
        os.close(fd)
    else:
        note('io_uring_setup: errno %d' % ctypes.get_errno())


# @ESCAPE_ATTACK_MAIN@
