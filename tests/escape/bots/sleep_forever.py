"""Hostile Tanks bot: sleep forever.

The first decide_tick sleeps forever without using CPU: only the per-call
wall-clock limit can stop it. The verdict must be `timeout` and the fight
must end within the limits plus a second.
"""
# @ESCAPE_PRELUDE@


def attack():
    while True:
        time.sleep(1000)


# @ESCAPE_ATTACK_MAIN@
