"""Hostile Tanks bot: early exit with os._exit at import.

The bot calls os._exit(0) while it is being imported: no Main ever exists.
The verdict must be `crashed` (an exit at import), the other bot wins, and
cf-fight reports as usual.
"""
# @ESCAPE_PRELUDE@


os._exit(0)


class Main:
    def decide_tick(self, tick, my_state, enemy_state):
        return 'N'
