import time


class Main:
    def decide_tick(self, tick, me, enemy):
        time.sleep(1000)
