# Prints at known ticks, for the per-tick output (tests/sandbox/test_tick_output.c):
# a line at import (tick 0), "tick 3" at tick 3, more than a tick keeps at
# tick 5, a line on stderr at tick 7, bytes that are not UTF-8 at tick 8,
# and from tick 10 on more than a tick keeps at every tick, until the
# fight's cap is long past.
import sys

print("imported")


class Main:
    def decide_tick(self, tick, me, enemy):
        if tick == 3:
            print("tick 3")
        elif tick == 5:
            print("x" * 3000)
        elif tick == 7:
            print("err 7", file=sys.stderr)
        elif tick == 8:
            sys.stdout.flush()
            sys.stdout.buffer.write(b"bad \xff\xfe bytes\n")
        elif tick >= 10:
            print("tick %d %s" % (tick, "y" * 1500))
        return "N"
