"""Safety probe of the escape suite, not an attack.

Before a test whose attack would hurt the host if the sandbox were absent
(kill(-1), a fork bomb, ptrace of PID 1...), the escape driver runs this bot
and reads what it sees: its uid, whether PIDs of the host are visible,
whether it may signal the driver's sentinels. The driver refuses to run the
attack when the bot would be root in the host's PID namespace.
"""
import json
import os
import sys

CFG = {}  # @ESCAPE_CONFIG@


def probe():
    out = {'uid': os.getuid(), 'euid': os.geteuid(), 'pid': os.getpid(), 'ppid': os.getppid()}
    try:
        out['visible_pids'] = len([p for p in os.listdir('/proc') if p.isdigit()])
    except OSError:
        out['visible_pids'] = -1
    signals = {}
    for pid in CFG.get('sentinels', []):
        try:
            os.kill(int(pid), 0)
            signals[str(pid)] = 'may signal'
        except ProcessLookupError:
            signals[str(pid)] = 'not visible'
        except PermissionError:
            signals[str(pid)] = 'visible, not permitted'
    out['sentinels'] = signals
    try:
        out['pidns'] = os.readlink('/proc/self/ns/pid')
    except OSError:
        out['pidns'] = None
    sys.stderr.write('PROBE %s\n' % json.dumps(out))
    sys.stderr.flush()


class Main:
    def __init__(self):
        probe()

    def decide_tick(self, tick, my_state, enemy_state):
        return 'N'
