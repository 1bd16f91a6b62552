"""Hostile Tanks bot: CPU burnt in a child process.

The bot forks a child that spins forever while the bot itself answers
quickly: a sandbox that charges only the bot's own process lets it use
unbounded CPU. The child tells the bot its CPU time through a pipe; once the
child has burnt more than 1.5 s (the fight's budget is 1 s) and the bot is
still being asked to play, the CPU limit has been escaped. The verdict
should be `cpu_time` and no process may be left.
"""
# @ESCAPE_PRELUDE@


import struct


def spin(w):
    name_process()
    last = 0.0
    x = 0
    while True:
        for i in range(100000):
            x += i
        t = time.process_time()
        if t - last > 0.1:
            last = t
            try:
                os.write(w, struct.pack('d', t))
            except OSError:
                pass


class Main:
    def __init__(self):
        self.r = None
        self.child_cpu = 0.0

    def decide_tick(self, tick, my_state, enemy_state):
        if self.r is None:
            name_process()
            r, w = os.pipe()
            try:
                pid = os.fork()
            except OSError as e:
                note('fork: %s' % e)
                self.r = -1
                return 'N'
            if pid == 0:
                os.close(r)
                try:
                    spin(w)
                finally:
                    os._exit(0)
            os.close(w)
            os.set_blocking(r, False)
            self.r = r
        if self.r >= 0 and not ESCAPED:
            # Wait a little each tick (well under the call limit) for the
            # child's CPU clock to run; once it has, answer at once.
            end = time.monotonic() + 0.12
            while time.monotonic() < end:
                try:
                    data = os.read(self.r, 4096)
                    if len(data) >= 8:
                        self.child_cpu = struct.unpack('d', data[-8:])[0]
                except BlockingIOError:
                    pass
                time.sleep(0.01)
            if self.child_cpu > 1.5 and not ESCAPED:
                evidence('a child burnt %.1f s of CPU and the bot still plays' % self.child_cpu)
        return (['M', 'U'] if my_state['y'] < 9 else ['M', 'D']) if ESCAPED else 'N'
