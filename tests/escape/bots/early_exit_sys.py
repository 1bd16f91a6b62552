"""Hostile Tanks bot: early exit with sys.exit at import.

The bot raises SystemExit (sys.exit(3)) while it is being imported, which
a careless harness would let end the interpreter quietly with status 3. The
verdict must be `crashed`, the other bot wins, and cf-fight reports as
usual.
"""
# @ESCAPE_PRELUDE@


sys.exit(3)


class Main:
    def decide_tick(self, tick, my_state, enemy_state):
        return 'N'
