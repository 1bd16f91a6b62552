# Makes its own pipes non-blocking (O_NONBLOCK is the pipe's, shared with
# the harness) at import and at every call, then plays: the harness must
# wait for its requests and its writes all the same (test_sandbox.py,
# Verdicts).
import os


def unblock():
    for fd in (0, 1, 3, 4):
        try:
            os.set_blocking(fd, False)
        except OSError:
            pass


unblock()


class Main:
    def decide_tick(self, tick, me, enemy):
        unblock()
        return "N"
