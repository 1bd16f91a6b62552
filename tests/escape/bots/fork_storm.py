"""Hostile Tanks bot: fork and exit storm against the tracer.

Each fork of a traced bot is a ptrace event for the controller (the fork
event, the child's first stop, its exit): the bot forks children that exit
at once, in a tight loop, for 150 ms of every call. The process count never
grows, so no pids limit stops it. The controller serves both bots from one
thread: the other bot must still be answered within its limits (verdict
ok), and the fight must end on time.
"""
# @ESCAPE_PRELUDE@


def storm(seconds):
    n = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            pid = os.fork()
        except OSError:
            continue
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
        n += 1
    return n


class Main:
    def __init__(self):
        self.total = 0

    def decide_tick(self, tick, my_state, enemy_state):
        self.total += storm(float(CFG.get('storm_s', 0.15)))
        if tick % 20 == 1:
            note('tick %s: %d forks' % (tick, self.total))
        return 'N'
