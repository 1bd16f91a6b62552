"""Hostile Tanks bot: MSG_OOB on a unix socketpair.

Out-of-band data on AF_UNIX stream sockets (MSG_OOB, Linux 5.15+) is
rarely used code with a history of use-after-free bugs, one of them
exploited from a browser's renderer sandbox, which now filters the flag.
The bot sends and receives one out-of-band byte on a socketpair it may
create; accepted, the kernel code is reachable from a bot. The flags are a
register argument of send/recv, so a filter can refuse them.
"""
# @ESCAPE_PRELUDE@


import socket


def attack():
    try:
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    except OSError as e:
        note('socketpair: %s' % e)
        return
    try:
        a.send(b'!', socket.MSG_OOB)
        evidence('send(MSG_OOB) accepted on a unix socketpair')
        b.settimeout(0.2)
        if b.recv(1, socket.MSG_OOB) == b'!':
            evidence('recv(MSG_OOB) returned the out-of-band byte')
    except OSError as e:
        note('MSG_OOB: %s' % e)


# @ESCAPE_ATTACK_MAIN@
