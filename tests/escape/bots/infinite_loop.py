"""Hostile Tanks bot: infinite loop.

The first decide_tick never returns: a pure CPU loop. The bot must get
`cpu_time` or `timeout` and the fight must end within the limits plus a
second.
"""
# @ESCAPE_PRELUDE@


def attack():
    x = 0
    while True:
        x += 1


# @ESCAPE_ATTACK_MAIN@
