# A double-fork daemon that would outlive the fight if the sandbox let it.
import os
import time


class Main:
    def __init__(self):
        r, w = os.pipe()
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                print("daemon running", flush=True)
                os.write(w, b"!")
                while True:
                    time.sleep(0.05)
            os._exit(0)
        os.read(r, 1)  # the daemon is up before the first reply

    def decide_tick(self, tick, me, enemy):
        return "N"
