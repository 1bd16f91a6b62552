# Prints a line at ticks 2 and 4 only (tests/sandbox/test_tick_output.c).
class Main:
    def decide_tick(self, tick, me, enemy):
        if tick in (2, 4):
            print("B tick %d" % tick)
        return "N"
