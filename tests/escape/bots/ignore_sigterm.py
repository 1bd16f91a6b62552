"""Hostile Tanks bot: ignore SIGTERM.

The bot ignores or catches every catchable signal (SIGTERM, SIGINT,
SIGHUP, SIGXCPU, SIGALRM, SIGUSR1/2, SIGPIPE, ...) and then loops
forever. A sandbox that asks politely never gets rid of it: it must kill
(SIGKILL), give `cpu_time` or `timeout`, and leave no process behind.
"""
# @ESCAPE_PRELUDE@


import signal


def attack():
    name_process()
    for sig in range(1, 65):
        if sig in (signal.SIGKILL, signal.SIGSTOP):
            continue
        try:
            signal.signal(sig, signal.SIG_IGN)
        except (OSError, ValueError, RuntimeError):
            pass
    x = 0
    while True:
        x += 1


# @ESCAPE_ATTACK_MAIN@
