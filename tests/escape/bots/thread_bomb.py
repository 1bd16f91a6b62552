"""Hostile Tanks bot: thread bomb.

On its first tick the bot starts threads until thread creation fails, each
thread spinning. Threads are tasks: the sandbox's process cap (pids cgroup,
RLIMIT_NPROC) must stop them, their CPU must count against the bot's budget,
and the fight must end on time with the other bot untouched.
"""
# @ESCAPE_PRELUDE@


import threading


def spin():
    x = 0
    while True:
        if CFG.get('spin', True):
            for i in range(20000):
                x += i
        else:
            time.sleep(0.05)


def attack():
    cap = int(CFG.get('thread_cap', 100000))
    made = 0
    started = time.monotonic()
    while made < cap and time.monotonic() - started < 3.0:
        try:
            t = threading.Thread(target=spin, daemon=True)
            t.start()
        except Exception as e:
            note('thread start failed after %d threads: %s' % (made, e))
            break
        made += 1
    if made >= int(CFG.get('thread_evidence', 200)):
        evidence('started %d threads' % made)
    note('started %d threads' % made)


# @ESCAPE_ATTACK_MAIN@
