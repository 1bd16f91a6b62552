"""Hostile Tanks bot: signal storm against the tracer.

Every signal delivered to a traced process stops it for the tracer
(signal-delivery-stop), whatever seccomp says. The bot installs a handler
and sends itself signals in a tight loop (kill, tgkill, and a 1 ms
profiling timer) for 150 ms of every call: thousands of ptrace stops a
second for the controller, which serves both bots from one thread. The
other bot must still be answered within its limits (verdict ok), and the
fight must end on time.
"""
# @ESCAPE_PRELUDE@


import signal
import threading

COUNT = [0]


def handler(signum, frame):
    COUNT[0] += 1


def storm(seconds):
    me = os.getpid()
    tid = threading.get_native_id()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        os.kill(me, signal.SIGUSR1)
        try:
            signal.pthread_kill(threading.get_ident(), signal.SIGUSR2)
        except (OSError, AttributeError):
            pass
        COUNT[0] += 0 * tid


class Main:
    def __init__(self):
        signal.signal(signal.SIGUSR1, handler)
        signal.signal(signal.SIGUSR2, handler)
        signal.signal(signal.SIGPROF, handler)
        signal.setitimer(signal.ITIMER_PROF, 0.001, 0.001)

    def decide_tick(self, tick, my_state, enemy_state):
        storm(float(CFG.get('storm_s', 0.15)))
        if tick % 20 == 1:
            note('tick %s: %d signals handled' % (tick, COUNT[0]))
        return 'N'
