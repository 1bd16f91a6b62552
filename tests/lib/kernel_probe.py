"""kernel_probe.py — what this host's kernel offers, probed, never assumed.

Machines of one kind still differ (kernel version, build options, boot
parameters, virtualisation). A test whose expectation depends on a kernel
feature asks here first, then expects what that kernel must do, or skips
with the reason when the case cannot arise on this host.

Each probe runs unsandboxed in a child process, so a probe that kills its
process (a 32-bit system call on a kernel without IA-32 emulation dies of
SIGSEGV) never takes the test with it. Results are cached per process.

    import kernel_probe
    ok, why = kernel_probe.i386_syscalls()
"""
import ctypes
import mmap
import os
import signal

# ctest's exit status for "skipped" (SKIP_RETURN_CODE in the CMake files).
SKIP = 77

_cache = {}


def _in_child(probe):
    """Runs probe() in a forked child; returns (exit status or None,
    terminating signal or None)."""
    pid = os.fork()
    if pid == 0:
        try:
            code = probe()
        except BaseException:
            code = 3
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return None, os.WTERMSIG(status)
    return os.WEXITSTATUS(status), None


def _int80_getpid():
    """i386 getpid (20) through int 0x80 from 64-bit code: 0 when it ran."""
    code = bytes([0xb8, 20, 0, 0, 0,  # mov eax, 20
                  0xcd, 0x80,         # int 0x80
                  0xc3])              # ret
    page = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    page.write(code)
    addr = ctypes.addressof(ctypes.c_char.from_buffer(page))
    pid = ctypes.CFUNCTYPE(ctypes.c_int)(addr)()
    return 0 if pid == os.getpid() else 1


def i386_syscalls():
    """(True, why) when 32-bit system calls (int 0x80) run on this kernel,
    (False, why) when they do not (no IA-32 emulation: CONFIG_IA32_EMULATION
    off, or ia32_emulation=0 on the kernel command line)."""
    if 'i386' not in _cache:
        status, sig = _in_child(_int80_getpid)
        if status == 0:
            _cache['i386'] = (True, 'int 0x80 getpid ran')
        elif sig is not None:
            _cache['i386'] = (False, 'int 0x80 is answered by %s: this kernel runs no '
                              '32-bit system calls' % signal.Signals(sig).name)
        else:
            _cache['i386'] = (False, 'the int 0x80 probe failed (status %s)' % status)
    return _cache['i386']
