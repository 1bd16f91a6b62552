# Every call 300 ms: 100 ms past the limit each, the 1 s bank is gone after
# ten calls, then two timeouts in a row end the bot.
import time


class Main:
    def decide_tick(self, tick, me, enemy):
        time.sleep(0.3)
        return "N"
