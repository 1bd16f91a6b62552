import os
import time


class Main:
    def __init__(self):
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                print("daemon running", flush=True)
                while True:
                    time.sleep(0.05)
            os._exit(0)

    def decide_tick(self, tick, me, enemy):
        return "N"
