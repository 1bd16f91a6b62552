"""Hostile Tanks bot: closing its own pipes under the controller.

The bot closes the read end of its request pipe (and every copy of it it
can find among descriptors 0..63) while staying alive in a non-daemon
thread, so that the controller's next request meets a pipe with no reader:
EPIPE, and SIGPIPE for a controller that does not ignore it. It also closes
its log pipe. cf-fight must survive and report; the other bot must finish.
"""
# @ESCAPE_PRELUDE@


import stat
import threading


def linger():
    time.sleep(float(CFG.get('linger_s', 3)))


class Main:
    def __init__(self):
        self.n = 0

    def decide_tick(self, tick, my_state, enemy_state):
        self.n += 1
        if self.n == 2:
            threading.Thread(target=linger).start()
            req = os.fstat(3)
            for fd in range(0, 64):
                try:
                    st = os.fstat(fd)
                except OSError:
                    continue
                if fd != 4 and stat.S_ISFIFO(st.st_mode) and (st.st_dev, st.st_ino) == (req.st_dev, req.st_ino):
                    os.close(fd)
            for fd in (1, 2):
                try:
                    os.close(fd)
                except OSError:
                    pass
        return 'N'
