"""Hostile Tanks bot: a child the tracer never sees (CLONE_UNTRACED).

clone(CLONE_UNTRACED) makes a child that the tracer's fork/clone options do
not auto-attach: the ptrace supervisor never sees it, and a system call that
seccomp hands to the tracer (SECCOMP_RET_TRACE) fails with ENOSYS in it
instead of killing the bot. The bot makes such a child with a raw clone and
has it try a forbidden call (socket); the child reports through a pipe. A
forbidden call that does not end the bot with `illegal` is a hole in the
supervision.
"""
# @ESCAPE_PRELUDE@


import ctypes
import struct

CLONE_UNTRACED = 0x00800000
SIGCHLD = 17


def attack():
    lib = libc()
    r, w = os.pipe()
    pid = lib.syscall(56, CLONE_UNTRACED | SIGCHLD, 0, 0, 0, 0)  # raw clone, fork-like
    if pid == 0:
        rc = lib.syscall(41, 2, 1, 0)  # socket(AF_INET, SOCK_STREAM)
        err = ctypes.get_errno()
        os.write(w, struct.pack('ii', rc, err))
        os._exit(0)
    if pid < 0:
        note('clone(CLONE_UNTRACED): errno %d' % ctypes.get_errno())
        return
    os.close(w)
    data = os.read(r, 8)
    try:
        os.waitpid(pid, 0)
    except OSError:
        pass
    if len(data) == 8:
        rc, err = struct.unpack('ii', data)
        note('untraced child: socket() returned %d errno %d' % (rc, err))
        evidence('an untraced child made a forbidden call and lived (returned %d, errno %d)'
                 % (rc, err))
    else:
        note('untraced child said nothing')


# @ESCAPE_ATTACK_MAIN@
