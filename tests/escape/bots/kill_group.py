"""Hostile Tanks bot: kill of the process group.

kill(0, SIGKILL) signals the caller's whole process group: if the sandbox
left the bot in the controller's group, the controller dies with it. The
bot dies of its own signal (verdict `killed`); cf-fight must survive and
report, and the other bot wins.
"""
# @ESCAPE_PRELUDE@


import signal


def attack():
    try:
        pgid = os.getpgid(0)
        note('process group %d, session %d' % (pgid, os.getsid(0)))
    except OSError:
        pass
    os.kill(0, signal.SIGKILL)


# @ESCAPE_ATTACK_MAIN@
