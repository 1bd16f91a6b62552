"""Hostile Tanks bot: kill of the parent.

The bot stops and kills its parent (the coderunner's supervisor or
whatever getppid() shows), PID 1 of its namespace, and every process whose
name looks like the simulator (cf-*), then keeps playing. cf-fight must
survive and report, and the other bot must finish its fight.
"""
# @ESCAPE_PRELUDE@


import signal


def attack():
    me = os.getpid()
    victims = set()
    ppid = os.getppid()
    if ppid > 0:
        victims.add(ppid)
    if CFG.get('kill_pid1', True) and me != 1:
        victims.add(1)
    try:
        for p in os.listdir('/proc'):
            if not p.isdigit() or int(p) == me:
                continue
            try:
                with open('/proc/%s/comm' % p) as f:
                    comm = f.read().strip()
            except OSError:
                continue
            if comm.startswith('cf-') or comm.startswith('cf_') or 'fight' in comm:
                victims.add(int(p))
    except OSError:
        pass
    note('victims: %s' % sorted(victims))
    for sig in (signal.SIGSTOP, signal.SIGTERM, signal.SIGKILL):
        for pid in sorted(victims):
            try:
                os.kill(pid, sig)
                note('kill(%d, %d) accepted' % (pid, sig))
            except OSError as e:
                note('kill(%d, %d): %s' % (pid, sig, e))


# @ESCAPE_ATTACK_MAIN@
