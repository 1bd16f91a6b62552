"""Hostile Tanks bot: write anywhere.

The bot tries to create files named after the run's token everywhere it
can think of: /tmp, /dev/shm, /var/tmp, its working directory, its own
module's directory, the Python standard library, the interpreter prefix,
/, /root, /etc, and the host's root through /proc/1/root, /proc/PPID/root and
/proc/PPID/cwd; with open(O_CREAT), mkdir, symlink, hard link and mkfifo.
Inside the sandbox a private scratch area may take writes: the escape
driver looks for the token on the host, where nothing may appear.
"""
# @ESCAPE_PRELUDE@


def candidates():
    name = CFG.get('token', 'cfesc-manual')
    dirs = ['/tmp', '/dev/shm', '/var/tmp', '/run', '/', '/root', '/etc', '/home',
            os.getcwd(), os.path.dirname(os.path.abspath(__file__)),
            os.path.dirname(os.__file__), sys.prefix, sys.exec_prefix]
    for extra in CFG.get('write_dirs', []):
        dirs.append(extra)
    for pid in ('1', str(os.getppid()), 'self'):
        dirs.append('/proc/%s/root/tmp' % pid)
        dirs.append('/proc/%s/root/dev/shm' % pid)
        dirs.append('/proc/%s/cwd' % pid)
    for sub in ('site-packages', 'dist-packages', 'lib-dynload'):
        dirs.append(os.path.join(os.path.dirname(os.__file__), sub))
    paths = [os.path.join(d, name + '-w%d' % i) for i, d in enumerate(dirs)]
    paths.extend(CFG.get('markers', []))
    return paths


def attack():
    paths = candidates()
    wrote = 0
    # Plain creations first, then the calls a filter may refuse outright
    # (links, fifos): a bot killed for those has tried every path already.
    for path in paths:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
            os.write(fd, b'written by a hostile bot\n')
            os.close(fd)
            wrote += 1
            note('wrote %s' % path)
        except OSError:
            pass
    note('%d plain writes accepted inside the sandbox' % wrote)
    for path in paths:
        try:
            os.mkdir(path + '.d')
            note('made %s' % (path + '.d'))
        except OSError:
            pass
    # Python's own writes: a .pyc cache beside the standard library.
    try:
        import py_compile
        target = os.path.join(os.path.dirname(os.__file__), CFG.get('token', 'cfesc') + '-pyc.py')
        py_compile.compile(os.path.abspath(__file__), cfile=target + 'c', doraise=True)
        note('compiled into %sc' % target)
    except Exception:
        pass
    for suffix, make in (('.fifo', lambda p: os.mkfifo(p)),
                         ('.hard', lambda p: os.link(os.path.abspath(__file__), p)),
                         ('.ln', lambda p: os.symlink('/etc/passwd', p))):
        for path in paths:
            try:
                make(path + suffix)
                note('made %s' % (path + suffix))
            except (OSError, NotImplementedError):
                pass


# @ESCAPE_ATTACK_MAIN@
