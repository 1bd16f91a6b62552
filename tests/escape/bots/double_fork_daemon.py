"""Hostile Tanks bot: double-fork daemon.

The bot forks, the child calls setsid() and forks again, and the grandchild
(a daemon reparented away from the bot) ignores every signal it can and
lives for 30 s, trying every half second to write a marker on /tmp and to
connect to the escape driver's TCP listener. Every process of a bot must be
dead when its fight ends: the driver looks for the daemon (its name carries
the run's token) after the fight.
"""
# @ESCAPE_PRELUDE@


import signal
import socket


def daemon():
    name_process()
    for sig in range(1, 65):
        if sig not in (signal.SIGKILL, signal.SIGSTOP):
            try:
                signal.signal(sig, signal.SIG_IGN)
            except (OSError, ValueError, RuntimeError):
                pass
    token = CFG.get('token', 'cfesc')
    end = time.monotonic() + float(CFG.get('daemon_life_s', 30))
    while time.monotonic() < end:
        try:
            with open('/tmp/%s-daemon' % token, 'w') as f:
                f.write('the daemon outlived its fight\n')
        except OSError:
            pass
        if CFG.get('tcp_port') and CFG.get('daemon_connect', True):
            try:
                s = socket.create_connection(('127.0.0.1', int(CFG['tcp_port'])), timeout=0.2)
                s.sendall(b'ESCAPE daemon ' + token.encode())
                s.close()
            except OSError:
                pass
        time.sleep(0.5)


def attack():
    try:
        pid = os.fork()
    except OSError as e:
        note('fork: %s' % e)
        return
    if pid == 0:
        try:
            os.setsid()
            if os.fork() == 0:
                for fd in range(3, 64):  # leave the bot's pipes to the bot
                    try:
                        os.close(fd)
                    except OSError:
                        pass
                daemon()
        except BaseException:
            pass
        os._exit(0)
    os.waitpid(pid, 0)
    note('daemon started')


# @ESCAPE_ATTACK_MAIN@
