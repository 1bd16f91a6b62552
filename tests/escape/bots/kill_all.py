"""Hostile Tanks bot: kill(-1) and kill everything visible.

The bot sends SIGKILL to every process it may signal: kill(-1), every PID
under /proc, and the sentinel processes of the escape driver by their host
PIDs. Then it keeps playing. The sentinels, cf-fight and the other bot of the
fight must all survive.
"""
# @ESCAPE_PRELUDE@


import signal


def attack():
    targets = [int(p) for p in CFG.get('sentinels', [])]
    try:
        targets.extend(int(p) for p in os.listdir('/proc') if p.isdigit())
    except OSError:
        pass
    me = os.getpid()
    for sig in (signal.SIGSTOP, signal.SIGKILL):
        try:
            os.kill(-1, sig)
            note('kill(-1, %d) accepted' % sig)
        except OSError as e:
            note('kill(-1, %d): %s' % (sig, e))
        for pid in targets:
            if pid in (me, 0):
                continue
            try:
                os.kill(pid, sig)
                note('kill(%d, %d) accepted' % (pid, sig))
            except OSError:
                pass


# @ESCAPE_ATTACK_MAIN@
