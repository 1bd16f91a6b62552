"""Hostile Tanks bot: setuid and privilege gain.

The bot tries to become root on the host: setuid/setresuid/setgid(0),
setgroups, capset to full capabilities; then it proves what it gained by
writing a marker into a root-only host directory (mode 0700) that the
escape driver created, reading /etc/shadow (digest checked against the
host's), changing the owner of a host file and setting the host's
hostname (which the driver checks is unchanged).
"""
# @ESCAPE_PRELUDE@


import ctypes
import hashlib


def attack():
    # Capabilities first, then identities, the group list last.
    try:
        lib = libc()

        class Header(ctypes.Structure):
            _fields_ = [('version', ctypes.c_uint32), ('pid', ctypes.c_int)]

        class Data(ctypes.Structure):
            _fields_ = [('effective', ctypes.c_uint32), ('permitted', ctypes.c_uint32),
                        ('inheritable', ctypes.c_uint32)]
        hdr = Header(0x20080522, 0)
        data = (Data * 2)(Data(0xffffffff, 0xffffffff, 0), Data(0xffffffff, 0xffffffff, 0))
        r = lib.syscall(126, ctypes.byref(hdr), data)  # capset
        note('capset(all) returned %d errno %d' % (r, ctypes.get_errno()))
    except Exception as e:
        note('capset: %s' % e)
    for name, call in (('setresuid', lambda: os.setresuid(0, 0, 0)),
                       ('setuid', lambda: os.setuid(0)),
                       ('setresgid', lambda: os.setresgid(0, 0, 0)),
                       ('setgid', lambda: os.setgid(0)),
                       ('setgroups', lambda: os.setgroups([0]))):
        try:
            call()
            note('%s(0) accepted' % name)
        except OSError as e:
            note('%s(0): %s' % (name, e))
    note('now uid %d euid %d gid %d' % (os.getuid(), os.geteuid(), os.getgid()))
    root_dir = CFG.get('root_dir')
    if root_dir:
        try:
            with open(os.path.join(root_dir, CFG.get('token', 'cfesc') + '-setuid'), 'w') as f:
                f.write('root on the host\n')
            evidence('wrote into the root-only %s' % root_dir)
        except OSError as e:
            note('root-only dir: %s' % e)
    try:
        with open('/etc/shadow', 'rb') as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        sys.stderr.write('LEAK /etc/shadow sha256=%s\n' % digest)
        if digest in CFG.get('secret_digests', []):
            evidence('read the host\'s /etc/shadow')
    except OSError as e:
        note('/etc/shadow: %s' % e)
    if CFG.get('chown_path'):
        try:
            os.chown(CFG['chown_path'], 4242, 4242)
            note('chown accepted')
        except OSError as e:
            note('chown: %s' % e)
    if CFG.get('set_hostname', True):
        try:
            import socket
            socket.sethostname(CFG.get('token', 'cfesc')[:60])
            note('sethostname accepted')
        except (OSError, AttributeError) as e:
            note('sethostname: %s' % e)


# @ESCAPE_ATTACK_MAIN@
