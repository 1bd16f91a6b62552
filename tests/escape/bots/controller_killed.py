"""Hostile Tanks bot: the controller killed under a busy bot.

The escape driver kills cf-fight with SIGKILL in the middle of this bot's
fight. The bot has spread itself: a double-forked daemon and a thread, all
spinning or sleeping with every signal ignored, names carrying the run's
token. With PTRACE_O_EXITKILL, PR_SET_PDEATHSIG and the PID namespace, every
one of them must be gone within a moment of the controller's death: the
driver looks for them 300 ms after the kill.
"""
# @ESCAPE_PRELUDE@


import signal
import threading


def ignore_all():
    for sig in range(1, 65):
        if sig not in (signal.SIGKILL, signal.SIGSTOP):
            try:
                signal.signal(sig, signal.SIG_IGN)
            except (OSError, ValueError, RuntimeError):
                pass


def spin():
    # Mostly asleep: the fight must outlive the driver's kill at 1.5 s, and
    # busier spinners could spend Tanks' 1 s CPU budget before it (the bot
    # then loses and cf-fight exits first).
    x = 0
    while True:
        x += 1
        if x % 10000 == 0:
            time.sleep(0.05)


class Main:
    def __init__(self):
        name_process()
        ignore_all()
        try:
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    name_process()
                    spin()
                os._exit(0)
        except OSError as e:
            note('fork: %s' % e)
        threading.Thread(target=spin, daemon=True).start()

    def decide_tick(self, tick, my_state, enemy_state):
        time.sleep(0.15)  # keep the fight going until the controller dies
        return 'N'
