# Prints one line first, then far more than the log keeps: the report's log
# must keep that first line (its head) and the latest lines (its tail).
import sys


class Main:
    def __init__(self):
        print("FIRST LINE: hello from the start")

    def decide_tick(self, tick, me, enemy):
        for i in range(20):
            print("tick %d line %d %s" % (tick, i, "x" * 40))
        if tick == 99:
            print("LAST LINE: goodbye", file=sys.stderr)
        return "N"
