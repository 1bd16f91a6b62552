"""Hostile Tanks bot: kill itself with SIGKILL.

The bot kills itself with SIGKILL on its first tick: the verdict must be
`killed` (a signal), the other bot wins, and cf-fight reports as usual.
"""
# @ESCAPE_PRELUDE@


import signal


def attack():
    os.kill(os.getpid(), signal.SIGKILL)


# @ESCAPE_ATTACK_MAIN@
