# One slow call (350 ms at tick 5, past the 200 ms limit): the time bank
# takes it, the bot is not timed out.
import time


class Main:
    def decide_tick(self, tick, me, enemy):
        if tick == 5:
            time.sleep(0.35)
        return "N"
