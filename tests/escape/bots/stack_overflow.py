"""Hostile Tanks bot: C stack overflow (SIGSEGV in a PID namespace's init).

The bot lifts Python's recursion limit and compares two lists nested
300,000 deep, which recurses in C until the stack overflows (in linear
time: repr() would also recurse, but its per-level scan is quadratic and
could spend the CPU budget first): a SIGSEGV in the process that is its PID namespace's init, which
the kernel would not deliver if it came from another process. The fault
must end the bot (`crashed` or `killed`, or `memory` if the stack's pages
hit the limit first) within its limits, and never hang the fight.
"""
# @ESCAPE_PRELUDE@


def nested(depth):
    v = []
    for _ in range(depth):
        v = [v]
    return v


class Main:
    def decide_tick(self, tick, my_state, enemy_state):
        sys.setrecursionlimit(10 ** 8)
        # Python-to-Python calls no longer use the C stack (3.11); comparing
        # two nested lists recurses in C.
        nested(300000) == nested(300000)
        return 'N'
